-- The staged record that carries each version stored by this run, for its child rows.
CREATE OR REPLACE TEMP TABLE stg_new_version AS
WITH picked AS (
    SELECT record_seq, nct_id, content_hash,
           row_number() OVER (PARTITION BY nct_id, content_hash ORDER BY capture_date NULLS LAST, record_seq) AS pick
    FROM stg_versions
),
final AS (
    SELECT p.record_seq, v.version_key
    FROM picked AS p
    JOIN fct_trial_version AS v USING (nct_id, content_hash)
    WHERE p.pick = 1 AND v.first_seen_run_id = $run_id
)
SELECT * FROM final;
