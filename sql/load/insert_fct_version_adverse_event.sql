-- Adverse event rows of the versions stored by this run.
INSERT INTO fct_version_adverse_event (version_key, ordinal, event_kind, event_index, term, organ_system, source_vocabulary, assessment_type, notes, group_id, num_events, num_affected, num_at_risk)
SELECT n.version_key, s.ordinal, s.event_kind, s.event_index, s.term, s.organ_system, s.source_vocabulary, s.assessment_type, s.notes, s.group_id, s.num_events, s.num_affected, s.num_at_risk
FROM stg_adverse_events AS s
JOIN stg_new_version AS n USING (record_seq);
