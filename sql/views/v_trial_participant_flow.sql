-- Participant flow of the current version of each trial: one row per period, milestone or reason, and group.
CREATE OR REPLACE VIEW v_trial_participant_flow AS
WITH flow_groups AS (
    SELECT version_key, group_id, title AS group_title
    FROM fct_version_result_group
    WHERE result_part = 'FLOW'
),
final AS (
    SELECT v.nct_id, f.period_index, f.period_title, f.flow_kind, f.item_index, f.item_type, f.item_comment,
           f.group_id, g.group_title, f.num_subjects, f.num_units, f.comment
    FROM fct_trial_version AS v
    JOIN fct_version_flow_count AS f USING (version_key)
    LEFT JOIN flow_groups AS g USING (version_key, group_id)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_participant_flow IS 'Participant flow (results) of the current version of each trial: per period, each milestone (STARTED, COMPLETED, ...) and drop/withdraw reason with its count per group.';
COMMENT ON COLUMN v_trial_participant_flow.group_title IS 'Title of the participant-flow group (arm).';
