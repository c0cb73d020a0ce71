-- Add facilities (name and address) not seen before, keys in order of first appearance.
INSERT INTO dim_facility (natural_key, facility_name, city, state, zip, country)
WITH candidates AS (
    SELECT
        md5(concat_ws(chr(31), coalesce(s.facility, ''), coalesce(s.city, ''), coalesce(s.state, ''),
                      coalesce(s.zip, ''), coalesce(s.country, ''))) AS natural_key,
        s.facility AS facility_name, s.city, s.state, s.zip, s.country, s.record_seq, s.ordinal
    FROM stg_sites AS s
    JOIN stg_new_version USING (record_seq)
)
SELECT c.natural_key, c.facility_name, c.city, c.state, c.zip, c.country
FROM candidates AS c
WHERE NOT EXISTS (SELECT 1 FROM dim_facility AS f WHERE f.natural_key = c.natural_key)
GROUP BY ALL
ORDER BY min(c.record_seq), min(c.ordinal), c.natural_key;
