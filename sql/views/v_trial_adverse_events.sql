-- Adverse events of the current version of each trial: one row per serious or other event and group.
CREATE OR REPLACE VIEW v_trial_adverse_events AS
WITH event_groups AS (
    SELECT version_key, group_id, title AS group_title
    FROM fct_version_result_group
    WHERE result_part = 'ADVERSE_EVENTS'
),
final AS (
    SELECT v.nct_id, e.event_kind, e.event_index, e.term, e.organ_system, e.source_vocabulary,
           e.assessment_type, e.group_id, g.group_title, e.num_events, e.num_affected, e.num_at_risk,
           round(100.0 * e.num_affected / nullif(e.num_at_risk, 0), 2) AS pct_affected
    FROM fct_trial_version AS v
    JOIN fct_version_adverse_event AS e USING (version_key)
    LEFT JOIN event_groups AS g USING (version_key, group_id)
    WHERE v.is_current
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_adverse_events IS 'Adverse events (results) of the current version of each trial: each serious and other event with events, participants affected and at risk per group. Group totals and all-cause mortality: fct_version_result_group.';
COMMENT ON COLUMN v_trial_adverse_events.group_title IS 'Title of the adverse-event group (arm).';
COMMENT ON COLUMN v_trial_adverse_events.pct_affected IS 'Participants affected as a percentage of those at risk (NULL when none at risk).';
