-- Add sponsors and collaborators not seen before.
INSERT INTO dim_organization (natural_key, organization_name, agency_class)
WITH candidates AS (
    SELECT DISTINCT md5(concat_ws(chr(31), s.name, coalesce(s.agency_class, ''))) AS natural_key,
           s.name AS organization_name, s.agency_class
    FROM stg_sponsors AS s
    JOIN stg_new_version USING (record_seq)
    WHERE s.name IS NOT NULL
)
SELECT * FROM candidates AS c
WHERE NOT EXISTS (SELECT 1 FROM dim_organization AS o WHERE o.natural_key = c.natural_key);
