-- The latest version of every trial, one row per trial: the analysts' main table.
CREATE OR REPLACE VIEW v_trial_current AS
WITH current_version AS (
    SELECT * FROM fct_trial_version WHERE is_current
),
lead_sponsor AS (
    SELECT b.version_key, o.organization_name AS lead_sponsor, o.agency_class AS lead_sponsor_class
    FROM bridge_version_sponsor AS b
    JOIN dim_organization AS o USING (organization_key)
    WHERE b.sponsor_role = 'LEAD'
),
site_counts AS (
    SELECT version_key, count(*) AS n_sites FROM bridge_version_site GROUP BY version_key
),
condition_counts AS (
    SELECT version_key, count(*) AS n_conditions FROM bridge_version_condition GROUP BY version_key
),
intervention_counts AS (
    SELECT version_key, count(*) AS n_interventions FROM bridge_version_intervention GROUP BY version_key
),
final AS (
    SELECT
        v.nct_id, v.brief_title, v.official_title, v.acronym,
        v.overall_status, v.last_known_status, v.why_stopped,
        v.study_type, v.phases, v.allocation, v.intervention_model, v.masking, v.primary_purpose,
        v.enrollment_count, v.enrollment_type,
        v.start_date, v.start_date_type,
        v.primary_completion_date, v.primary_completion_date_type,
        v.completion_date, v.completion_date_type,
        v.first_submitted_date, v.first_posted_date, v.last_update_posted_date, v.status_verified_date,
        v.min_age_years, v.max_age_years, v.sex, v.healthy_volunteers,
        l.lead_sponsor, l.lead_sponsor_class,
        coalesce(s.n_sites, 0) AS n_sites,
        coalesce(c.n_conditions, 0) AS n_conditions,
        coalesce(i.n_interventions, 0) AS n_interventions,
        v.has_results, v.source_format,
        v.version_key, v.version_number, v.valid_from, v.last_capture_date
    FROM current_version AS v
    LEFT JOIN lead_sponsor AS l USING (version_key)
    LEFT JOIN site_counts AS s USING (version_key)
    LEFT JOIN condition_counts AS c USING (version_key)
    LEFT JOIN intervention_counts AS i USING (version_key)
)
SELECT * FROM final;
COMMENT ON VIEW v_trial_current IS 'One row per trial: its current (latest) version with lead sponsor and counts of sites, conditions and interventions. Column meanings as in fct_trial_version.';
COMMENT ON COLUMN v_trial_current.lead_sponsor IS 'Name of the lead sponsor.';
COMMENT ON COLUMN v_trial_current.lead_sponsor_class IS 'Agency class of the lead sponsor.';
COMMENT ON COLUMN v_trial_current.n_sites IS 'Number of sites listed.';
COMMENT ON COLUMN v_trial_current.n_conditions IS 'Number of conditions listed.';
COMMENT ON COLUMN v_trial_current.n_interventions IS 'Number of interventions listed.';
