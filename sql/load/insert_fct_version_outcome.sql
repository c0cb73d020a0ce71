-- Registered outcomes of the versions stored by this run.
INSERT INTO fct_version_outcome (version_key, ordinal, outcome_kind, measure, time_frame, outcome_description, safety_issue)
SELECT n.version_key, s.ordinal, s.outcome_kind, s.measure, s.time_frame, s.description, s.safety_issue
FROM stg_outcomes AS s
JOIN stg_new_version AS n USING (record_seq);
