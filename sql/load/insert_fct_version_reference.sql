-- Reference rows of the versions stored by this run.
INSERT INTO fct_version_reference (version_key, ordinal, reference_type, pmid, citation)
SELECT n.version_key, s.ordinal, s.reference_type, s.pmid, s.citation
FROM stg_references AS s
JOIN stg_new_version AS n USING (record_seq);
