-- Registered outcomes of the current version of each trial.
CREATE OR REPLACE VIEW v_trial_outcomes AS
WITH final AS (
    SELECT v.nct_id, o.ordinal, o.outcome_kind, o.measure, o.time_frame, o.outcome_description
    FROM fct_trial_version AS v
    JOIN fct_version_outcome AS o USING (version_key)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_outcomes IS 'Registered primary, secondary and other outcome measures of the current version of each trial.';
COMMENT ON COLUMN v_trial_outcomes.ordinal IS 'Position in the registered list (0-based).';
