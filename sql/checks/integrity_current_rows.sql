-- Integrity input: how many current versions each trial in dq_scope has (must be exactly one).
-- A run changes the versions of the trials it loads only; the others were checked by the run
-- that loaded them (dq_scope holds every trial when the checks run over the whole warehouse).
SELECT t.nct_id, count(v.version_key) FILTER (WHERE v.is_current) AS current_versions
FROM dim_trial AS t
LEFT JOIN fct_trial_version AS v USING (trial_key)
WHERE t.nct_id IN (SELECT nct_id FROM dq_scope)
GROUP BY t.nct_id
ORDER BY t.nct_id;
