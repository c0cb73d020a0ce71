-- Geo points of the sites of each trial version (API v2 locations[].geoPoint).
-- Version-owned like fct_version_outcome: key (version_key, ordinal), ordinal the site's
-- position as in bridge_version_site (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_site_geo (
    version_key  BIGINT NOT NULL,
    ordinal      INTEGER NOT NULL,
    latitude     DOUBLE,
    longitude    DOUBLE
);
COMMENT ON TABLE fct_version_site_geo IS 'Geo points of the sites of each trial version, as geocoded by ClinicalTrials.gov (API v2 geoPoint; legacy XML has none). Join bridge_version_site on (version_key, ordinal).';
COMMENT ON COLUMN fct_version_site_geo.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_site_geo.ordinal IS 'Position of the site in the version (bridge_version_site.ordinal).';
COMMENT ON COLUMN fct_version_site_geo.latitude IS 'Site latitude, degrees north (WGS 84).';
COMMENT ON COLUMN fct_version_site_geo.longitude IS 'Site longitude, degrees east (WGS 84).';
