-- Every version of every trial in timeline order.
CREATE OR REPLACE VIEW v_trial_versions AS
WITH final AS (
    SELECT
        nct_id, version_number, valid_from, valid_to, is_current,
        overall_status, why_stopped, enrollment_count, enrollment_type, phases,
        start_date, primary_completion_date, completion_date, last_update_posted_date,
        first_capture_date, last_capture_date, source_format, same_last_update_as_previous, version_key
    FROM fct_trial_version
)
SELECT * FROM final ORDER BY nct_id, version_number;
COMMENT ON VIEW v_trial_versions IS 'Every stored version of every trial with its validity interval, in timeline order.';
