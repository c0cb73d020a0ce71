-- Store each (trial, content) not stored yet: one representative record per new content.
-- The window, the key numbering and the dimension lookups run over a few key columns; the
-- wide rows (long texts) are read once, for the records picked, and joined once.
INSERT INTO fct_trial_version BY NAME
WITH sightings AS (
    SELECT
        record_seq, nct_id, content_hash, last_update_posted_date, source_sha256,
        row_number() OVER (PARTITION BY nct_id, content_hash ORDER BY capture_date NULLS LAST, record_seq) AS pick,
        min(capture_date) OVER (PARTITION BY nct_id, content_hash) AS min_capture,
        max(capture_date) OVER (PARTITION BY nct_id, content_hash) AS max_capture
    FROM stg_versions
),
new_versions AS (
    SELECT * FROM sightings AS n
    WHERE pick = 1
      AND NOT EXISTS (
          SELECT 1 FROM fct_trial_version AS v WHERE v.nct_id = n.nct_id AND v.content_hash = n.content_hash
      )
),
numbered AS (
    -- Keys in (trial, timeline) order, whatever order the staged files are read in.
    SELECT n.record_seq, n.min_capture, n.max_capture, t.trial_key, f.source_file_key,
           (SELECT coalesce(max(version_key), 0) FROM fct_trial_version)
           + row_number() OVER (ORDER BY n.nct_id, n.last_update_posted_date NULLS FIRST, n.min_capture NULLS FIRST, n.content_hash)
             AS version_key
    FROM new_versions AS n
    JOIN dim_trial AS t USING (nct_id)
    JOIN dim_source_file AS f ON f.sha256 = n.source_sha256
),
final AS (
    SELECT
        s.* EXCLUDE (record_seq, source_path, source_member, record_index, source_sha256, capture_date),
        n.version_key, n.trial_key,
        n.source_file_key AS first_source_file_key,
        n.min_capture AS first_capture_date,
        n.max_capture AS last_capture_date,
        $run_id AS first_seen_run_id
    FROM stg_versions AS s
    JOIN numbered AS n USING (record_seq)
)
SELECT * FROM final;
