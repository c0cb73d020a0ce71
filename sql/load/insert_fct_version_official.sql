-- Overall officials of the versions stored by this run.
INSERT INTO fct_version_official (version_key, ordinal, official_name, official_role, affiliation)
SELECT n.version_key, s.ordinal, s.name, s.role, s.affiliation
FROM stg_officials AS s
JOIN stg_new_version AS n USING (record_seq);
