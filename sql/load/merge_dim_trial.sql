-- Add the trials seen for the first time in this run.
INSERT INTO dim_trial (nct_id, first_seen_run_id, registry_url)
SELECT DISTINCT s.nct_id, $run_id, 'https://clinicaltrials.gov/study/' || s.nct_id
FROM stg_versions AS s
WHERE NOT EXISTS (SELECT 1 FROM dim_trial AS t WHERE t.nct_id = s.nct_id);
