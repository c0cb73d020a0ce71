-- Conditions of the current version of each trial.
CREATE OR REPLACE VIEW v_trial_conditions AS
WITH final AS (
    SELECT v.nct_id, b.ordinal, c.condition_name, c.condition_lower
    FROM fct_trial_version AS v
    JOIN bridge_version_condition AS b USING (version_key)
    JOIN dim_condition AS c USING (condition_key)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_conditions IS 'Conditions of the current version of each trial, one row per trial and condition.';
COMMENT ON COLUMN v_trial_conditions.ordinal IS 'Position in the registered list (0-based).';
