-- Open findings of re-checked trials that the checks no longer raise are resolved.
UPDATE dq_finding AS f
SET resolved_run_id = $run_id
WHERE f.resolved_run_id IS NULL
  AND f.nct_id IN (SELECT nct_id FROM dq_scope)
  AND f.check_name IN (SELECT check_name FROM dq_check WHERE NOT blocks_publication)
  AND f.fingerprint NOT IN (SELECT fingerprint FROM stg_dq_finding);
