-- Conditions of the versions stored by this run.
INSERT INTO bridge_version_condition (version_key, ordinal, condition_key)
SELECT n.version_key, s.ordinal, c.condition_key
FROM stg_conditions AS s
JOIN stg_new_version AS n USING (record_seq)
JOIN dim_condition AS c ON c.condition_name = s.name;
