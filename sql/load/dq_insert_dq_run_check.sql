-- This run's validation outcome per rule, for the trend chart.
INSERT INTO dq_run_check
SELECT $run_id, check_name, rule, severity, sum(evaluated_rows), sum(failed_rows), sum(failed_rows) = 0
FROM stg_dq_run_check
GROUP BY check_name, rule, severity
ON CONFLICT DO NOTHING;
