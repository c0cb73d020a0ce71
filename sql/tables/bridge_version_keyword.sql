-- Keywords of each trial version.
CREATE TABLE IF NOT EXISTS bridge_version_keyword (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    keyword             VARCHAR NOT NULL,
    PRIMARY KEY (version_key, ordinal)
);
COMMENT ON TABLE bridge_version_keyword IS 'Keywords of each trial version (the keyword text is its own degenerate dimension).';
COMMENT ON COLUMN bridge_version_keyword.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN bridge_version_keyword.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN bridge_version_keyword.keyword IS 'Keyword as registered.';
