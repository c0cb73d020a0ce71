-- Result measurement rows of the versions stored by this run.
INSERT INTO fct_version_result_measurement (version_key, ordinal, result_part, part_index, class_index, class_title, category_index, category_title, group_id, value, spread, lower_limit, upper_limit, comment, value_number)
SELECT n.version_key, s.ordinal, s.result_part, s.part_index, s.class_index, s.class_title, s.category_index, s.category_title, s.group_id, s.value, s.spread, s.lower_limit, s.upper_limit, s.comment, s.value_number
FROM stg_result_measurements AS s
JOIN stg_new_version AS n USING (record_seq);
