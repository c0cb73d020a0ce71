-- Link rows of the versions stored by this run.
INSERT INTO fct_version_link (version_key, ordinal, url, label)
SELECT n.version_key, s.ordinal, s.url, s.label
FROM stg_links AS s
JOIN stg_new_version AS n USING (record_seq);
