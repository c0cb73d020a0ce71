-- Arms of the versions stored by this run.
INSERT INTO fct_version_arm (version_key, ordinal, arm_label, arm_type, arm_description, intervention_names, intervention_name_list)
SELECT n.version_key, s.ordinal, s.label, s.arm_type, s.description, s.intervention_names, s.intervention_name_list
FROM stg_arms AS s
JOIN stg_new_version AS n USING (record_seq);
