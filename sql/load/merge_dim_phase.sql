-- Keep phase combinations that are not standard, flagged unknown, rather than refuse them.
INSERT INTO dim_phase
SELECT DISTINCT phases, phases, 99, false
FROM stg_versions
WHERE phases IS NOT NULL
  AND phases NOT IN (SELECT phases FROM dim_phase);
