-- Findings with no open row yet (first time, or back after being resolved) start NEW.
INSERT INTO dq_finding (fingerprint, nct_id, check_name, rule, severity, message, evidence, version_key,
                        first_seen_run_id, last_raised_run_id)
SELECT s.fingerprint, s.nct_id, s.check_name, s.rule, s.severity, s.message, s.evidence, s.version_key, $run_id, $run_id
FROM stg_dq_finding AS s
WHERE NOT EXISTS (SELECT 1 FROM dq_finding AS f WHERE f.fingerprint = s.fingerprint AND f.resolved_run_id IS NULL)
ORDER BY s.position;  -- finding keys in report order of the checks, whatever the run's parallelism
