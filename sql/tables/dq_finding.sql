-- Findings and their life: first seen, last seen, resolved, accepted.
CREATE SEQUENCE IF NOT EXISTS seq_finding_key START 1;
CREATE TABLE IF NOT EXISTS dq_finding (
    finding_key         BIGINT PRIMARY KEY DEFAULT nextval('seq_finding_key'),
    fingerprint         VARCHAR NOT NULL,
    nct_id              VARCHAR NOT NULL,
    check_name          VARCHAR NOT NULL,
    rule                VARCHAR NOT NULL,
    severity            VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    message             VARCHAR NOT NULL,
    evidence            JSON,
    version_key         BIGINT,
    first_seen_run_id   BIGINT NOT NULL,
    last_raised_run_id  BIGINT NOT NULL,
    resolved_run_id     BIGINT,
    accepted_at         TIMESTAMPTZ,
    accepted_note       VARCHAR
);
COMMENT ON TABLE dq_finding IS 'One row per data-quality finding over its life: NEW the night it first appears, OPEN while it is still seen, RESOLVED when the data no longer shows it. A finding that comes back after being resolved is a new row.';
COMMENT ON COLUMN dq_finding.finding_key IS 'Surrogate key; the id curators use with `trialwarehouse accept`.';
COMMENT ON COLUMN dq_finding.fingerprint IS 'Identity of the finding across runs: MD5 of check, rule, trial and the distinguishing detail (e.g. the site).';
COMMENT ON COLUMN dq_finding.nct_id IS 'Trial concerned (or the warehouse object, for integrity checks).';
COMMENT ON COLUMN dq_finding.check_name IS 'Check that raised it (dq_check).';
COMMENT ON COLUMN dq_finding.rule IS 'Which rule of the check, e.g. primary_completion_before_start.';
COMMENT ON COLUMN dq_finding.severity IS 'error, warning or info.';
COMMENT ON COLUMN dq_finding.message IS 'What is wrong, in a sentence, with the values involved.';
COMMENT ON COLUMN dq_finding.evidence IS 'The values the check read (JSON), e.g. the sentence that stated a participant count.';
COMMENT ON COLUMN dq_finding.version_key IS 'Trial version checked (fct_trial_version).';
COMMENT ON COLUMN dq_finding.first_seen_run_id IS 'Run that first raised it.';
COMMENT ON COLUMN dq_finding.last_raised_run_id IS 'Latest run that re-checked the trial and raised it again. Trials are only re-checked when their data changes, so an open finding holds on every later run too (v_dq_findings.last_seen_run).';
COMMENT ON COLUMN dq_finding.resolved_run_id IS 'Run in which it no longer held; NULL while open.';
COMMENT ON COLUMN dq_finding.accepted_at IS 'When a curator accepted it (it is no longer reported); NULL otherwise.';
COMMENT ON COLUMN dq_finding.accepted_note IS 'Why the curator accepted it.';
