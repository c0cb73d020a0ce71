-- Geo points of the sites of the versions stored by this run.
INSERT INTO fct_version_site_geo (version_key, ordinal, latitude, longitude)
SELECT n.version_key, s.ordinal, s.latitude, s.longitude
FROM stg_sites AS s
JOIN stg_new_version AS n USING (record_seq)
WHERE s.latitude IS NOT NULL OR s.longitude IS NOT NULL;
