-- Conditions of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS bridge_version_condition (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    condition_key       BIGINT NOT NULL
);
COMMENT ON TABLE bridge_version_condition IS 'Bridge between trial versions and conditions (many to many).';
COMMENT ON COLUMN bridge_version_condition.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN bridge_version_condition.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN bridge_version_condition.condition_key IS 'Condition (dim_condition).';
