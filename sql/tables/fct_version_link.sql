-- See-also links of each trial version.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_link (
    version_key  BIGINT NOT NULL,
    ordinal      INTEGER NOT NULL,
    url          VARCHAR,
    label        VARCHAR
);
COMMENT ON TABLE fct_version_link IS 'See-also links of each trial version (API v2 seeAlsoLinks; legacy XML link).';
COMMENT ON COLUMN fct_version_link.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_link.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_link.url IS 'Link address.';
COMMENT ON COLUMN fct_version_link.label IS 'Link label (legacy XML: description).';
