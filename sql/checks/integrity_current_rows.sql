-- Integrity input: how many current versions each trial has (must be exactly one).
SELECT t.nct_id, count(v.version_key) FILTER (WHERE v.is_current) AS current_versions
FROM dim_trial AS t
LEFT JOIN fct_trial_version AS v USING (trial_key)
GROUP BY t.nct_id
ORDER BY t.nct_id;
