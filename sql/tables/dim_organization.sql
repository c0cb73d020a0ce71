-- Sponsors and collaborators.
CREATE SEQUENCE IF NOT EXISTS seq_organization_key START 1;
CREATE TABLE IF NOT EXISTS dim_organization (
    organization_key    BIGINT PRIMARY KEY DEFAULT nextval('seq_organization_key'),
    natural_key         VARCHAR NOT NULL UNIQUE,
    organization_name   VARCHAR NOT NULL,
    agency_class        VARCHAR
);
COMMENT ON TABLE dim_organization IS 'Organization dimension: each distinct sponsor or collaborator (name and agency class as the registry gives them).';
COMMENT ON COLUMN dim_organization.organization_key IS 'Surrogate key.';
COMMENT ON COLUMN dim_organization.natural_key IS 'MD5 of name and agency class; unique.';
COMMENT ON COLUMN dim_organization.organization_name IS 'Organization name as registered.';
COMMENT ON COLUMN dim_organization.agency_class IS 'API v2 agency class: NIH, FED, OTHER_GOV, INDIV, INDUSTRY, NETWORK, AMBIG, OTHER, UNKNOWN.';
