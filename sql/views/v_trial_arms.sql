-- Arms of the current version of each trial.
CREATE OR REPLACE VIEW v_trial_arms AS
WITH final AS (
    SELECT v.nct_id, a.ordinal, a.arm_label, a.arm_type, a.arm_description, a.intervention_names
    FROM fct_trial_version AS v
    JOIN fct_version_arm AS a USING (version_key)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_arms IS 'Arms or groups of the current version of each trial.';
COMMENT ON COLUMN v_trial_arms.ordinal IS 'Position in the registered list (0-based).';
