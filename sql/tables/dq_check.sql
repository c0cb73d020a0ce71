-- The data-quality checks, as defined by the suites under expectations/.
CREATE TABLE IF NOT EXISTS dq_check (
    check_name          VARCHAR PRIMARY KEY,
    severity            VARCHAR NOT NULL,
    explanation         VARCHAR NOT NULL,
    fields              VARCHAR[] NOT NULL,
    suite_name          VARCHAR NOT NULL,
    blocks_publication  BOOLEAN NOT NULL,
    definition_hash     VARCHAR NOT NULL
);
COMMENT ON TABLE dq_check IS 'Data-quality check catalogue, refreshed from the Great Expectations suites in expectations/ at every run.';
COMMENT ON COLUMN dq_check.check_name IS 'Stable check name, e.g. withdrawn_with_enrollment.';
COMMENT ON COLUMN dq_check.severity IS 'Highest severity the check can raise: error, warning or info (some checks grade by case, e.g. status_changed).';
COMMENT ON COLUMN dq_check.explanation IS 'One line a curator understands.';
COMMENT ON COLUMN dq_check.fields IS 'Warehouse fields the check reads.';
COMMENT ON COLUMN dq_check.suite_name IS 'Great Expectations suite holding the check (expectations/<suite>.json).';
COMMENT ON COLUMN dq_check.blocks_publication IS 'True for warehouse-integrity checks: a failure stops the night''s warehouse from being published.';
COMMENT ON COLUMN dq_check.definition_hash IS 'Hash of the check''s expectations; when it changes, every trial is re-checked.';
