-- What the landing folder's files looked like when last read, so unchanged files are not re-read.
CREATE TABLE IF NOT EXISTS etl_file_stat (
    path                VARCHAR PRIMARY KEY,
    size_bytes          BIGINT NOT NULL,
    mtime_ns            BIGINT NOT NULL,
    ctime_ns            BIGINT NOT NULL,
    inode               UBIGINT NOT NULL,
    sha256              VARCHAR NOT NULL,
    last_seen_run_id    BIGINT NOT NULL
);
COMMENT ON TABLE etl_file_stat IS 'Last known size, times and inode of each file in the landing folder with its SHA-256: a file whose stat is unchanged is not read and hashed again (as git''s index does). ctime cannot be set by users and changes with any rewrite or rename, so a replaced file is always re-read.';
COMMENT ON COLUMN etl_file_stat.path IS 'File path relative to the landing folder.';
COMMENT ON COLUMN etl_file_stat.size_bytes IS 'Size in bytes when last hashed.';
COMMENT ON COLUMN etl_file_stat.mtime_ns IS 'Modification time (ns since the epoch) when last hashed.';
COMMENT ON COLUMN etl_file_stat.ctime_ns IS 'Status-change time (ns since the epoch) when last hashed.';
COMMENT ON COLUMN etl_file_stat.inode IS 'Inode number when last hashed.';
COMMENT ON COLUMN etl_file_stat.sha256 IS 'SHA-256 of the content (dim_source_file.sha256).';
COMMENT ON COLUMN etl_file_stat.last_seen_run_id IS 'Latest run that saw the file.';
