-- Pulls from the ClinicalTrials.gov API v2: what was asked, what came back, how fresh.
CREATE TABLE IF NOT EXISTS etl_pull (
    pull_id             VARCHAR PRIMARY KEY,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    status              VARCHAR NOT NULL,
    since_date          DATE,
    query               VARCHAR,
    full_sync           BOOLEAN NOT NULL,
    pages               INTEGER NOT NULL,
    studies_received    BIGINT NOT NULL,
    total_count         BIGINT,
    count_mismatch      BOOLEAN NOT NULL,
    newest_last_update  DATE,
    api_version         VARCHAR,
    data_timestamp      VARCHAR,
    listed_ids          BIGINT,
    data_file           VARCHAR,
    loaded_in_run_id    BIGINT NOT NULL
);
COMMENT ON TABLE etl_pull IS 'One row per completed API pull: the incremental window, the counts the API reported and received, and the API data timestamp (how fresh the registry copy is).';
COMMENT ON COLUMN etl_pull.pull_id IS 'Pull identifier (UTC start time, YYYYMMDDTHHMMSSffffffZ).';
COMMENT ON COLUMN etl_pull.started_at IS 'When the pull started (UTC).';
COMMENT ON COLUMN etl_pull.finished_at IS 'When the last page was saved (UTC).';
COMMENT ON COLUMN etl_pull.status IS 'completed, or short: fewer studies arrived than the API counted (loaded, but the next pull''s default since stays where it was). Unfinished pulls are not recorded: they resume, unless stopped for a loop (abandoned, in .pulls/).';
COMMENT ON COLUMN etl_pull.since_date IS 'Lower bound of AREA[LastUpdatePostDate]RANGE[since,MAX].';
COMMENT ON COLUMN etl_pull.query IS 'Extra query.term the user added; NULL for the whole registry.';
COMMENT ON COLUMN etl_pull.full_sync IS 'True when every NCT id of the query was listed to detect removed trials.';
COMMENT ON COLUMN etl_pull.pages IS 'API pages fetched.';
COMMENT ON COLUMN etl_pull.studies_received IS 'Studies saved from all pages.';
COMMENT ON COLUMN etl_pull.total_count IS 'totalCount the API announced on the first page.';
COMMENT ON COLUMN etl_pull.count_mismatch IS 'True when studies_received differs from total_count (reported to curators).';
COMMENT ON COLUMN etl_pull.newest_last_update IS 'Newest last-update-posted date among the studies received; the next pull starts the day before.';
COMMENT ON COLUMN etl_pull.api_version IS 'API version reported by /version.';
COMMENT ON COLUMN etl_pull.data_timestamp IS 'dataTimestamp reported by /version: when the registry data was last refreshed.';
COMMENT ON COLUMN etl_pull.listed_ids IS 'Full sync only: NCT ids the query covers.';
COMMENT ON COLUMN etl_pull.data_file IS 'NDJSON file written to the landing folder, relative to it.';
COMMENT ON COLUMN etl_pull.loaded_in_run_id IS 'Run that loaded the pull (etl_run.run_id).';
