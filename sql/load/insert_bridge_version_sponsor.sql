-- Lead sponsor and collaborators of the versions stored by this run.
INSERT INTO bridge_version_sponsor (version_key, ordinal, organization_key, sponsor_role)
SELECT n.version_key, s.ordinal, o.organization_key, s.role
FROM stg_sponsors AS s
JOIN stg_new_version AS n USING (record_seq)
JOIN dim_organization AS o
  ON o.natural_key = md5(concat_ws(chr(31), s.name, coalesce(s.agency_class, '')));
