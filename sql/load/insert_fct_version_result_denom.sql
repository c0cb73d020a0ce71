-- Result denom rows of the versions stored by this run.
INSERT INTO fct_version_result_denom (version_key, ordinal, result_part, part_index, denom_level, class_index, units, group_id, value)
SELECT n.version_key, s.ordinal, s.result_part, s.part_index, s.denom_level, s.class_index, s.units, s.group_id, s.value
FROM stg_result_denoms AS s
JOIN stg_new_version AS n USING (record_seq);
