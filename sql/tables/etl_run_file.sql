-- Which raw files each run saw, and what it did with them.
CREATE TABLE IF NOT EXISTS etl_run_file (
    run_id              BIGINT NOT NULL,
    path                VARCHAR NOT NULL,
    source_file_key     BIGINT NOT NULL REFERENCES dim_source_file (source_file_key),
    action              VARCHAR NOT NULL CHECK (action IN ('loaded', 'unchanged', 'quarantined')),
    records             INTEGER NOT NULL,
    PRIMARY KEY (run_id, path)
);
COMMENT ON TABLE etl_run_file IS 'Every input file a run saw, so a curator can tell which run saw what.';
COMMENT ON COLUMN etl_run_file.run_id IS 'Run (etl_run.run_id).';
COMMENT ON COLUMN etl_run_file.path IS 'File path relative to the landing folder.';
COMMENT ON COLUMN etl_run_file.source_file_key IS 'Content of the file (dim_source_file).';
COMMENT ON COLUMN etl_run_file.action IS 'loaded (read now), unchanged (same bytes already read by an earlier run) or quarantined.';
COMMENT ON COLUMN etl_run_file.records IS 'Trial records accepted from the file by this run (0 when unchanged).';
