-- A known version seen again in another capture: widen its first/last capture dates.
UPDATE fct_trial_version AS v
SET first_capture_date = least(v.first_capture_date, s.min_capture),
    last_capture_date = greatest(v.last_capture_date, s.max_capture)
FROM (
    SELECT nct_id, content_hash, min(capture_date) AS min_capture, max(capture_date) AS max_capture
    FROM stg_versions GROUP BY nct_id, content_hash
) AS s
WHERE v.nct_id = s.nct_id AND v.content_hash = s.content_hash
  AND (s.min_capture < v.first_capture_date OR s.max_capture > v.last_capture_date
       OR (v.first_capture_date IS NULL AND s.min_capture IS NOT NULL));
