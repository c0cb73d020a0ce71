-- Check input: one row per current version of the trials in dq_scope, with the measures
-- the expectations compare (the rules and thresholds themselves live in expectations/).
WITH current_version AS (
    SELECT v.*, coalesce(v.last_capture_date, v.last_update_posted_date) AS reference_date
    FROM fct_trial_version AS v
    WHERE v.is_current AND v.nct_id IN (SELECT nct_id FROM dq_scope)
),
previous_version AS (
    SELECT p.trial_key, p.overall_status AS previous_status
    FROM fct_trial_version AS p
    JOIN current_version AS c ON c.trial_key = p.trial_key AND p.version_number = c.version_number - 1
),
last_estimate AS (
    SELECT trial_key, arg_max(enrollment_count, version_number) AS last_estimated_enrollment
    FROM fct_trial_version
    WHERE enrollment_type = 'ESTIMATED' AND trial_key IN (SELECT trial_key FROM current_version)
    GROUP BY trial_key
),
interventions AS (
    SELECT b.version_key,
           bool_or(i.intervention_type IN ('DRUG', 'BIOLOGICAL')) AS has_drug_or_biological,
           bool_or(i.intervention_type = 'DEVICE') AS has_device
    FROM bridge_version_intervention AS b
    JOIN dim_intervention AS i USING (intervention_key)
    WHERE b.version_key IN (SELECT version_key FROM current_version)
    GROUP BY b.version_key
),
sites AS (
    SELECT b.version_key, bool_or(f.country = 'United States') AS has_us_site
    FROM bridge_version_site AS b
    JOIN dim_facility AS f USING (facility_key)
    WHERE b.version_key IN (SELECT version_key FROM current_version)
    GROUP BY b.version_key
),
final AS (
    SELECT
        c.nct_id, c.version_key, c.reference_date, c.overall_status, c.why_stopped, c.study_type, c.phases,
        CASE WHEN p.previous_status IS DISTINCT FROM c.overall_status THEN p.previous_status END AS status_changed_from,
        c.enrollment_count, c.enrollment_type, e.last_estimated_enrollment,
        CASE WHEN e.last_estimated_enrollment > 0 THEN c.enrollment_count / e.last_estimated_enrollment END
            AS actual_over_last_estimate,
        c.start_date, c.start_date_type,
        -- The latest day a month or year date can mean: "2015-09" is not before 2015-09-15.
        CASE c.start_date_precision WHEN 'month' THEN last_day(c.start_date)
             WHEN 'year' THEN make_date(year(c.start_date), 12, 31) ELSE c.start_date END AS start_date_latest,
        c.primary_completion_date, c.primary_completion_date_type,
        c.completion_date, c.completion_date_type, c.first_submitted_date, c.first_posted_date, c.status_verified_date,
        date_diff('month', c.primary_completion_date, c.reference_date) AS months_since_primary_completion,
        date_diff('month', c.completion_date, c.reference_date) AS months_since_completion,
        date_diff('month', c.status_verified_date, c.reference_date) AS months_since_status_verified,
        date_diff('day', c.primary_completion_date, c.reference_date) AS days_since_primary_completion,
        CASE WHEN c.start_date_type = 'ACTUAL' THEN date_diff('day', c.reference_date, c.start_date) END AS actual_start_days_ahead,
        CASE WHEN c.primary_completion_date_type = 'ACTUAL' THEN date_diff('day', c.reference_date, c.primary_completion_date) END
            AS actual_primary_completion_days_ahead,
        CASE WHEN c.completion_date_type = 'ACTUAL' THEN date_diff('day', c.reference_date, c.completion_date) END
            AS actual_completion_days_ahead,
        -- A month date means "some day that month": it is only in the past once the month is over.
        CASE WHEN c.start_date_type = 'ESTIMATED' THEN date_diff('day', c.reference_date,
             CASE c.start_date_precision WHEN 'month' THEN last_day(c.start_date) ELSE c.start_date END) END
            AS estimated_start_days_ahead,
        CASE WHEN c.primary_completion_date_type = 'ESTIMATED' THEN date_diff('day', c.reference_date,
             CASE c.primary_completion_date_precision WHEN 'month' THEN last_day(c.primary_completion_date) ELSE c.primary_completion_date END) END
            AS estimated_primary_completion_days_ahead,
        c.min_age_years, c.max_age_years,
        c.has_results, c.is_fda_regulated_drug, c.is_fda_regulated_device,
        coalesce(i.has_drug_or_biological, false) AS has_drug_or_biological,
        coalesce(i.has_device, false) AS has_device,
        coalesce(s.has_us_site, false) AS has_us_site,
        -- FDAAA 801 applicable-trial screen (42 CFR 11.22): interventional, beyond phase 1 (or
        -- a device study), with a U.S. site or an FDA-regulated product.
        c.study_type = 'INTERVENTIONAL'
            AND (c.phases IN ('PHASE2', 'PHASE2/PHASE3', 'PHASE3', 'PHASE4', 'PHASE1/PHASE2')
                 OR (c.phases = 'NA' AND coalesce(i.has_device, false)))
            AND (coalesce(s.has_us_site, false) OR coalesce(c.is_fda_regulated_drug, false)
                 OR coalesce(c.is_fda_regulated_device, false)) AS looks_fdaaa_applicable,
        c.stated_enrollment, c.stated_enrollment_sentence, c.stated_min_age, c.stated_max_age, c.stated_age_sentence
    FROM current_version AS c
    LEFT JOIN previous_version AS p USING (trial_key)
    LEFT JOIN last_estimate AS e USING (trial_key)
    LEFT JOIN interventions AS i USING (version_key)
    LEFT JOIN sites AS s USING (version_key)
)
SELECT * FROM final ORDER BY nct_id;
