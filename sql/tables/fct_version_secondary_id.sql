-- Secondary identifiers of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS fct_version_secondary_id (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    secondary_id        VARCHAR NOT NULL,
    id_type             VARCHAR,
    id_domain           VARCHAR
);
COMMENT ON TABLE fct_version_secondary_id IS 'Secondary identifiers (other registries, grants, sponsor ids) of each trial version.';
COMMENT ON COLUMN fct_version_secondary_id.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_secondary_id.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN fct_version_secondary_id.secondary_id IS 'The identifier.';
COMMENT ON COLUMN fct_version_secondary_id.id_type IS 'API v2 secondary id type (NIH, FDA, EUDRACT_NUMBER, REGISTRY, OTHER_GRANT, OTHER, ...) when given.';
COMMENT ON COLUMN fct_version_secondary_id.id_domain IS 'Issuing domain or registry, when given.';
-- Added for issue 15 (lists as lists, the rest of the record); one path for new and existing warehouses.
ALTER TABLE fct_version_secondary_id ADD COLUMN IF NOT EXISTS id_link VARCHAR;
COMMENT ON COLUMN fct_version_secondary_id.id_link IS 'Link to the identifier''s registry entry (e.g. NIH RePORTER).';
