-- Secondary identifiers of the versions stored by this run.
INSERT INTO fct_version_secondary_id (version_key, ordinal, secondary_id, id_type, id_domain, id_link)
SELECT n.version_key, s.ordinal, s.secondary_id, s.id_type, s.domain, s.link
FROM stg_secondary_ids AS s
JOIN stg_new_version AS n USING (record_seq)
WHERE s.secondary_id IS NOT NULL;
