-- Flow count rows of the versions stored by this run.
INSERT INTO fct_version_flow_count (version_key, ordinal, period_index, period_title, flow_kind, item_index, item_type, item_comment, group_id, num_subjects, num_units, comment, description)
SELECT n.version_key, s.ordinal, s.period_index, s.period_title, s.flow_kind, s.item_index, s.item_type, s.item_comment, s.group_id, s.num_subjects, s.num_units, s.comment, s.description
FROM stg_flow_counts AS s
JOIN stg_new_version AS n USING (record_seq);
