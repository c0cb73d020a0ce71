-- Every record read: which file, which version it matched, when it was captured.
CREATE TABLE IF NOT EXISTS fct_record_sighting (
    source_file_key     BIGINT NOT NULL REFERENCES dim_source_file (source_file_key),
    member              VARCHAR NOT NULL,
    record_index        INTEGER NOT NULL,
    version_key         BIGINT NOT NULL,
    nct_id              VARCHAR NOT NULL,
    capture_date        DATE,
    run_id              BIGINT NOT NULL,
    PRIMARY KEY (source_file_key, member, record_index)
);
COMMENT ON TABLE fct_record_sighting IS 'Record sighting fact: one row per trial record read from a raw file, linking it to the version whose content it carries. The same content in many files is one version with many sightings.';
COMMENT ON COLUMN fct_record_sighting.source_file_key IS 'File the record came from (dim_source_file).';
COMMENT ON COLUMN fct_record_sighting.member IS 'Archive member holding the record; empty for a plain file.';
COMMENT ON COLUMN fct_record_sighting.record_index IS 'Position of the record in the file or member (0-based).';
COMMENT ON COLUMN fct_record_sighting.version_key IS 'Version carried by the record (fct_trial_version).';
COMMENT ON COLUMN fct_record_sighting.nct_id IS 'Trial identifier.';
COMMENT ON COLUMN fct_record_sighting.capture_date IS 'When the registry produced this copy (API versionHolder, XML download_date, page date).';
COMMENT ON COLUMN fct_record_sighting.run_id IS 'Run that read the record.';
