-- Integrity input: (version_key, ordinal) pairs stored more than once in each version-owned
-- table (must be none): the key these tables keep without an index.
WITH counts AS (
    SELECT 'bridge_version_condition' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_condition GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_intervention' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_intervention GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_sponsor' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_sponsor GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_site' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_site GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_keyword' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_keyword GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_mesh_term' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_mesh_term GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_arm' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_arm GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_outcome' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_outcome GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_secondary_id' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_secondary_id GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_official' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_official GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_contact' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_contact GROUP BY ALL HAVING count(*) > 1)
)
SELECT * FROM counts ORDER BY table_name;
