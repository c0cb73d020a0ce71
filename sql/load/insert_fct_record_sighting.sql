-- Every staged record, linked to the version whose content it carries.
INSERT INTO fct_record_sighting (source_file_key, member, record_index, version_key, nct_id, capture_date, run_id)
SELECT f.source_file_key, coalesce(s.source_member, ''), s.record_index, v.version_key, s.nct_id, s.capture_date, $run_id
FROM stg_versions AS s
JOIN dim_source_file AS f ON f.sha256 = s.source_sha256
JOIN fct_trial_version AS v USING (nct_id, content_hash)
ON CONFLICT DO NOTHING;
