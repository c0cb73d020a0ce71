-- Interventions of the versions stored by this run.
INSERT INTO bridge_version_intervention (version_key, ordinal, intervention_key, description, other_names, other_name_list)
SELECT n.version_key, s.ordinal, i.intervention_key, s.description, s.other_names, s.other_name_list
FROM stg_interventions AS s
JOIN stg_new_version AS n USING (record_seq)
JOIN dim_intervention AS i
  ON i.natural_key = md5(concat_ws(chr(31), coalesce(s.intervention_type, ''), coalesce(s.name, '')));
