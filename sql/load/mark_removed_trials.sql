-- Full sync: trials the registry no longer returns for the query are flagged, never deleted;
-- a trial listed again is un-flagged. Without a query the scope is every trial; with one,
-- only the trials that earlier pulls with the same query delivered.
UPDATE dim_trial AS t
SET removed_from_source_run_id = CASE WHEN v.missing THEN $run_id END
FROM (
    WITH scope AS (
        SELECT s.pull_id, d.nct_id
        FROM stg_full_sync AS s
        JOIN dim_trial AS d ON s.query IS NULL
        UNION
        SELECT s.pull_id, r.nct_id
        FROM stg_full_sync AS s
        JOIN etl_pull AS p ON p.query = s.query
        JOIN dim_source_file AS f ON f.first_path = p.data_file
        JOIN fct_record_sighting AS r USING (source_file_key)
        WHERE s.query IS NOT NULL
    ),
    verdict AS (
        SELECT sc.nct_id, bool_or(l.nct_id IS NULL) AS missing
        FROM scope AS sc
        LEFT JOIN stg_listed_ids AS l ON l.pull_id = sc.pull_id AND l.nct_id = sc.nct_id
        GROUP BY sc.nct_id
    )
    SELECT * FROM verdict
) AS v
WHERE t.nct_id = v.nct_id
  AND (t.removed_from_source_run_id IS NULL) = v.missing;
