-- Baseline measures and outcome measures.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_result_measure (
    version_key               BIGINT NOT NULL,
    ordinal                   INTEGER NOT NULL,
    result_part               VARCHAR NOT NULL,
    part_index                INTEGER,
    outcome_type              VARCHAR,
    title                     VARCHAR USING COMPRESSION zstd,
    description               VARCHAR USING COMPRESSION zstd,
    population_description    VARCHAR USING COMPRESSION zstd,
    reporting_status          VARCHAR,
    anticipated_posting_date  VARCHAR,
    param_type                VARCHAR,
    dispersion_type           VARCHAR,
    unit_of_measure           VARCHAR,
    time_frame                VARCHAR USING COMPRESSION zstd,
    calculate_pct             BOOLEAN,
    denom_units_selected      VARCHAR,
    units_analyzed            VARCHAR
);
COMMENT ON TABLE fct_version_result_measure IS 'Baseline measures and outcome measures (results) of each trial version: one row per measure.';
COMMENT ON COLUMN fct_version_result_measure.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_result_measure.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_result_measure.result_part IS 'BASELINE or OUTCOME.';
COMMENT ON COLUMN fct_version_result_measure.part_index IS 'Position of the measure (0-based) among the version''s baseline measures or outcome measures.';
COMMENT ON COLUMN fct_version_result_measure.outcome_type IS 'OUTCOME: PRIMARY, SECONDARY, OTHER_PRE_SPECIFIED or POST_HOC.';
COMMENT ON COLUMN fct_version_result_measure.title IS 'Measure title.';
COMMENT ON COLUMN fct_version_result_measure.description IS 'Measure description.';
COMMENT ON COLUMN fct_version_result_measure.population_description IS 'Analysis population description.';
COMMENT ON COLUMN fct_version_result_measure.reporting_status IS 'OUTCOME: POSTED or NOT_POSTED (legacy XML: POSTED when the outcome has a measure).';
COMMENT ON COLUMN fct_version_result_measure.anticipated_posting_date IS 'OUTCOME not posted yet: anticipated posting date as given (YYYY-MM or a legacy date text).';
COMMENT ON COLUMN fct_version_result_measure.param_type IS 'Measure type: MEAN, MEDIAN, COUNT_OF_PARTICIPANTS, NUMBER, LEAST_SQUARES_MEAN, ...';
COMMENT ON COLUMN fct_version_result_measure.dispersion_type IS 'Measure of dispersion: STANDARD_DEVIATION, INTER_QUARTILE_RANGE, CONFIDENCE_95, FULL_RANGE, NA, ...';
COMMENT ON COLUMN fct_version_result_measure.unit_of_measure IS 'Unit of measure, e.g. participants, years, mg/dL.';
COMMENT ON COLUMN fct_version_result_measure.time_frame IS 'OUTCOME: time frame of the measurement.';
COMMENT ON COLUMN fct_version_result_measure.calculate_pct IS 'BASELINE: percentages are calculated from the counts.';
COMMENT ON COLUMN fct_version_result_measure.denom_units_selected IS 'Unit of the denominator used for the measure.';
COMMENT ON COLUMN fct_version_result_measure.units_analyzed IS 'OUTCOME: unit analysed when not participants.';
