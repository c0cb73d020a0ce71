-- Adverse events of each trial version.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_adverse_event (
    version_key        BIGINT NOT NULL,
    ordinal            INTEGER NOT NULL,
    event_kind         VARCHAR NOT NULL,
    event_index        INTEGER,
    term               VARCHAR,
    organ_system       VARCHAR,
    source_vocabulary  VARCHAR,
    assessment_type    VARCHAR,
    notes              VARCHAR USING COMPRESSION zstd,
    group_id           VARCHAR,
    num_events         BIGINT,
    num_affected       BIGINT,
    num_at_risk        BIGINT
);
COMMENT ON TABLE fct_version_adverse_event IS 'Adverse events of each trial version: one row per serious or other event and group, with events, participants affected and at risk.';
COMMENT ON COLUMN fct_version_adverse_event.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_adverse_event.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_adverse_event.event_kind IS 'SERIOUS or OTHER (not serious, above the frequency threshold).';
COMMENT ON COLUMN fct_version_adverse_event.event_index IS 'Event position within its kind (0-based); legacy XML totals are not events (see fct_version_result_group).';
COMMENT ON COLUMN fct_version_adverse_event.term IS 'Adverse event term, e.g. Nausea.';
COMMENT ON COLUMN fct_version_adverse_event.organ_system IS 'Organ system class, e.g. Gastrointestinal disorders.';
COMMENT ON COLUMN fct_version_adverse_event.source_vocabulary IS 'Vocabulary of the term, e.g. MedDRA 19.0.';
COMMENT ON COLUMN fct_version_adverse_event.assessment_type IS 'SYSTEMATIC_ASSESSMENT or NON_SYSTEMATIC_ASSESSMENT.';
COMMENT ON COLUMN fct_version_adverse_event.notes IS 'Notes on the event.';
COMMENT ON COLUMN fct_version_adverse_event.group_id IS 'Group id, API v2 form (FG000, BG000, OG000, EG000; legacy XML P1, B1, O1, E1 mapped to it).';
COMMENT ON COLUMN fct_version_adverse_event.num_events IS 'Number of events.';
COMMENT ON COLUMN fct_version_adverse_event.num_affected IS 'Participants affected.';
COMMENT ON COLUMN fct_version_adverse_event.num_at_risk IS 'Participants at risk.';
