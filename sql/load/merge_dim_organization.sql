-- Add sponsors and collaborators not seen before, keys in order of first appearance.
INSERT INTO dim_organization (natural_key, organization_name, agency_class)
WITH candidates AS (
    SELECT md5(concat_ws(chr(31), s.name, coalesce(s.agency_class, ''))) AS natural_key,
           s.name AS organization_name, s.agency_class, s.record_seq, s.ordinal
    FROM stg_sponsors AS s
    JOIN stg_new_version USING (record_seq)
    WHERE s.name IS NOT NULL
)
SELECT c.natural_key, c.organization_name, c.agency_class
FROM candidates AS c
WHERE NOT EXISTS (SELECT 1 FROM dim_organization AS o WHERE o.natural_key = c.natural_key)
GROUP BY ALL
ORDER BY min(c.record_seq), min(c.ordinal), c.natural_key;
