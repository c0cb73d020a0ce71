-- Trials the run did not touch keep their open findings: their data did not change.
UPDATE dq_finding
SET last_seen_run_id = $run_id
WHERE resolved_run_id IS NULL AND last_seen_run_id < $run_id;
