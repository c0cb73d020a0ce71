-- Sites of each trial version, with the site's recruitment status.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS bridge_version_site (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    facility_key        BIGINT NOT NULL,
    site_status         VARCHAR
);
COMMENT ON TABLE bridge_version_site IS 'Bridge between trial versions and facilities (sites), with the site status in that version.';
COMMENT ON COLUMN bridge_version_site.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN bridge_version_site.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN bridge_version_site.facility_key IS 'Facility (dim_facility).';
COMMENT ON COLUMN bridge_version_site.site_status IS 'Site recruitment status, API v2 code (RECRUITING, COMPLETED, ...); NULL when not given.';
