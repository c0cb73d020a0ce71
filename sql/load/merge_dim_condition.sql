-- Add conditions not seen before, keys in order of first appearance.
INSERT INTO dim_condition (condition_name, condition_lower)
SELECT s.name, lower(s.name)
FROM stg_conditions AS s
JOIN stg_new_version USING (record_seq)
WHERE s.name IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM dim_condition AS c WHERE c.condition_name = s.name)
GROUP BY s.name
ORDER BY min(s.record_seq), min(s.ordinal), s.name;
