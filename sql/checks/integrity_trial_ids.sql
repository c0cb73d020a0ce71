-- Integrity input: the identifier of every trial in dq_scope (must be NCT followed by 8
-- digits): a run adds or renames no trial it does not load.
SELECT nct_id FROM dim_trial WHERE nct_id IN (SELECT nct_id FROM dq_scope) ORDER BY nct_id;
