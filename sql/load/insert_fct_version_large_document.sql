-- Large document rows of the versions stored by this run.
INSERT INTO fct_version_large_document (version_key, ordinal, type_abbrev, label, upload_date, filename, url, has_protocol, has_sap, has_icf, document_date, size_bytes)
SELECT n.version_key, s.ordinal, s.type_abbrev, s.label, s.upload_date, s.filename, s.url, s.has_protocol, s.has_sap, s.has_icf, s.document_date, s.size_bytes
FROM stg_large_documents AS s
JOIN stg_new_version AS n USING (record_seq);
