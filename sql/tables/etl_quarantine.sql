-- Inputs refused by a run, with the reason and where the copy was put.
CREATE TABLE IF NOT EXISTS etl_quarantine (
    run_id              BIGINT NOT NULL,
    path                VARCHAR NOT NULL,
    member              VARCHAR NOT NULL,
    record_index        INTEGER NOT NULL,
    reason              VARCHAR NOT NULL,
    quarantine_path     VARCHAR,
    sha256              VARCHAR,
    PRIMARY KEY (run_id, path, member, record_index)
);
COMMENT ON TABLE etl_quarantine IS 'Files, archive members and single records that could not be loaded. The raw file is never changed; a copy is kept in the quarantine folder.';
COMMENT ON COLUMN etl_quarantine.run_id IS 'Run that refused the input.';
COMMENT ON COLUMN etl_quarantine.path IS 'Raw file path relative to the landing folder.';
COMMENT ON COLUMN etl_quarantine.member IS 'Archive member name; empty for a plain file.';
COMMENT ON COLUMN etl_quarantine.record_index IS 'Position of the refused record in the file (0-based); -1 when the whole file or member was refused.';
COMMENT ON COLUMN etl_quarantine.reason IS 'Why it was refused, in words a curator understands.';
COMMENT ON COLUMN etl_quarantine.quarantine_path IS 'Where the copy of the refused bytes was written; NULL for a single refused record inside an accepted file.';
COMMENT ON COLUMN etl_quarantine.sha256 IS 'SHA-256 of the refused bytes.';
