-- Per run and check: how many rows were checked and how many failed.
CREATE TABLE IF NOT EXISTS dq_run_check (
    run_id              BIGINT NOT NULL,
    check_name          VARCHAR NOT NULL,
    rule                VARCHAR NOT NULL,
    severity            VARCHAR NOT NULL,
    evaluated_rows      BIGINT NOT NULL,
    failed_rows         BIGINT NOT NULL,
    success             BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, check_name, rule, severity)
);
COMMENT ON TABLE dq_run_check IS 'Great Expectations validation outcome per run and rule: rows checked, rows failing. Feeds the trend chart of the report.';
COMMENT ON COLUMN dq_run_check.run_id IS 'Run (etl_run.run_id).';
COMMENT ON COLUMN dq_run_check.check_name IS 'Check (dq_check).';
COMMENT ON COLUMN dq_run_check.rule IS 'Rule within the check.';
COMMENT ON COLUMN dq_run_check.severity IS 'Severity of this rule.';
COMMENT ON COLUMN dq_run_check.evaluated_rows IS 'Rows the rule was evaluated on (trials touched by the run, or all trials when a check changed).';
COMMENT ON COLUMN dq_run_check.failed_rows IS 'Rows that failed the rule.';
COMMENT ON COLUMN dq_run_check.success IS 'True when no row failed.';
