-- Store each (trial, content) not stored yet: one representative record per new content.
INSERT INTO fct_trial_version BY NAME
WITH sightings AS (
    SELECT
        s.*,
        row_number() OVER (PARTITION BY nct_id, content_hash ORDER BY capture_date NULLS LAST, record_seq) AS pick,
        min(capture_date) OVER (PARTITION BY nct_id, content_hash) AS min_capture,
        max(capture_date) OVER (PARTITION BY nct_id, content_hash) AS max_capture
    FROM stg_versions AS s
),
new_versions AS (
    SELECT * FROM sightings AS n
    WHERE pick = 1
      AND NOT EXISTS (
          SELECT 1 FROM fct_trial_version AS v WHERE v.nct_id = n.nct_id AND v.content_hash = n.content_hash
      )
),
final AS (
    SELECT
        n.* EXCLUDE (record_seq, source_path, source_member, record_index, source_sha256, capture_date,
                     pick, min_capture, max_capture),
        t.trial_key,
        f.source_file_key AS first_source_file_key,
        n.min_capture AS first_capture_date,
        n.max_capture AS last_capture_date,
        $run_id AS first_seen_run_id
    FROM new_versions AS n
    JOIN dim_trial AS t USING (nct_id)
    JOIN dim_source_file AS f ON f.sha256 = n.source_sha256
)
SELECT * FROM final ORDER BY nct_id, last_update_posted_date, first_capture_date;
