-- MeSH terms of the versions stored by this run.
INSERT INTO bridge_version_mesh_term (version_key, ordinal, mesh_kind, mesh_id, mesh_term)
SELECT n.version_key, s.ordinal, s.mesh_kind, s.mesh_id, s.term
FROM stg_mesh_terms AS s
JOIN stg_new_version AS n USING (record_seq)
WHERE s.term IS NOT NULL;
