-- Mesh browse rows of the versions stored by this run.
INSERT INTO fct_version_mesh_browse (version_key, ordinal, mesh_kind, entry_kind, entry_id, term, as_found, relevance, abbrev)
SELECT n.version_key, s.ordinal, s.mesh_kind, s.entry_kind, s.entry_id, s.term, s.as_found, s.relevance, s.abbrev
FROM stg_mesh_browse AS s
JOIN stg_new_version AS n USING (record_seq);
