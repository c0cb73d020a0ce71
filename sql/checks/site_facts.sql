-- Check input: one row per site of the current version of the trials in dq_scope.
WITH final AS (
    SELECT v.nct_id, v.version_key, v.overall_status, f.facility_name, f.city, f.country, b.site_status
    FROM fct_trial_version AS v
    JOIN bridge_version_site AS b USING (version_key)
    JOIN dim_facility AS f USING (facility_key)
    WHERE v.is_current AND v.nct_id IN (SELECT nct_id FROM dq_scope)
)
-- A total order: a finding is identified by trial, facility and city, and quotes the first
-- of its rows; the same site listed twice (its country spelled two ways) must give the
-- same finding text on every run, not whichever row the sort put first.
SELECT * FROM final ORDER BY nct_id, facility_name, city, country, site_status, overall_status, version_key;
