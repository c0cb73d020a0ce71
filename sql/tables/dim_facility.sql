-- Trial sites.
CREATE SEQUENCE IF NOT EXISTS seq_facility_key START 1;
CREATE TABLE IF NOT EXISTS dim_facility (
    facility_key        BIGINT PRIMARY KEY DEFAULT nextval('seq_facility_key'),
    natural_key         VARCHAR NOT NULL UNIQUE,
    facility_name       VARCHAR,
    city                VARCHAR,
    state               VARCHAR,
    zip                 VARCHAR,
    country             VARCHAR
);
COMMENT ON TABLE dim_facility IS 'Facility (site) dimension: each distinct facility name and address.';
COMMENT ON COLUMN dim_facility.facility_key IS 'Surrogate key.';
COMMENT ON COLUMN dim_facility.natural_key IS 'MD5 of name, city, state, zip and country; unique.';
COMMENT ON COLUMN dim_facility.facility_name IS 'Facility name as registered.';
COMMENT ON COLUMN dim_facility.city IS 'City.';
COMMENT ON COLUMN dim_facility.state IS 'State, province or region.';
COMMENT ON COLUMN dim_facility.zip IS 'Postal code.';
COMMENT ON COLUMN dim_facility.country IS 'Country name as registered.';
