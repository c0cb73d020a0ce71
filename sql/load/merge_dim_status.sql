-- Keep codes the API enumeration does not list, flagged unknown, rather than refuse them.
INSERT INTO dim_status
SELECT DISTINCT overall_status, overall_status, false, false, false
FROM stg_versions
WHERE overall_status IS NOT NULL
  AND overall_status NOT IN (SELECT status_code FROM dim_status);
