-- Change events: one row per tracked field that differs between consecutive versions.
CREATE TABLE IF NOT EXISTS fct_trial_change (
    trial_key           BIGINT NOT NULL REFERENCES dim_trial (trial_key),
    nct_id              VARCHAR NOT NULL,
    field               VARCHAR NOT NULL CHECK (field IN ('overall_status', 'enrollment_count', 'enrollment_type', 'phases',
                                                          'primary_completion_date', 'completion_date', 'why_stopped')),
    old_value           VARCHAR,
    new_value           VARCHAR,
    from_version_key    BIGINT NOT NULL,
    to_version_key      BIGINT NOT NULL,
    old_valid_from      DATE,
    new_valid_from      DATE,
    detected_in_run_id  BIGINT NOT NULL,
    PRIMARY KEY (from_version_key, to_version_key, field)
);
COMMENT ON TABLE fct_trial_change IS 'Change event fact: one row per change of overall status, enrollment count or type, phases, primary completion date, completion date or why_stopped between two consecutive versions of a trial. Rebuilt for the trials a run touches, so an older capture loaded late splits a change correctly.';
COMMENT ON COLUMN fct_trial_change.trial_key IS 'Trial (dim_trial).';
COMMENT ON COLUMN fct_trial_change.nct_id IS 'Trial identifier.';
COMMENT ON COLUMN fct_trial_change.field IS 'Changed field: overall_status, enrollment_count, enrollment_type, phases, primary_completion_date, completion_date or why_stopped.';
COMMENT ON COLUMN fct_trial_change.old_value IS 'Value in the earlier version, as text (dates ISO 8601); NULL when absent.';
COMMENT ON COLUMN fct_trial_change.new_value IS 'Value in the later version, as text; NULL when removed.';
COMMENT ON COLUMN fct_trial_change.from_version_key IS 'Earlier version (fct_trial_version).';
COMMENT ON COLUMN fct_trial_change.to_version_key IS 'Later version (fct_trial_version).';
COMMENT ON COLUMN fct_trial_change.old_valid_from IS 'valid_from of the earlier version.';
COMMENT ON COLUMN fct_trial_change.new_valid_from IS 'valid_from of the later version: the change happened between the two dates.';
COMMENT ON COLUMN fct_trial_change.detected_in_run_id IS 'Run that first recorded this change (etl_run.run_id).';
