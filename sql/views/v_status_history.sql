-- Each trial's statuses as spans: consecutive versions with the same status merge into one.
CREATE OR REPLACE VIEW v_status_history AS
WITH versions AS (
    SELECT nct_id, version_number, overall_status, valid_from, valid_to, last_capture_date,
           CASE WHEN overall_status IS NOT DISTINCT FROM lag(overall_status) OVER w THEN 0 ELSE 1 END AS starts_span
    FROM fct_trial_version
    WINDOW w AS (PARTITION BY trial_key ORDER BY version_number)
),
spans AS (
    SELECT *, sum(starts_span) OVER (PARTITION BY nct_id ORDER BY version_number) AS span_number FROM versions
),
final AS (
    SELECT
        nct_id,
        span_number,
        any_value(overall_status) AS overall_status,
        min(valid_from) AS valid_from,
        -- NULL while the status is still current (no later version yet).
        CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END AS valid_to,
        bool_or(valid_to IS NULL) AS is_current,
        date_diff('day', min(valid_from),
                  CASE WHEN bool_or(valid_to IS NULL) THEN greatest(max(last_capture_date), max(valid_from)) ELSE max(valid_to) END
        ) AS days_in_status
    FROM spans
    GROUP BY nct_id, span_number
)
SELECT * FROM final ORDER BY nct_id, span_number;
COMMENT ON VIEW v_status_history IS 'Status timeline per trial: one row per span of consecutive versions with the same overall status. For the current span, days_in_status counts up to the latest capture date.';
COMMENT ON COLUMN v_status_history.span_number IS '1 for the first status span of the trial, increasing.';
COMMENT ON COLUMN v_status_history.valid_from IS 'First day of the span (valid_from of its first version).';
COMMENT ON COLUMN v_status_history.valid_to IS 'First day of the next status (exclusive); NULL while current.';
COMMENT ON COLUMN v_status_history.is_current IS 'True for the span the trial is in now.';
COMMENT ON COLUMN v_status_history.days_in_status IS 'Days the trial held this status (to the next status, or to the latest capture date while current).';
