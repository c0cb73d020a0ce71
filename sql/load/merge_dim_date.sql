-- Add the calendar days used by the versions stored by this run.
INSERT INTO dim_date
WITH used AS (
    SELECT DISTINCT unnest([
        start_date, primary_completion_date, completion_date, first_submitted_date, first_posted_date,
        last_update_submitted_date, last_update_posted_date, status_verified_date, results_first_posted_date,
        first_capture_date, last_capture_date
    ]) AS date_day
    FROM fct_trial_version
    WHERE first_seen_run_id = $run_id
),
final AS (
    SELECT date_day, year(date_day), quarter(date_day), month(date_day), monthname(date_day),
           strftime(date_day, '%Y-%m'), weekofyear(date_day), isodow(date_day)
    FROM used
    WHERE date_day IS NOT NULL AND date_day NOT IN (SELECT date_day FROM dim_date)
)
SELECT * FROM final;
