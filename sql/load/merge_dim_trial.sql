-- Add the trials seen for the first time in this run, keys in order of first appearance.
INSERT INTO dim_trial (nct_id, first_seen_run_id, registry_url)
SELECT s.nct_id, $run_id, $registry_study_url || s.nct_id
FROM stg_versions AS s
WHERE NOT EXISTS (SELECT 1 FROM dim_trial AS t WHERE t.nct_id = s.nct_id)
GROUP BY s.nct_id
ORDER BY min(s.record_seq), s.nct_id;
