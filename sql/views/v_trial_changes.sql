-- Change events for analysts: what changed, between which dates, seen by which run.
CREATE OR REPLACE VIEW v_trial_changes AS
WITH final AS (
    SELECT
        nct_id, field, old_value, new_value,
        coalesce(CAST(old_valid_from AS VARCHAR), '?') || '..' || coalesce(CAST(new_valid_from AS VARCHAR), '?') AS changed_between,
        old_valid_from AS changed_after, new_valid_from AS changed_by,
        detected_in_run_id AS detected_in_run
    FROM fct_trial_change
)
SELECT * FROM final ORDER BY nct_id, changed_by, field;
COMMENT ON VIEW v_trial_changes IS 'Every change of overall status, enrollment, phases, primary completion or completion date and why_stopped between consecutive versions, with the run that detected it.';
COMMENT ON COLUMN v_trial_changes.changed_between IS 'The change happened after the first date and by the second: "old_valid_from..new_valid_from".';
COMMENT ON COLUMN v_trial_changes.changed_after IS 'valid_from of the version before the change.';
COMMENT ON COLUMN v_trial_changes.changed_by IS 'valid_from of the version after the change.';
COMMENT ON COLUMN v_trial_changes.detected_in_run IS 'Run that first recorded the change (etl_run.run_id); filter on the last run for "what changed since last night".';
