-- Result group rows of the versions stored by this run.
INSERT INTO fct_version_result_group (version_key, ordinal, result_part, part_index, group_id, title, description, deaths_affected, deaths_at_risk, serious_affected, serious_at_risk, other_affected, other_at_risk)
SELECT n.version_key, s.ordinal, s.result_part, s.part_index, s.group_id, s.title, s.description, s.deaths_affected, s.deaths_at_risk, s.serious_affected, s.serious_at_risk, s.other_affected, s.other_at_risk
FROM stg_result_groups AS s
JOIN stg_new_version AS n USING (record_seq);
