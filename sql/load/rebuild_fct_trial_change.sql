-- Re-derive the change events of the trials touched by this run from their timeline,
-- keeping the original detected_in_run_id of events that were already known.
CREATE OR REPLACE TEMP TABLE stg_trial_change AS
WITH touched AS (
    SELECT v.*
    FROM fct_trial_version AS v
    WHERE v.nct_id IN (SELECT DISTINCT nct_id FROM stg_versions)
),
consecutive AS (
    SELECT
        trial_key, nct_id,
        lag(version_key) OVER timeline AS from_version_key,
        version_key AS to_version_key,
        lag(valid_from) OVER timeline AS old_valid_from,
        valid_from AS new_valid_from,
        lag(overall_status) OVER timeline AS old_overall_status, overall_status AS new_overall_status,
        lag(enrollment_count) OVER timeline AS old_enrollment_count, enrollment_count AS new_enrollment_count,
        lag(enrollment_type) OVER timeline AS old_enrollment_type, enrollment_type AS new_enrollment_type,
        lag(phases) OVER timeline AS old_phases, phases AS new_phases,
        lag(primary_completion_date) OVER timeline AS old_primary_completion_date, primary_completion_date AS new_primary_completion_date,
        lag(completion_date) OVER timeline AS old_completion_date, completion_date AS new_completion_date,
        lag(why_stopped) OVER timeline AS old_why_stopped, why_stopped AS new_why_stopped
    FROM touched
    WINDOW timeline AS (PARTITION BY trial_key ORDER BY version_number)
),
events AS (
    SELECT trial_key, nct_id, from_version_key, to_version_key, old_valid_from, new_valid_from, field, old_value, new_value
    FROM consecutive,
    LATERAL (VALUES
        ('overall_status', old_overall_status, new_overall_status),
        ('enrollment_count', CAST(old_enrollment_count AS VARCHAR), CAST(new_enrollment_count AS VARCHAR)),
        ('enrollment_type', old_enrollment_type, new_enrollment_type),
        ('phases', old_phases, new_phases),
        ('primary_completion_date', CAST(old_primary_completion_date AS VARCHAR), CAST(new_primary_completion_date AS VARCHAR)),
        ('completion_date', CAST(old_completion_date AS VARCHAR), CAST(new_completion_date AS VARCHAR)),
        ('why_stopped', old_why_stopped, new_why_stopped)
    ) AS changed(field, old_value, new_value)
    WHERE from_version_key IS NOT NULL AND old_value IS DISTINCT FROM new_value
)
SELECT * FROM events;

DELETE FROM fct_trial_change AS c
WHERE c.nct_id IN (SELECT DISTINCT nct_id FROM stg_versions)
  AND NOT EXISTS (
      SELECT 1 FROM stg_trial_change AS s
      WHERE s.from_version_key = c.from_version_key AND s.to_version_key = c.to_version_key AND s.field = c.field
  );

INSERT INTO fct_trial_change
SELECT s.trial_key, s.nct_id, s.field, s.old_value, s.new_value, s.from_version_key, s.to_version_key,
       s.old_valid_from, s.new_valid_from, $run_id
FROM stg_trial_change AS s
WHERE NOT EXISTS (
    SELECT 1 FROM fct_trial_change AS c
    WHERE c.from_version_key = s.from_version_key AND c.to_version_key = s.to_version_key AND c.field = s.field
);
