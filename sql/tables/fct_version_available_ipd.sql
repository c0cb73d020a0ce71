-- Available individual participant data sets and study documents of each trial version.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_available_ipd (
    version_key    BIGINT NOT NULL,
    ordinal        INTEGER NOT NULL,
    document_id    VARCHAR,
    document_type  VARCHAR,
    url            VARCHAR,
    comment        VARCHAR USING COMPRESSION zstd
);
COMMENT ON TABLE fct_version_available_ipd IS 'Available individual participant data sets and study documents of each trial version (API v2 referencesModule.availIpds; legacy XML study_docs).';
COMMENT ON COLUMN fct_version_available_ipd.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_available_ipd.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_available_ipd.document_id IS 'Identifier of the data set or document.';
COMMENT ON COLUMN fct_version_available_ipd.document_type IS 'Type, e.g. Individual Participant Data Set, Study Protocol.';
COMMENT ON COLUMN fct_version_available_ipd.url IS 'Where to request or download it.';
COMMENT ON COLUMN fct_version_available_ipd.comment IS 'Comment.';
