-- Integrity input: every trial identifier (must be NCT followed by 8 digits).
SELECT nct_id FROM dim_trial ORDER BY nct_id;
