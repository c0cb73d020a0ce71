-- Re-derive the timeline of every trial touched by this run from the records' own dates,
-- so a capture loaded late lands in the past and never becomes current by arrival order.
-- Old XML has no posted date: its submitted date (days before posting) places it, not the
-- capture date, which can be years later.
UPDATE fct_trial_version AS v
SET version_number = o.version_number,
    valid_from = o.valid_from,
    valid_to = o.valid_to,
    is_current = o.is_current,
    same_last_update_as_previous = o.same_last_update_as_previous
FROM (
    WITH touched AS (
        SELECT * FROM fct_trial_version
        WHERE trial_key IN (SELECT t.trial_key FROM dim_trial AS t JOIN (SELECT DISTINCT nct_id FROM stg_versions) USING (nct_id))
    ),
    ordered AS (
        SELECT
            version_key,
            coalesce(last_update_posted_date, last_update_submitted_date, first_capture_date) AS valid_from,
            row_number() OVER timeline AS version_number,
            lead(coalesce(last_update_posted_date, last_update_submitted_date, first_capture_date)) OVER timeline AS valid_to,
            lead(version_key) OVER timeline IS NULL AS is_current,
            coalesce(lag(coalesce(last_update_posted_date, last_update_submitted_date)) OVER timeline
                     = coalesce(last_update_posted_date, last_update_submitted_date), false)
                AS same_last_update_as_previous
        FROM touched
        WINDOW timeline AS (
            PARTITION BY trial_key
            ORDER BY coalesce(last_update_posted_date, last_update_submitted_date, first_capture_date) NULLS FIRST,
                     first_capture_date NULLS FIRST, content_hash
        )
    )
    SELECT * FROM ordered
) AS o
WHERE v.version_key = o.version_key
  AND (v.version_number IS DISTINCT FROM o.version_number OR v.valid_from IS DISTINCT FROM o.valid_from
       OR v.valid_to IS DISTINCT FROM o.valid_to OR v.is_current IS DISTINCT FROM o.is_current
       OR v.same_last_update_as_previous IS DISTINCT FROM o.same_last_update_as_previous);
