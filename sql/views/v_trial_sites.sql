-- Sites of the current version of each trial.
CREATE OR REPLACE VIEW v_trial_sites AS
WITH final AS (
    SELECT v.nct_id, b.ordinal, f.facility_name AS facility, f.city, f.state, f.zip, f.country, b.site_status
    FROM fct_trial_version AS v
    JOIN bridge_version_site AS b USING (version_key)
    JOIN dim_facility AS f USING (facility_key)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_sites IS 'Sites of the current version of each trial with address and site status.';
COMMENT ON COLUMN v_trial_sites.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN v_trial_sites.facility IS 'Facility name as registered.';
