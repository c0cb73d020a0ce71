-- Measurements of each trial version's baseline and outcome measures.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_result_measurement (
    version_key     BIGINT NOT NULL,
    ordinal         INTEGER NOT NULL,
    result_part     VARCHAR NOT NULL,
    part_index      INTEGER,
    class_index     INTEGER,
    class_title     VARCHAR,
    category_index  INTEGER,
    category_title  VARCHAR,
    group_id        VARCHAR,
    value           VARCHAR,
    spread          VARCHAR,
    lower_limit     VARCHAR,
    upper_limit     VARCHAR,
    comment         VARCHAR USING COMPRESSION zstd,
    value_number    DOUBLE
);
COMMENT ON TABLE fct_version_result_measurement IS 'Measurements of each trial version''s baseline and outcome measures: one row per measure, class, category and group.';
COMMENT ON COLUMN fct_version_result_measurement.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_result_measurement.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_result_measurement.result_part IS 'BASELINE or OUTCOME.';
COMMENT ON COLUMN fct_version_result_measurement.part_index IS 'Measure position (fct_version_result_measure.part_index).';
COMMENT ON COLUMN fct_version_result_measurement.class_index IS 'Class position within the measure (0-based).';
COMMENT ON COLUMN fct_version_result_measurement.class_title IS 'Class title (e.g. a subgroup or time point); NULL for a measure''s only, untitled class.';
COMMENT ON COLUMN fct_version_result_measurement.category_index IS 'Category position within the class (0-based).';
COMMENT ON COLUMN fct_version_result_measurement.category_title IS 'Category title (e.g. Female, Male); NULL when the class has one untitled category.';
COMMENT ON COLUMN fct_version_result_measurement.group_id IS 'Group id, API v2 form (FG000, BG000, OG000, EG000; legacy XML P1, B1, O1, E1 mapped to it).';
COMMENT ON COLUMN fct_version_result_measurement.value IS 'Value as reported (text: may be NA with a comment).';
COMMENT ON COLUMN fct_version_result_measurement.spread IS 'Dispersion value (standard deviation, error, ...), as reported.';
COMMENT ON COLUMN fct_version_result_measurement.lower_limit IS 'Lower limit of the range or interval, as reported.';
COMMENT ON COLUMN fct_version_result_measurement.upper_limit IS 'Upper limit of the range or interval, as reported.';
COMMENT ON COLUMN fct_version_result_measurement.comment IS 'Comment on the value (e.g. why it is NA).';
COMMENT ON COLUMN fct_version_result_measurement.value_number IS 'value as a number; NULL when it is not one (NA).';
