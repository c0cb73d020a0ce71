-- Registered outcome measures of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS fct_version_outcome (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    outcome_kind        VARCHAR NOT NULL CHECK (outcome_kind IN ('PRIMARY', 'SECONDARY', 'OTHER', 'UNSPECIFIED')),
    measure             VARCHAR USING COMPRESSION zstd,
    time_frame          VARCHAR USING COMPRESSION zstd,
    outcome_description VARCHAR USING COMPRESSION zstd
);
COMMENT ON TABLE fct_version_outcome IS 'Registered (protocol) outcome measures of each trial version.';
COMMENT ON COLUMN fct_version_outcome.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_outcome.ordinal IS 'Position: primary outcomes first, then secondary, then other (0-based).';
COMMENT ON COLUMN fct_version_outcome.outcome_kind IS 'PRIMARY, SECONDARY or OTHER; UNSPECIFIED when the source (a text page without the headings) does not say.';
COMMENT ON COLUMN fct_version_outcome.measure IS 'Outcome measure title.';
COMMENT ON COLUMN fct_version_outcome.time_frame IS 'Time frame of the measurement.';
COMMENT ON COLUMN fct_version_outcome.outcome_description IS 'Outcome description.';
-- Added for issue 15 (lists as lists, the rest of the record); one path for new and existing warehouses.
ALTER TABLE fct_version_outcome ADD COLUMN IF NOT EXISTS safety_issue BOOLEAN;
COMMENT ON COLUMN fct_version_outcome.safety_issue IS 'Legacy XML before 2017: the outcome was flagged a safety issue (retired element).';
