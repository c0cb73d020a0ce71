-- Arms of the versions stored by this run.
INSERT INTO fct_version_arm (version_key, ordinal, arm_label, arm_type, arm_description, intervention_names)
SELECT n.version_key, s.ordinal, s.label, s.arm_type, s.description, s.intervention_names
FROM stg_arms AS s
JOIN stg_new_version AS n USING (record_seq);
