-- A finding raised again while still open keeps its row: this run saw it. Its text, severity
-- and version are rewritten only where they changed. A re-check of every trial (after a check's
-- definition changes) raises nearly every open finding again, and rewriting all their texts
-- took DuckDB 150 s at 570k trials (480,000 rows; 980 had changed): the text columns' updates
-- grow faster than the rows they touch.
UPDATE dq_finding AS f
SET last_raised_run_id = $run_id
FROM stg_dq_finding AS s
WHERE f.fingerprint = s.fingerprint AND f.resolved_run_id IS NULL;

UPDATE dq_finding AS f
SET message = s.message, evidence = s.evidence, severity = s.severity, version_key = s.version_key
FROM stg_dq_finding AS s
WHERE f.fingerprint = s.fingerprint AND f.resolved_run_id IS NULL
  AND (f.message IS DISTINCT FROM s.message OR f.evidence IS DISTINCT FROM CAST(s.evidence AS JSON)
       OR f.severity IS DISTINCT FROM s.severity OR f.version_key IS DISTINCT FROM s.version_key);
