-- Store each (trial, content) not stored yet: one representative record per new content.
-- The window and the key numbering run over a few key columns; the long texts are only
-- read for the records picked, so memory does not grow with the size of the records.
INSERT INTO fct_trial_version BY NAME
WITH sightings AS (
    SELECT
        record_seq, nct_id, content_hash, last_update_posted_date,
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
    SELECT record_seq, min_capture, max_capture,
           (SELECT coalesce(max(version_key), 0) FROM fct_trial_version)
           + row_number() OVER (ORDER BY nct_id, last_update_posted_date NULLS FIRST, min_capture NULLS FIRST, content_hash)
             AS version_key
    FROM new_versions
),
final AS (
    SELECT
        s.* EXCLUDE (record_seq, source_path, source_member, record_index, source_sha256, capture_date),
        n.version_key,
        t.trial_key,
        f.source_file_key AS first_source_file_key,
        n.min_capture AS first_capture_date,
        n.max_capture AS last_capture_date,
        $run_id AS first_seen_run_id
    FROM stg_versions AS s
    JOIN numbered AS n USING (record_seq)
    JOIN dim_trial AS t USING (nct_id)
    JOIN dim_source_file AS f ON f.sha256 = s.source_sha256
)
SELECT * FROM final;
