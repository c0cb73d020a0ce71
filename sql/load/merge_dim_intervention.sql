-- Add (type, name) interventions not seen before, keys in order of first appearance.
INSERT INTO dim_intervention (natural_key, intervention_type, intervention_name)
WITH candidates AS (
    SELECT md5(concat_ws(chr(31), coalesce(s.intervention_type, ''), coalesce(s.name, ''))) AS natural_key,
           s.intervention_type, s.name AS intervention_name, s.record_seq, s.ordinal
    FROM stg_interventions AS s
    JOIN stg_new_version USING (record_seq)
)
SELECT c.natural_key, c.intervention_type, c.intervention_name
FROM candidates AS c
WHERE NOT EXISTS (SELECT 1 FROM dim_intervention AS i WHERE i.natural_key = c.natural_key)
GROUP BY ALL
ORDER BY min(c.record_seq), min(c.ordinal), c.natural_key;
