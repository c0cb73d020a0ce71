-- Statistical analyses of each trial version's outcome measures..
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_outcome_analysis (
    version_key                 BIGINT NOT NULL,
    ordinal                     INTEGER NOT NULL,
    part_index                  INTEGER,
    analysis_index              INTEGER,
    group_ids                   VARCHAR[],
    group_description           VARCHAR USING COMPRESSION zstd,
    tested_non_inferiority      BOOLEAN,
    non_inferiority_type        VARCHAR,
    non_inferiority_comment     VARCHAR USING COMPRESSION zstd,
    p_value                     VARCHAR,
    p_value_comment             VARCHAR USING COMPRESSION zstd,
    statistical_method          VARCHAR,
    statistical_comment         VARCHAR USING COMPRESSION zstd,
    param_type                  VARCHAR,
    param_value                 VARCHAR,
    ci_pct_value                VARCHAR,
    ci_num_sides                VARCHAR,
    ci_lower_limit              VARCHAR,
    ci_upper_limit              VARCHAR,
    ci_upper_limit_comment      VARCHAR,
    dispersion_type             VARCHAR,
    dispersion_value            VARCHAR,
    estimate_comment            VARCHAR USING COMPRESSION zstd,
    other_analysis_description  VARCHAR USING COMPRESSION zstd
);
COMMENT ON TABLE fct_version_outcome_analysis IS 'Statistical analyses of each trial version''s outcome measures.';
COMMENT ON COLUMN fct_version_outcome_analysis.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_outcome_analysis.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_outcome_analysis.part_index IS 'Outcome measure position (fct_version_result_measure.part_index).';
COMMENT ON COLUMN fct_version_outcome_analysis.analysis_index IS 'Analysis position within the outcome (0-based).';
COMMENT ON COLUMN fct_version_outcome_analysis.group_ids IS 'Groups compared, as a list of group ids (OG000, ...).';
COMMENT ON COLUMN fct_version_outcome_analysis.group_description IS 'Description of the comparison groups.';
COMMENT ON COLUMN fct_version_outcome_analysis.tested_non_inferiority IS 'A non-inferiority or equivalence test was done (legacy XML: non_inferiority Yes/No).';
COMMENT ON COLUMN fct_version_outcome_analysis.non_inferiority_type IS 'SUPERIORITY, NON_INFERIORITY, EQUIVALENCE, OTHER, ...';
COMMENT ON COLUMN fct_version_outcome_analysis.non_inferiority_comment IS 'Details of the non-inferiority or equivalence test.';
COMMENT ON COLUMN fct_version_outcome_analysis.p_value IS 'P-value as reported (text: may be <0.001).';
COMMENT ON COLUMN fct_version_outcome_analysis.p_value_comment IS 'Comment on the p-value.';
COMMENT ON COLUMN fct_version_outcome_analysis.statistical_method IS 'Statistical test, e.g. ANCOVA, Log Rank.';
COMMENT ON COLUMN fct_version_outcome_analysis.statistical_comment IS 'Comment on the method.';
COMMENT ON COLUMN fct_version_outcome_analysis.param_type IS 'Estimated parameter, e.g. Hazard Ratio (HR), Mean Difference (Final Values).';
COMMENT ON COLUMN fct_version_outcome_analysis.param_value IS 'Estimated value, as reported.';
COMMENT ON COLUMN fct_version_outcome_analysis.ci_pct_value IS 'Confidence level, percent.';
COMMENT ON COLUMN fct_version_outcome_analysis.ci_num_sides IS 'ONE_SIDED or TWO_SIDED.';
COMMENT ON COLUMN fct_version_outcome_analysis.ci_lower_limit IS 'Lower confidence limit, as reported.';
COMMENT ON COLUMN fct_version_outcome_analysis.ci_upper_limit IS 'Upper confidence limit, as reported.';
COMMENT ON COLUMN fct_version_outcome_analysis.ci_upper_limit_comment IS 'Why the upper limit is not available.';
COMMENT ON COLUMN fct_version_outcome_analysis.dispersion_type IS 'Dispersion of the estimate: STANDARD_DEVIATION or STANDARD_ERROR_OF_MEAN.';
COMMENT ON COLUMN fct_version_outcome_analysis.dispersion_value IS 'Dispersion value of the estimate.';
COMMENT ON COLUMN fct_version_outcome_analysis.estimate_comment IS 'Comment on the estimate.';
COMMENT ON COLUMN fct_version_outcome_analysis.other_analysis_description IS 'Description of an analysis of another kind.';
