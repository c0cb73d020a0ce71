-- Available ipd rows of the versions stored by this run.
INSERT INTO fct_version_available_ipd (version_key, ordinal, document_id, document_type, url, comment)
SELECT n.version_key, s.ordinal, s.document_id, s.document_type, s.url, s.comment
FROM stg_available_ipds AS s
JOIN stg_new_version AS n USING (record_seq);
