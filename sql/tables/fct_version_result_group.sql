-- Groups.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_result_group (
    version_key       BIGINT NOT NULL,
    ordinal           INTEGER NOT NULL,
    result_part       VARCHAR NOT NULL,
    part_index        INTEGER,
    group_id          VARCHAR,
    title             VARCHAR,
    description       VARCHAR USING COMPRESSION zstd,
    deaths_affected   BIGINT,
    deaths_at_risk    BIGINT,
    serious_affected  BIGINT,
    serious_at_risk   BIGINT,
    other_affected    BIGINT,
    other_at_risk     BIGINT
);
COMMENT ON TABLE fct_version_result_group IS 'Groups (arms or comparison groups) of each result part of a trial version, with the adverse-event totals per group.';
COMMENT ON COLUMN fct_version_result_group.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_result_group.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_result_group.result_part IS 'Result part: FLOW (participant flow), BASELINE, OUTCOME or ADVERSE_EVENTS.';
COMMENT ON COLUMN fct_version_result_group.part_index IS 'For OUTCOME groups, the outcome measure they belong to (fct_version_result_measure.part_index); NULL for other parts.';
COMMENT ON COLUMN fct_version_result_group.group_id IS 'Group id, API v2 form (FG000, BG000, OG000, EG000; legacy XML P1, B1, O1, E1 mapped to it).';
COMMENT ON COLUMN fct_version_result_group.title IS 'Group title.';
COMMENT ON COLUMN fct_version_result_group.description IS 'Group description.';
COMMENT ON COLUMN fct_version_result_group.deaths_affected IS 'ADVERSE_EVENTS groups: participants who died of any cause (all-cause mortality).';
COMMENT ON COLUMN fct_version_result_group.deaths_at_risk IS 'ADVERSE_EVENTS groups: participants at risk of death.';
COMMENT ON COLUMN fct_version_result_group.serious_affected IS 'ADVERSE_EVENTS groups: participants with any serious adverse event.';
COMMENT ON COLUMN fct_version_result_group.serious_at_risk IS 'ADVERSE_EVENTS groups: participants at risk of serious adverse events.';
COMMENT ON COLUMN fct_version_result_group.other_affected IS 'ADVERSE_EVENTS groups: participants with any other (not serious) adverse event above the threshold.';
COMMENT ON COLUMN fct_version_result_group.other_at_risk IS 'ADVERSE_EVENTS groups: participants at risk of other adverse events.';
