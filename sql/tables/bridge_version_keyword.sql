-- Keywords of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS bridge_version_keyword (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    keyword             VARCHAR NOT NULL
);
COMMENT ON TABLE bridge_version_keyword IS 'Keywords of each trial version (the keyword text is its own degenerate dimension).';
COMMENT ON COLUMN bridge_version_keyword.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN bridge_version_keyword.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN bridge_version_keyword.keyword IS 'Keyword as registered.';
