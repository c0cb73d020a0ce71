-- Baseline characteristics of the current version of each trial: one row per measure, class, category and group.
CREATE OR REPLACE VIEW v_trial_baseline AS
WITH measures AS (
    SELECT version_key, part_index, title AS measure_title, param_type, dispersion_type, unit_of_measure
    FROM fct_version_result_measure
    WHERE result_part = 'BASELINE'
),
baseline_groups AS (
    SELECT version_key, group_id, title AS group_title
    FROM fct_version_result_group
    WHERE result_part = 'BASELINE'
),
analyzed AS (
    -- The participants behind each group's values: the whole baseline's count per group.
    SELECT version_key, group_id, max(value) AS participants_analyzed
    FROM fct_version_result_denom
    WHERE result_part = 'BASELINE' AND denom_level = 'PART' AND lower(units) = 'participants'
    GROUP BY ALL
),
final AS (
    SELECT v.nct_id, m.part_index AS measure_index, m.measure_title, m.param_type, m.dispersion_type,
           m.unit_of_measure, x.class_title, x.category_title, x.group_id, g.group_title,
           a.participants_analyzed, x.value, x.value_number, x.spread, x.lower_limit, x.upper_limit, x.comment
    FROM fct_trial_version AS v
    JOIN fct_version_result_measurement AS x USING (version_key)
    JOIN measures AS m ON m.version_key = x.version_key AND m.part_index = x.part_index
    LEFT JOIN baseline_groups AS g ON g.version_key = x.version_key AND g.group_id = x.group_id
    LEFT JOIN analyzed AS a ON a.version_key = x.version_key AND a.group_id = x.group_id
    WHERE v.is_current AND x.result_part = 'BASELINE'
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_baseline IS 'Baseline characteristics (results) of the current version of each trial: each measure''s value per class, category and group, with the group''s participants analysed.';
COMMENT ON COLUMN v_trial_baseline.measure_index IS 'Position of the baseline measure (0-based).';
COMMENT ON COLUMN v_trial_baseline.measure_title IS 'Baseline measure title, e.g. Age, Sex: Female, Male.';
COMMENT ON COLUMN v_trial_baseline.group_title IS 'Title of the baseline group (an arm, or Total).';
COMMENT ON COLUMN v_trial_baseline.participants_analyzed IS 'Participants in the group''s baseline analysis (the baseline''s overall denominator).';
