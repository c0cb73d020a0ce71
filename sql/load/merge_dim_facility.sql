-- Add facilities (name and address) not seen before.
INSERT INTO dim_facility (natural_key, facility_name, city, state, zip, country)
WITH candidates AS (
    SELECT DISTINCT
        md5(concat_ws(chr(31), coalesce(s.facility, ''), coalesce(s.city, ''), coalesce(s.state, ''),
                      coalesce(s.zip, ''), coalesce(s.country, ''))) AS natural_key,
        s.facility AS facility_name, s.city, s.state, s.zip, s.country
    FROM stg_sites AS s
    JOIN stg_new_version USING (record_seq)
)
SELECT * FROM candidates AS c
WHERE NOT EXISTS (SELECT 1 FROM dim_facility AS f WHERE f.natural_key = c.natural_key);
