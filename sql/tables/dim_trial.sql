-- One row per trial (NCT id) ever seen; everything that changes lives in fct_trial_version.
CREATE SEQUENCE IF NOT EXISTS seq_trial_key START 1;
CREATE TABLE IF NOT EXISTS dim_trial (
    trial_key           BIGINT PRIMARY KEY DEFAULT nextval('seq_trial_key'),
    nct_id              VARCHAR NOT NULL UNIQUE,
    first_seen_run_id   BIGINT NOT NULL,
    registry_url        VARCHAR NOT NULL,
    removed_from_source_run_id BIGINT
);
COMMENT ON TABLE dim_trial IS 'Trial dimension: one row per ClinicalTrials.gov registration. Attributes that can change over time are on fct_trial_version.';
COMMENT ON COLUMN dim_trial.trial_key IS 'Surrogate key.';
COMMENT ON COLUMN dim_trial.nct_id IS 'ClinicalTrials.gov identifier, NCT followed by 8 digits (natural key).';
COMMENT ON COLUMN dim_trial.first_seen_run_id IS 'Run that first loaded the trial.';
COMMENT ON COLUMN dim_trial.registry_url IS 'The trial page on clinicaltrials.gov.';
COMMENT ON COLUMN dim_trial.removed_from_source_run_id IS 'Run whose full sync found the trial no longer returned by the registry (AACT-style removal); NULL while the source still lists it. Its history is kept.';
