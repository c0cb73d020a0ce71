-- Add (type, name) interventions not seen before.
INSERT INTO dim_intervention (natural_key, intervention_type, intervention_name)
WITH candidates AS (
    SELECT DISTINCT md5(concat_ws(chr(31), coalesce(s.intervention_type, ''), coalesce(s.name, ''))) AS natural_key,
           s.intervention_type, s.name AS intervention_name
    FROM stg_interventions AS s
    JOIN stg_new_version USING (record_seq)
)
SELECT * FROM candidates AS c
WHERE NOT EXISTS (SELECT 1 FROM dim_intervention AS i WHERE i.natural_key = c.natural_key);
