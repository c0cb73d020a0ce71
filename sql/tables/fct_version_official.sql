-- Overall officials (investigators) of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS fct_version_official (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    official_name       VARCHAR,
    official_role       VARCHAR,
    affiliation         VARCHAR
);
COMMENT ON TABLE fct_version_official IS 'Overall officials of each trial version.';
COMMENT ON COLUMN fct_version_official.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_official.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN fct_version_official.official_name IS 'Name as registered.';
COMMENT ON COLUMN fct_version_official.official_role IS 'PRINCIPAL_INVESTIGATOR, STUDY_DIRECTOR, STUDY_CHAIR or SUB_INVESTIGATOR.';
COMMENT ON COLUMN fct_version_official.affiliation IS 'Affiliation.';
