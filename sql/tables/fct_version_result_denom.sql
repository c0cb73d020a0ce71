-- Denominators of each trial version's results: participants.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_result_denom (
    version_key  BIGINT NOT NULL,
    ordinal      INTEGER NOT NULL,
    result_part  VARCHAR NOT NULL,
    part_index   INTEGER,
    denom_level  VARCHAR NOT NULL,
    class_index  INTEGER,
    units        VARCHAR,
    group_id     VARCHAR,
    value        BIGINT
);
COMMENT ON TABLE fct_version_result_denom IS 'Denominators of each trial version''s results: participants (or units) analysed, per group, for the baseline as a whole, a measure or a class.';
COMMENT ON COLUMN fct_version_result_denom.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_result_denom.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_result_denom.result_part IS 'BASELINE or OUTCOME.';
COMMENT ON COLUMN fct_version_result_denom.part_index IS 'Measure position (fct_version_result_measure.part_index); NULL for the baseline as a whole.';
COMMENT ON COLUMN fct_version_result_denom.denom_level IS 'PART (whole baseline), MEASURE or CLASS.';
COMMENT ON COLUMN fct_version_result_denom.class_index IS 'CLASS level: class position within the measure (0-based).';
COMMENT ON COLUMN fct_version_result_denom.units IS 'What is counted: Participants, or a unit such as eyes.';
COMMENT ON COLUMN fct_version_result_denom.group_id IS 'Group id, API v2 form (FG000, BG000, OG000, EG000; legacy XML P1, B1, O1, E1 mapped to it).';
COMMENT ON COLUMN fct_version_result_denom.value IS 'Number analysed.';
