-- Reported outcome measures of the current version of each trial: one row per outcome, class, category and group.
CREATE OR REPLACE VIEW v_trial_outcome_results AS
WITH outcomes AS (
    SELECT version_key, part_index, outcome_type, title AS outcome_title, time_frame, param_type,
           dispersion_type, unit_of_measure, reporting_status
    FROM fct_version_result_measure
    WHERE result_part = 'OUTCOME'
),
outcome_groups AS (
    SELECT version_key, part_index, group_id, title AS group_title
    FROM fct_version_result_group
    WHERE result_part = 'OUTCOME'
),
analyzed AS (
    SELECT version_key, part_index, group_id, max(value) AS analyzed_count, max(units) AS analyzed_units
    FROM fct_version_result_denom
    WHERE result_part = 'OUTCOME' AND denom_level = 'MEASURE'
    GROUP BY ALL
),
final AS (
    SELECT v.nct_id, o.part_index AS outcome_index, o.outcome_type, o.outcome_title, o.time_frame,
           o.param_type, o.dispersion_type, o.unit_of_measure, x.class_title, x.category_title, x.group_id,
           g.group_title, a.analyzed_count, a.analyzed_units, x.value, x.value_number, x.spread,
           x.lower_limit, x.upper_limit, x.comment
    FROM fct_trial_version AS v
    JOIN fct_version_result_measurement AS x USING (version_key)
    JOIN outcomes AS o ON o.version_key = x.version_key AND o.part_index = x.part_index
    LEFT JOIN outcome_groups AS g
      ON g.version_key = x.version_key AND g.part_index = x.part_index AND g.group_id = x.group_id
    LEFT JOIN analyzed AS a
      ON a.version_key = x.version_key AND a.part_index = x.part_index AND a.group_id = x.group_id
    WHERE v.is_current AND x.result_part = 'OUTCOME'
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_outcome_results IS 'Reported outcome measures (results) of the current version of each trial: each value per class, category and group, with the number analysed. Analyses: fct_version_outcome_analysis (same version_key and part_index).';
COMMENT ON COLUMN v_trial_outcome_results.outcome_index IS 'Position of the reported outcome measure (0-based; fct_version_result_measure.part_index).';
COMMENT ON COLUMN v_trial_outcome_results.outcome_title IS 'Reported outcome measure title.';
COMMENT ON COLUMN v_trial_outcome_results.group_title IS 'Title of the outcome group (arm or comparison group).';
COMMENT ON COLUMN v_trial_outcome_results.analyzed_count IS 'Number analysed in the group for this outcome (overall number of participants or units analysed).';
COMMENT ON COLUMN v_trial_outcome_results.analyzed_units IS 'What analyzed_count counts: Participants, or a unit such as eyes.';
