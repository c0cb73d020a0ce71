-- Keywords of the versions stored by this run.
INSERT INTO bridge_version_keyword (version_key, ordinal, keyword)
SELECT n.version_key, s.ordinal, s.keyword
FROM stg_keywords AS s
JOIN stg_new_version AS n USING (record_seq)
WHERE s.keyword IS NOT NULL;
