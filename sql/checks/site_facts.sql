-- Check input: one row per site of the current version of the trials in dq_scope.
WITH final AS (
    SELECT v.nct_id, v.version_key, v.overall_status, f.facility_name, f.city, f.country, b.site_status
    FROM fct_trial_version AS v
    JOIN bridge_version_site AS b USING (version_key)
    JOIN dim_facility AS f USING (facility_key)
    WHERE v.is_current AND v.nct_id IN (SELECT nct_id FROM dq_scope)
)
SELECT * FROM final ORDER BY nct_id, facility_name;
