-- Participant flow of each trial version.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_flow_count (
    version_key   BIGINT NOT NULL,
    ordinal       INTEGER NOT NULL,
    period_index  INTEGER,
    period_title  VARCHAR,
    flow_kind     VARCHAR NOT NULL,
    item_index    INTEGER,
    item_type     VARCHAR,
    item_comment  VARCHAR,
    group_id      VARCHAR,
    num_subjects  BIGINT,
    num_units     BIGINT,
    comment       VARCHAR,
    description   VARCHAR
);
COMMENT ON TABLE fct_version_flow_count IS 'Participant flow of each trial version: one row per period, milestone or drop/withdraw reason, and group, with the count.';
COMMENT ON COLUMN fct_version_flow_count.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_flow_count.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_flow_count.period_index IS 'Period position (0-based).';
COMMENT ON COLUMN fct_version_flow_count.period_title IS 'Period title, e.g. Overall Study.';
COMMENT ON COLUMN fct_version_flow_count.flow_kind IS 'MILESTONE (STARTED, COMPLETED, NOT COMPLETED or another) or DROP_WITHDRAW (reason for not completing).';
COMMENT ON COLUMN fct_version_flow_count.item_index IS 'Position of the milestone or reason in its period (0-based).';
COMMENT ON COLUMN fct_version_flow_count.item_type IS 'Milestone title (STARTED, COMPLETED, ...) or drop/withdraw reason (Adverse Event, Withdrawal by Subject, ...).';
COMMENT ON COLUMN fct_version_flow_count.item_comment IS 'Comment on the milestone or reason as a whole.';
COMMENT ON COLUMN fct_version_flow_count.group_id IS 'Group id, API v2 form (FG000, BG000, OG000, EG000; legacy XML P1, B1, O1, E1 mapped to it).';
COMMENT ON COLUMN fct_version_flow_count.num_subjects IS 'Participants (count).';
COMMENT ON COLUMN fct_version_flow_count.num_units IS 'Units (e.g. eyes) when the flow counts units as well.';
COMMENT ON COLUMN fct_version_flow_count.comment IS 'Comment on this group''s count.';
COMMENT ON COLUMN fct_version_flow_count.description IS 'Description of this group''s count.';
