-- Lead sponsor and collaborators of the current version of each trial.
CREATE OR REPLACE VIEW v_trial_sponsors AS
WITH final AS (
    SELECT v.nct_id, b.ordinal, b.sponsor_role, o.organization_name, o.agency_class
    FROM fct_trial_version AS v
    JOIN bridge_version_sponsor AS b USING (version_key)
    JOIN dim_organization AS o USING (organization_key)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_sponsors IS 'Lead sponsor (sponsor_role LEAD) and collaborators of the current version of each trial.';
COMMENT ON COLUMN v_trial_sponsors.ordinal IS 'Position in the registered list (0-based).';
