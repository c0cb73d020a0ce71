-- Interventions (type and name).
CREATE SEQUENCE IF NOT EXISTS seq_intervention_key START 1;
CREATE TABLE IF NOT EXISTS dim_intervention (
    intervention_key    BIGINT PRIMARY KEY DEFAULT nextval('seq_intervention_key'),
    natural_key         VARCHAR NOT NULL UNIQUE,
    intervention_type   VARCHAR,
    intervention_name   VARCHAR
);
COMMENT ON TABLE dim_intervention IS 'Intervention dimension: each distinct (type, name) pair.';
COMMENT ON COLUMN dim_intervention.intervention_key IS 'Surrogate key.';
COMMENT ON COLUMN dim_intervention.natural_key IS 'MD5 of type and name; unique.';
COMMENT ON COLUMN dim_intervention.intervention_type IS 'API v2 intervention type: DRUG, DEVICE, BIOLOGICAL, PROCEDURE, RADIATION, BEHAVIORAL, GENETIC, DIETARY_SUPPLEMENT, COMBINATION_PRODUCT, DIAGNOSTIC_TEST, OTHER.';
COMMENT ON COLUMN dim_intervention.intervention_name IS 'Intervention name as registered.';
