-- Integrity input: records each file of this run yielded against the sightings stored for it.
SELECT f.first_path AS nct_id, f.records AS records_accepted, count(s.record_index) AS records_stored
FROM dim_source_file AS f
LEFT JOIN fct_record_sighting AS s USING (source_file_key)
WHERE f.first_seen_run_id = $run_id
GROUP BY f.first_path, f.records
ORDER BY f.first_path;
