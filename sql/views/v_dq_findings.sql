-- Findings for curators: state NEW / OPEN / RESOLVED relative to the latest run.
CREATE OR REPLACE VIEW v_dq_findings AS
WITH latest AS (
    SELECT coalesce(max(run_id), 0) AS run_id FROM etl_run WHERE status = 'completed'
),
final AS (
    SELECT
        f.finding_key,
        CASE WHEN f.resolved_run_id IS NULL THEN (SELECT run_id FROM latest) ELSE f.last_raised_run_id END AS run,
        f.nct_id,
        f.check_name AS "check",
        f.rule,
        f.severity,
        f.message,
        f.evidence,
        f.first_seen_run_id AS first_seen_run,
        CASE WHEN f.resolved_run_id IS NULL THEN (SELECT run_id FROM latest) ELSE f.last_raised_run_id END AS last_seen_run,
        CASE
            WHEN f.resolved_run_id IS NOT NULL THEN 'RESOLVED'
            WHEN f.first_seen_run_id = (SELECT run_id FROM latest) THEN 'NEW'
            ELSE 'OPEN'
        END AS state,
        f.resolved_run_id AS resolved_run,
        f.accepted_at IS NOT NULL AS accepted,
        f.accepted_note,
        t.registry_url
    FROM dq_finding AS f
    LEFT JOIN dim_trial AS t USING (nct_id)
)
SELECT * FROM final;
COMMENT ON VIEW v_dq_findings IS 'Data-quality findings with their state relative to the latest completed run: NEW (first raised by it), OPEN (raised before and still true), RESOLVED. Accepted findings stay here but are left out of the report.';
COMMENT ON COLUMN v_dq_findings.run IS 'Latest run in which the finding held.';
COMMENT ON COLUMN v_dq_findings."check" IS 'Check name (dq_check).';
COMMENT ON COLUMN v_dq_findings.first_seen_run IS 'Run that first raised it.';
COMMENT ON COLUMN v_dq_findings.last_seen_run IS 'Latest run in which it held: the latest run while open (trials are re-checked when their data changes), else the last run that raised it.';
COMMENT ON COLUMN v_dq_findings.state IS 'NEW, OPEN or RESOLVED.';
COMMENT ON COLUMN v_dq_findings.resolved_run IS 'Run that resolved it, if any.';
COMMENT ON COLUMN v_dq_findings.accepted IS 'A curator accepted it; it is not reported.';
COMMENT ON COLUMN v_dq_findings.registry_url IS 'The trial on clinicaltrials.gov.';
