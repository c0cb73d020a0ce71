-- Literature references of each trial version.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_reference (
    version_key     BIGINT NOT NULL,
    ordinal         INTEGER NOT NULL,
    reference_type  VARCHAR,
    pmid            VARCHAR,
    citation        VARCHAR USING COMPRESSION zstd
);
COMMENT ON TABLE fct_version_reference IS 'Literature references of each trial version (API v2 referencesModule.references; legacy XML reference and results_reference).';
COMMENT ON COLUMN fct_version_reference.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_reference.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_reference.reference_type IS 'BACKGROUND, RESULT or DERIVED (legacy XML: reference is BACKGROUND, results_reference RESULT).';
COMMENT ON COLUMN fct_version_reference.pmid IS 'PubMed identifier.';
COMMENT ON COLUMN fct_version_reference.citation IS 'Citation text, in full.';
