-- Result event rows of the versions stored by this run.
INSERT INTO fct_version_result_event (version_key, ordinal, event_type, event_date, event_date_text)
SELECT n.version_key, s.ordinal, s.event_type, s.event_date, s.event_date_text
FROM stg_result_events AS s
JOIN stg_new_version AS n USING (record_seq);
