-- Conditions or diseases as registered.
CREATE SEQUENCE IF NOT EXISTS seq_condition_key START 1;
CREATE TABLE IF NOT EXISTS dim_condition (
    condition_key       BIGINT PRIMARY KEY DEFAULT nextval('seq_condition_key'),
    condition_name      VARCHAR NOT NULL UNIQUE,
    condition_lower     VARCHAR NOT NULL
);
COMMENT ON TABLE dim_condition IS 'Condition dimension: each distinct condition text as registered.';
COMMENT ON COLUMN dim_condition.condition_key IS 'Surrogate key.';
COMMENT ON COLUMN dim_condition.condition_name IS 'Condition as registered (unique).';
COMMENT ON COLUMN dim_condition.condition_lower IS 'Lower-case form for case-insensitive grouping.';
