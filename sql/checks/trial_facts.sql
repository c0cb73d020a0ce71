-- Check input: one row per current version of the trials in dq_scope, with the measures
-- the expectations compare (the rules and thresholds themselves live in expectations/).
-- Every "now" is the record's own capture date (reference_date), never the wall clock.
WITH scoped_version AS (
    -- Found on narrow columns first: the wide rows (long texts) are then read for these
    -- versions alone, and when they are the night's new versions (keyed last) DuckDB skips
    -- the row groups before them (reading every current version's texts took 0.8 s a night
    -- at 570k trials).
    SELECT version_key FROM fct_trial_version WHERE is_current AND nct_id IN (SELECT nct_id FROM dq_scope)
),
current_version AS (
    -- Their keys, for the lookups below. The wide rows are read once, by `measured`, and flow
    -- through: a CTE of them with six readers was materialized, 1.2 GB at 570k trials, spilled
    -- to disk (this input over 570k trials: 21-22 s then, 10-11 s now).
    SELECT version_key, trial_key, version_number
    FROM fct_trial_version
    WHERE version_key IN (SELECT version_key FROM scoped_version)
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
named_interventions AS (
    SELECT b.version_key, b.ordinal, i.intervention_type, i.intervention_name,
           -- A drug the trial tests, not one it only gives: placebo, background or standard care,
           -- anaesthesia, contrast, samples (issue 16: "Biological: blood samples" is no product).
           i.intervention_type IN ('DRUG', 'BIOLOGICAL')
               AND NOT regexp_matches(coalesce(i.intervention_name, ''),
                   '(?i)placebo|standard|usual care|background|concomitant|stable dose|anaesthe|anesthe|contrast|'
                   || 'sample|saline|vehicle|sham|platelet[- ]rich|\bPRP\b|blood')
               AS is_tested_drug,
           -- A named medicine entered as a behavioral intervention: a dose or a drug-name stem.
           i.intervention_type IN ('BEHAVIORAL', 'BEHAVIOR')
               AND regexp_matches(coalesce(i.intervention_name, ''),
                   '(?i)\b\d+(\.\d+)? ?(mg|mcg|µg|iu)\b|\w+(mab|tinib|ciclovir|statin|sartan|gliflozin|gliptin|glutide)\b|\binsulin\b')
               AS is_drug_as_behavioral
    FROM bridge_version_intervention AS b
    JOIN dim_intervention AS i USING (intervention_key)
    WHERE b.version_key IN (SELECT version_key FROM current_version)
),
interventions AS (
    SELECT version_key,
           bool_or(intervention_type IN ('DRUG', 'BIOLOGICAL')) AS has_drug_or_biological,
           bool_or(intervention_type = 'DEVICE') AS has_device,
           bool_or(intervention_type IN ('DEVICE', 'PROCEDURE', 'RADIATION', 'BEHAVIORAL', 'BEHAVIOR')) AS has_non_drug,
           string_agg(CASE WHEN is_tested_drug THEN intervention_name END, '; ' ORDER BY ordinal) AS tested_drugs,
           string_agg(CASE WHEN is_drug_as_behavioral THEN intervention_name END, '; ' ORDER BY ordinal)
               AS drug_named_as_behavioral
    FROM named_interventions
    GROUP BY version_key
),
sites AS (
    SELECT b.version_key, bool_or(f.country = 'United States') AS has_us_site
    FROM bridge_version_site AS b
    JOIN dim_facility AS f USING (facility_key)
    WHERE b.version_key IN (SELECT version_key FROM current_version)
    GROUP BY b.version_key
),
result_submission AS (
    -- Results submitted but not posted yet (under QC review): the record's last submission
    -- event (in the order the record lists them) says where the submission stands, and the
    -- last RELEASE is the submission it returned or cancelled (not the first of several).
    SELECT version_key, arg_max(event_type, ordinal) AS last_result_event,
           arg_max(event_date, ordinal) AS last_result_event_date,
           arg_max(event_date, ordinal) FILTER (WHERE event_type = 'RELEASE') AS results_submitted_date
    FROM fct_version_result_event
    WHERE version_key IN (SELECT version_key FROM current_version)
    GROUP BY version_key
),
measured AS (
    SELECT
        c.*,
        rs.last_result_event, rs.last_result_event_date,
        coalesce(rs.results_submitted_date, c.results_first_submitted_date) AS results_submitted_date,
        -- A certificate of delay defers the deadline only when submitted before it (42 CFR 11.44(b)).
        coalesce(c.disposition_first_submitted_date, c.disposition_first_submitted_qc_date) AS certificate_of_delay_date,
        p.previous_status,
        e.last_estimated_enrollment,
        coalesce(i.has_drug_or_biological, false) AS has_drug_or_biological,
        coalesce(i.has_device, false) AS has_device,
        coalesce(i.has_non_drug, false) AS has_non_drug,
        i.tested_drugs,
        i.drug_named_as_behavioral,
        coalesce(s.has_us_site, false) AS has_us_site,
        coalesce(st.is_open, false) AS is_open,  -- dim_status is the one list of open statuses
        -- The latest day a month or year date can mean: "2015-09" is not before 2015-09-15.
        CASE c.start_date_precision WHEN 'month' THEN last_day(c.start_date)
             WHEN 'year' THEN make_date(year(c.start_date), 12, 31) ELSE c.start_date END AS start_date_latest,
        CASE c.primary_completion_date_precision WHEN 'month' THEN last_day(c.primary_completion_date)
             WHEN 'year' THEN make_date(year(c.primary_completion_date), 12, 31) ELSE c.primary_completion_date END
            AS primary_completion_date_latest,
        -- Legacy XML gives no type for the start of most trials; once the trial is under way
        -- (any status but not yet recruiting or withdrawn) and the date has passed, it happened.
        c.start_date_type = 'ACTUAL'
            OR (c.start_date_type IS NULL AND c.start_date <= c.reference_date
                AND c.overall_status NOT IN ('NOT_YET_RECRUITING', 'WITHDRAWN')) AS start_happened
    FROM (
        SELECT v.*, coalesce(v.last_capture_date, v.last_update_posted_date) AS reference_date
        FROM fct_trial_version AS v
        WHERE v.version_key IN (SELECT version_key FROM scoped_version)
    ) AS c
    LEFT JOIN previous_version AS p USING (trial_key)
    LEFT JOIN last_estimate AS e USING (trial_key)
    LEFT JOIN interventions AS i USING (version_key)
    LEFT JOIN sites AS s USING (version_key)
    LEFT JOIN result_submission AS rs USING (version_key)
    LEFT JOIN dim_status AS st ON st.status_code = c.overall_status
),
judged AS (
    -- Row by row (joined back to `measured` instead, its wide rows were materialized for three
    -- readers).
    SELECT *,
           -- A month date ("2021-06") may mean its last day: the certificate is before the
           -- deadline when it is before one year after the latest day the completion can mean.
           certificate_of_delay_date <= primary_completion_date_latest + INTERVAL 1 YEAR AS certificate_defers,
           -- Results under QC review were submitted: the deadline is met while the review runs.
           -- Returned results (RESET) must be corrected within 25 days; a cancelled submission
           -- (UNRELEASE) counts as none.
           last_result_event = 'RELEASE'
               OR (last_result_event IS NULL AND results_submitted_date IS NOT NULL)
               OR (last_result_event = 'RESET' AND date_diff('day', last_result_event_date, reference_date) <= 25)
               AS results_under_review,
           -- FDAAA 801 / 42 CFR 11.22 applicable clinical trial, as FDAAA TrialsTracker screens it:
           -- interventional; not phase 1 (drugs) and not a small feasibility study (devices); an
           -- FDA-regulated product by the record's own flags, or (records older than the flags) a
           -- drug, biological or device with a U.S. site; primary completion on or after the Final
           -- Rule's effective date 2017-01-18; not withdrawn.
           CASE
               WHEN study_type IS DISTINCT FROM 'INTERVENTIONAL' OR overall_status = 'WITHDRAWN' THEN NULL
               -- Nobody enrolled yet: no results can be due (last known status for UNKNOWN trials).
               WHEN coalesce(last_known_status, overall_status) = 'NOT_YET_RECRUITING' THEN NULL
               WHEN enrollment_type = 'ACTUAL' AND enrollment_count = 0 THEN NULL
               WHEN phases IN ('EARLY_PHASE1', 'PHASE1') OR primary_purpose = 'DEVICE_FEASIBILITY' THEN NULL
               WHEN NOT has_drug_or_biological
                    AND regexp_matches(coalesce(official_title, '') || ' ' || coalesce(brief_title, ''), '(?i)feasibility')
                   THEN NULL
               WHEN primary_completion_date IS NULL OR primary_completion_date < DATE '2017-01-18' THEN NULL
               WHEN is_fda_regulated_drug AND (has_drug_or_biological OR NOT is_fda_regulated_device)
                   THEN 'its sponsor marks the drug as FDA-regulated'
               WHEN is_fda_regulated_device THEN 'its sponsor marks the device as FDA-regulated'
               WHEN is_fda_regulated_drug IS NULL AND is_fda_regulated_device IS NULL
                    AND (has_drug_or_biological OR has_device) AND has_us_site
                   THEN 'it tests a ' || CASE WHEN has_drug_or_biological THEN 'drug or biological' ELSE 'device' END
                        || ' at a U.S. site (a probable ACT: the record predates the FDA-regulated flags)'
           END AS applicable_because
    FROM measured
),
final AS (
    SELECT
        m.nct_id, m.version_key, m.reference_date, m.overall_status, m.why_stopped, m.study_type, m.phases,
        m.primary_purpose, m.is_open,
        -- A record without a status (a fields-filtered API fragment) did not change status.
        CASE WHEN m.overall_status IS NOT NULL AND m.previous_status IS DISTINCT FROM m.overall_status
             THEN m.previous_status END AS status_changed_from,
        m.enrollment_count, m.enrollment_type, coalesce(m.enrollment_type, 'no type') AS enrollment_type_shown,
        m.last_estimated_enrollment,
        CASE WHEN m.last_estimated_enrollment > 0 THEN m.enrollment_count / m.last_estimated_enrollment END
            AS actual_over_last_estimate,
        m.start_date, m.start_date_type, m.start_date_latest, m.start_happened,
        m.primary_completion_date, m.primary_completion_date_type,
        m.completion_date, m.completion_date_type, m.first_submitted_date, m.first_posted_date, m.status_verified_date,
        -- Dates as the record gives them: a month date prints as its month, not its first day.
        CASE m.start_date_precision WHEN 'month' THEN strftime(m.start_date, '%Y-%m')
             WHEN 'year' THEN strftime(m.start_date, '%Y') ELSE strftime(m.start_date, '%Y-%m-%d') END AS start_shown,
        CASE m.primary_completion_date_precision WHEN 'month' THEN strftime(m.primary_completion_date, '%Y-%m')
             WHEN 'year' THEN strftime(m.primary_completion_date, '%Y')
             ELSE strftime(m.primary_completion_date, '%Y-%m-%d') END AS primary_completion_shown,
        CASE m.completion_date_precision WHEN 'month' THEN strftime(m.completion_date, '%Y-%m')
             WHEN 'year' THEN strftime(m.completion_date, '%Y') ELSE strftime(m.completion_date, '%Y-%m-%d') END
            AS completion_shown,
        coalesce(strftime(m.status_verified_date, '%Y-%m'), 'date not given') AS status_verified_shown,
        date_diff('month', m.primary_completion_date_latest, m.reference_date) AS months_since_primary_completion,
        date_diff('month', m.completion_date, m.reference_date) AS months_since_completion,
        date_diff('month', m.status_verified_date, m.reference_date) AS months_since_status_verified,
        CASE WHEN m.start_date_type = 'ACTUAL' THEN date_diff('day', m.reference_date, m.start_date) END AS actual_start_days_ahead,
        CASE WHEN m.primary_completion_date_type = 'ACTUAL' THEN date_diff('day', m.reference_date, m.primary_completion_date) END
            AS actual_primary_completion_days_ahead,
        CASE WHEN m.completion_date_type = 'ACTUAL' THEN date_diff('day', m.reference_date, m.completion_date) END
            AS actual_completion_days_ahead,
        -- A month date means "some day that month": it is only in the past once the month is over.
        CASE WHEN m.start_date_type = 'ESTIMATED' THEN date_diff('day', m.reference_date, m.start_date_latest) END
            AS estimated_start_days_ahead,
        CASE WHEN m.primary_completion_date_type = 'ESTIMATED'
             THEN date_diff('day', m.reference_date, m.primary_completion_date_latest) END
            AS estimated_primary_completion_days_ahead,
        -- Days from the start to the first submission, for interventional trials that started
        -- after ICMJE made prospective registration a condition of publication (2005-07-01).
        CASE WHEN m.study_type = 'INTERVENTIONAL' AND m.start_happened AND m.start_date >= DATE '2005-07-01'
             THEN date_diff('day', m.start_date_latest, m.first_submitted_date) END AS days_registered_after_start,
        -- Records first posted before mid-2005 carry a first-submitted date back-filled years
        -- later by the registry (the 1999 NIH load shows "submitted" 2006-07): not comparable.
        CASE WHEN m.first_posted_date >= DATE '2005-07-01' THEN date_diff('day', m.first_submitted_date, m.first_posted_date) END
            AS days_posted_after_submitted,
        CASE WHEN date_diff('day', m.start_date_latest, m.first_submitted_date) >= 60
             THEN date_diff('month', m.start_date_latest, m.first_submitted_date) || ' months'
             ELSE date_diff('day', m.start_date_latest, m.first_submitted_date) || ' days' END AS registration_delay_shown,
        m.min_age_years, m.max_age_years, coalesce(m.min_age_text, 'none') AS min_age_text,
        coalesce(m.max_age_text, 'none') AS max_age_text,
        -- Ages agree within a year: "0 - 18 years old" is "1 Day" to "18 Years", and "2-6.99
        -- years" is a maximum of "6 Years" (ages count completed years).
        coalesce(abs(m.stated_min_age - m.min_age_years) >= 1, false) AS stated_min_age_differs,
        coalesce(abs(m.stated_max_age - m.max_age_years) >= 1, false) AS stated_max_age_differs,
        regexp_replace(CAST(m.stated_min_age AS VARCHAR), '\.0$', '') || ' years' AS stated_min_age_shown,
        regexp_replace(CAST(m.stated_max_age AS VARCHAR), '\.0$', '') || ' years' AS stated_max_age_shown,
        m.has_results, m.results_first_posted_date, m.is_fda_regulated_drug, m.is_fda_regulated_device,
        m.has_drug_or_biological, m.has_device, m.has_non_drug, m.has_us_site, m.tested_drugs,
        m.drug_named_as_behavioral,
        -- A drug or biological is what the trial tests: no device, procedure, radiation or
        -- behavioral arm it could be background to, not a diagnostic or physiology study, not
        -- expanded access ("Compassionate Use Study of ... Thalidomide").
        m.tested_drugs IS NOT NULL AND NOT m.has_non_drug
            AND coalesce(m.primary_purpose, '') NOT IN ('DIAGNOSTIC', 'BASIC_SCIENCE', 'SCREENING')
            AND NOT regexp_matches(coalesce(m.official_title, '') || ' ' || coalesce(m.brief_title, ''),
                                   '(?i)compassionate|expanded access')
            AS tests_a_drug,
        m.applicable_because,
        -- What the deadline was read from, for the finding's evidence.
        m.certificate_of_delay_date, m.last_result_event, m.last_result_event_date, m.results_submitted_date,
        strftime(m.certificate_of_delay_date, '%Y-%m-%d') AS certificate_of_delay_shown,
        coalesce(m.results_under_review, false) AS results_under_review,
        -- Due one year after the primary completion (42 CFR 11.44(a)), or two years after a
        -- certificate of delay submitted before that (42 CFR 11.44(b)).
        CASE WHEN m.certificate_defers THEN m.certificate_of_delay_date + INTERVAL 2 YEAR
             ELSE m.primary_completion_date + INTERVAL 1 YEAR END AS results_due_date,
        CASE WHEN m.certificate_defers
             THEN 'two years after the certificate of delay submitted ' || strftime(m.certificate_of_delay_date, '%Y-%m-%d')
                  || ' (42 CFR 11.44(b)), the primary completion being ' || primary_completion_shown
             WHEN m.certificate_of_delay_date IS NOT NULL
             THEN 'one year after the primary completion ' || primary_completion_shown || ' (the certificate of delay of '
                  || strftime(m.certificate_of_delay_date, '%Y-%m-%d') || ' came after that and defers nothing)'
             ELSE 'one year after the primary completion ' || primary_completion_shown END AS results_due_because,
        CASE m.last_result_event
             WHEN 'RESET' THEN ' Results submitted ' || strftime(m.results_submitted_date, '%Y-%m-%d')
                  || ' were returned after QC review on ' || strftime(m.last_result_event_date, '%Y-%m-%d')
                  || ' and not submitted again.'
             WHEN 'UNRELEASE' THEN ' A submission of ' || strftime(m.results_submitted_date, '%Y-%m-%d')
                  || ' was cancelled on ' || strftime(m.last_result_event_date, '%Y-%m-%d') || '.'
             ELSE '' END AS results_submission_note,
        -- Completed trials registered since FDAAA's data elements (completion 2008 or later)
        -- must give a primary completion date and an enrollment type; none enrolls nobody.
        CASE
            WHEN m.overall_status <> 'COMPLETED' THEN NULL
            WHEN m.enrollment_count = 0 THEN 'an enrollment of 0'
            WHEN m.completion_date_type = 'ACTUAL' AND m.completion_date >= DATE '2008-01-01'
                 AND m.primary_completion_date IS NULL THEN 'no primary completion date'
            WHEN m.completion_date_type = 'ACTUAL' AND m.completion_date >= DATE '2008-01-01'
                 AND m.enrollment_type IS NULL AND m.enrollment_count IS NOT NULL THEN 'no enrollment type'
        END AS completed_gap,
        -- Phase stated in the titles ("Phase II/III", "Phase 2b", "Phase I and Pilot"): the words as
        -- written, and its one or two numbers.
        nullif(regexp_extract(coalesce(m.official_title, '') || ' | ' || coalesce(m.brief_title, ''),
               '(?i)\bphase[ -]?(0|IV|I{1,3}|[1-4])[AB]?\b(\s*(/|-|and|or)\s*(phase[ -]?)?(IV|I{1,3}|[1-4])[AB]?\b)?', 0), '')
            AS title_phase_text,
        upper(nullif(regexp_extract(coalesce(m.official_title, '') || ' | ' || coalesce(m.brief_title, ''),
               '(?i)\bphase[ -]?(0|IV|I{1,3}|[1-4])[AB]?\b(\s*(/|-|and|or)\s*(phase[ -]?)?(IV|I{1,3}|[1-4])[AB]?\b)?', 1), ''))
            AS title_phase_first,
        upper(nullif(regexp_extract(coalesce(m.official_title, '') || ' | ' || coalesce(m.brief_title, ''),
               '(?i)\bphase[ -]?(0|IV|I{1,3}|[1-4])[AB]?\b(\s*(/|-|and|or)\s*(phase[ -]?)?(IV|I{1,3}|[1-4])[AB]?\b)?', 5), ''))
            AS title_phase_second,
        m.healthy_volunteers,
        -- Inclusion lines (the text before "Exclusion") that ask for a disease: a negated line
        -- ("no history of", "negative for HIV infection") describes a healthy participant.
        list_filter(string_split(split_part(coalesce(m.eligibility_criteria, ''), 'xclusion', 1), chr(10)),
            lambda line: regexp_matches(line,
                    '(?i)\bdiagnos|\bpatients? (with|who|having)\b|\bhistory of\b|\bsuffering\b|diabetes|\bcancer|'
                    || 'carcinoma|disease\b|disorder|dysfunction|syndrome|\bT[12]D\b')
                AND NOT regexp_matches(line, '(?i)\b(no|not|non|negative|absence|absent|free|without|never|nor|exclud\w*)\b'))
            AS disease_lines,
        regexp_matches(split_part(coalesce(m.eligibility_criteria, ''), 'xclusion', 1),
            '(?i)healthy|haelthy|normal (volunteer|subject|control)|\bcontrols?\b|volunteer|relatives?|family members?')
            AS criteria_name_healthy_people,
        m.stated_enrollment, m.stated_enrollment_sentence, m.stated_min_age, m.stated_max_age, m.stated_age_sentence
    FROM judged AS m
),
due AS (
    SELECT *,
           strftime(results_due_date, '%Y-%m-%d') AS results_due_shown,
           -- Results are late once the deadline and the registry's 30 days to post have passed.
           CASE WHEN date_diff('month', results_due_date, reference_date) >= 24
                THEN (date_diff('month', results_due_date, reference_date) // 12) || ' years'
                ELSE date_diff('month', results_due_date, reference_date) || ' months' END AS results_overdue_shown,
           CASE WHEN applicable_because IS NOT NULL AND NOT has_results AND results_first_posted_date IS NULL
                     AND NOT results_under_review
                THEN date_diff('day', results_due_date + INTERVAL 30 DAY, reference_date) END AS days_past_results_grace
    FROM final
),
phase_codes AS (
    SELECT *,
           -- "PHASE II/III" -> PHASE2/PHASE3, "PHASE 0" -> EARLY_PHASE1, as API v2 joins them
           CASE title_phase_first WHEN '0' THEN 'EARLY_PHASE1' WHEN 'I' THEN 'PHASE1' WHEN 'II' THEN 'PHASE2'
                WHEN 'III' THEN 'PHASE3' WHEN 'IV' THEN 'PHASE4' ELSE 'PHASE' || title_phase_first END AS first_code,
           CASE title_phase_second WHEN 'I' THEN 'PHASE1' WHEN 'II' THEN 'PHASE2'
                WHEN 'III' THEN 'PHASE3' WHEN 'IV' THEN 'PHASE4' ELSE 'PHASE' || title_phase_second END AS second_code
    FROM due
)
SELECT * EXCLUDE (title_phase_first, title_phase_second, first_code, second_code, disease_lines),
       -- Healthy volunteers accepted, yet every inclusion line about people asks for a disease.
       healthy_volunteers AND len(disease_lines) > 0 AND NOT criteria_name_healthy_people
           AS healthy_volunteers_but_patients,
       trim(regexp_replace(disease_lines[1], '^[\s*•-]+', '')) AS criteria_disease_line,
       -- The titles' phases share none with the structured ones ("Phase I/II" vs PHASE1 agree).
       -- Phase NA is the registry's code for trials of anything but a drug or biological, whatever
       -- a radiotherapy or surgery title calls its "Phase III".
       CASE WHEN title_phase_first IS NOT NULL AND phases IS NOT NULL AND (phases <> 'NA' OR has_drug_or_biological)
            THEN NOT list_has_any(string_split(phases, '/'), [first_code, coalesce(second_code, first_code)]) END
           AS title_phase_disagrees,
       CASE WHEN title_phase_first IS NOT NULL AND phases IS NOT NULL
            THEN concat_ws('/', first_code, CASE WHEN second_code <> first_code THEN second_code END) END
           AS title_phases
FROM phase_codes
ORDER BY nct_id;
