-- Sites of the versions stored by this run.
INSERT INTO bridge_version_site (version_key, ordinal, facility_key, site_status)
SELECT n.version_key, s.ordinal, f.facility_key, s.site_status
FROM stg_sites AS s
JOIN stg_new_version AS n USING (record_seq)
JOIN dim_facility AS f
  ON f.natural_key = md5(concat_ws(chr(31), coalesce(s.facility, ''), coalesce(s.city, ''), coalesce(s.state, ''),
                                   coalesce(s.zip, ''), coalesce(s.country, '')));
