-- One row per nightly run: when it ran, how it ended and what it counted.
CREATE TABLE IF NOT EXISTS etl_run (
    run_id              BIGINT PRIMARY KEY,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    status              VARCHAR NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    raw_dir             VARCHAR,
    files_seen          INTEGER,
    files_loaded        INTEGER,
    files_unchanged     INTEGER,
    files_quarantined   INTEGER,
    records_seen        BIGINT,
    records_loaded      BIGINT,
    records_rejected    BIGINT,
    versions_added      BIGINT,
    trials_new          BIGINT,
    trials_changed      BIGINT,
    trials_unchanged    BIGINT,
    error               VARCHAR,
    software_version    VARCHAR
);
-- Added after the first release: one path for new and existing warehouses alike.
ALTER TABLE etl_run ADD COLUMN IF NOT EXISTS schema_fingerprint VARCHAR;
COMMENT ON TABLE etl_run IS 'One row per pipeline run (nightly or ad hoc): timing, outcome and counts. A failed run is recorded here after its changes were discarded.';
COMMENT ON COLUMN etl_run.run_id IS 'Run identifier, increasing with each run.';
COMMENT ON COLUMN etl_run.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN etl_run.finished_at IS 'When the run finished or failed (UTC); NULL while running.';
COMMENT ON COLUMN etl_run.status IS 'running, completed or failed.';
COMMENT ON COLUMN etl_run.raw_dir IS 'Landing folder the run read.';
COMMENT ON COLUMN etl_run.files_seen IS 'Raw files found under the landing folder (an archive counts once).';
COMMENT ON COLUMN etl_run.files_loaded IS 'Files read for the first time and loaded (possibly with some rejected records).';
COMMENT ON COLUMN etl_run.files_unchanged IS 'Files whose exact content (SHA-256) an earlier run already processed; skipped.';
COMMENT ON COLUMN etl_run.files_quarantined IS 'Files or archive members set aside in quarantine by this run.';
COMMENT ON COLUMN etl_run.records_seen IS 'Trial records read from new files.';
COMMENT ON COLUMN etl_run.records_loaded IS 'Trial records accepted (new version or new sighting of a known version).';
COMMENT ON COLUMN etl_run.records_rejected IS 'Trial records refused (see etl_quarantine).';
COMMENT ON COLUMN etl_run.versions_added IS 'New distinct content versions stored.';
COMMENT ON COLUMN etl_run.trials_new IS 'Trials seen for the first time.';
COMMENT ON COLUMN etl_run.trials_changed IS 'Known trials that received at least one new version.';
COMMENT ON COLUMN etl_run.trials_unchanged IS 'Known trials seen again with content already stored.';
COMMENT ON COLUMN etl_run.error IS 'Why the run failed; NULL for a completed run.';
COMMENT ON COLUMN etl_run.software_version IS 'trialwarehouse version that ran.';
COMMENT ON COLUMN etl_run.schema_fingerprint IS 'SHA-256 of the schema files (and software version) the run applied; a run with the same fingerprint as the last one skips re-applying the schema. NULL for failed runs.';
