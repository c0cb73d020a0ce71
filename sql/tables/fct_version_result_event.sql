-- Results submitted but not posted yet.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_result_event (
    version_key      BIGINT NOT NULL,
    ordinal          INTEGER NOT NULL,
    event_type       VARCHAR,
    event_date       DATE,
    event_date_text  VARCHAR
);
COMMENT ON TABLE fct_version_result_event IS 'Results submitted but not posted yet (under QC review): each submission, return and cancellation (API v2 annotationSection unposted events, legacy XML pending_results).';
COMMENT ON COLUMN fct_version_result_event.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_result_event.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_result_event.event_type IS 'RELEASE (submitted), RESET (returned after QC review) or UNRELEASE (submission cancelled).';
COMMENT ON COLUMN fct_version_result_event.event_date IS 'Date of the event; a month date is stored as its first day.';
COMMENT ON COLUMN fct_version_result_event.event_date_text IS 'Date as given (legacy XML may say Unknown).';
