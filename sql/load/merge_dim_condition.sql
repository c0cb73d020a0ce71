-- Add conditions not seen before.
INSERT INTO dim_condition (condition_name, condition_lower)
SELECT DISTINCT s.name, lower(s.name)
FROM stg_conditions AS s
JOIN stg_new_version USING (record_seq)
WHERE s.name IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM dim_condition AS c WHERE c.condition_name = s.name);
