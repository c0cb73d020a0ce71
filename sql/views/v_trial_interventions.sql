-- Interventions of the current version of each trial.
CREATE OR REPLACE VIEW v_trial_interventions AS
WITH final AS (
    SELECT v.nct_id, b.ordinal, i.intervention_type, i.intervention_name, b.description, b.other_names
    FROM fct_trial_version AS v
    JOIN bridge_version_intervention AS b USING (version_key)
    JOIN dim_intervention AS i USING (intervention_key)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_interventions IS 'Interventions of the current version of each trial, one row per trial and intervention.';
COMMENT ON COLUMN v_trial_interventions.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN v_trial_interventions.description IS 'Intervention description in the current version.';
