-- A finding raised again while still open: refresh it (same row, now seen by this run).
UPDATE dq_finding AS f
SET last_raised_run_id = $run_id, message = s.message, evidence = s.evidence, severity = s.severity, version_key = s.version_key
FROM stg_dq_finding AS s
WHERE f.fingerprint = s.fingerprint AND f.resolved_run_id IS NULL;
