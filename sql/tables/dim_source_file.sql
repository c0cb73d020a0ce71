-- Every distinct raw file content the warehouse has read, keyed by its SHA-256.
CREATE SEQUENCE IF NOT EXISTS seq_source_file_key START 1;
CREATE TABLE IF NOT EXISTS dim_source_file (
    source_file_key     BIGINT PRIMARY KEY DEFAULT nextval('seq_source_file_key'),
    sha256              VARCHAR NOT NULL UNIQUE,
    first_path          VARCHAR NOT NULL,
    size_bytes          BIGINT NOT NULL,
    detected_format     VARCHAR,
    outcome             VARCHAR NOT NULL CHECK (outcome IN ('loaded', 'partly_rejected', 'quarantined')),
    records             INTEGER NOT NULL,
    first_seen_run_id   BIGINT NOT NULL
);
COMMENT ON TABLE dim_source_file IS 'Source file dimension: one row per distinct raw file content (SHA-256). A file with the same bytes under another name is the same source file.';
COMMENT ON COLUMN dim_source_file.source_file_key IS 'Surrogate key.';
COMMENT ON COLUMN dim_source_file.sha256 IS 'SHA-256 of the raw file bytes (hex).';
COMMENT ON COLUMN dim_source_file.first_path IS 'Path of the file, relative to the landing folder, when first read.';
COMMENT ON COLUMN dim_source_file.size_bytes IS 'Size of the raw file in bytes.';
COMMENT ON COLUMN dim_source_file.detected_format IS 'Format detected from content: ctgov-v2-json, ctgov-legacy-xml, trial-page-text, zip, tar, or the reason it is unknown.';
COMMENT ON COLUMN dim_source_file.outcome IS 'loaded, partly_rejected (some records refused) or quarantined (nothing usable).';
COMMENT ON COLUMN dim_source_file.records IS 'Trial records accepted from the file.';
COMMENT ON COLUMN dim_source_file.first_seen_run_id IS 'Run that first read this content (etl_run.run_id).';
