-- Integrity input: (version_key, ordinal) pairs stored more than once in each version-owned
-- table (must be none): the key these tables keep without an index. Read among the rows of
-- versions keyed $first_version_key or later: the rows this run wrote (a run adds rows to these
-- tables for its new versions only, keyed after every stored one, and rewrites none), or every
-- row when the checks run over the whole warehouse (a first load, a changed check). A bound key
-- lets DuckDB skip the row groups before it: a night reads what it wrote, not the registry's
-- tens of millions of rows.
WITH counts AS (
    SELECT 'bridge_version_condition' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_condition WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_intervention' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_intervention WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_sponsor' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_sponsor WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_site' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_site WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_keyword' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_keyword WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'bridge_version_mesh_term' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM bridge_version_mesh_term WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_arm' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_arm WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_outcome' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_outcome WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_secondary_id' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_secondary_id WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_official' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_official WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'fct_version_contact' AS table_name, count(*) AS duplicate_keys FROM (SELECT version_key, ordinal FROM fct_version_contact WHERE version_key >= $first_version_key GROUP BY ALL HAVING count(*) > 1)
)
SELECT * FROM counts ORDER BY table_name;
