-- Integrity input: rows of version-owned tables whose version, or dimension row, does not
-- exist (must be none). These tables carry no foreign keys (an index per reference over tens
-- of millions of rows would cost more than it protects): this check is their guarantee. Read
-- among the rows of versions keyed $first_version_key or later and the sightings of runs from
-- $first_sighting_run_id on: what this run wrote, or everything when the checks run over the
-- whole warehouse (see integrity_duplicate_keys.sql).
WITH versions AS (SELECT version_key FROM fct_trial_version WHERE version_key >= $first_version_key),
counts AS (
    SELECT 'bridge_version_condition' AS table_name, count(*) AS orphan_rows FROM bridge_version_condition
    WHERE version_key >= $first_version_key
      AND (version_key NOT IN (SELECT version_key FROM versions)
           OR condition_key NOT IN (SELECT condition_key FROM dim_condition))
    UNION ALL SELECT 'bridge_version_intervention', count(*) FROM bridge_version_intervention
    WHERE version_key >= $first_version_key
      AND (version_key NOT IN (SELECT version_key FROM versions)
           OR intervention_key NOT IN (SELECT intervention_key FROM dim_intervention))
    UNION ALL SELECT 'bridge_version_sponsor', count(*) FROM bridge_version_sponsor
    WHERE version_key >= $first_version_key
      AND (version_key NOT IN (SELECT version_key FROM versions)
           OR organization_key NOT IN (SELECT organization_key FROM dim_organization))
    UNION ALL SELECT 'bridge_version_site', count(*) FROM bridge_version_site
    WHERE version_key >= $first_version_key
      AND (version_key NOT IN (SELECT version_key FROM versions)
           OR facility_key NOT IN (SELECT facility_key FROM dim_facility))
    UNION ALL SELECT 'bridge_version_keyword', count(*) FROM bridge_version_keyword
    WHERE version_key >= $first_version_key AND version_key NOT IN (SELECT version_key FROM versions)
    UNION ALL SELECT 'bridge_version_mesh_term', count(*) FROM bridge_version_mesh_term
    WHERE version_key >= $first_version_key AND version_key NOT IN (SELECT version_key FROM versions)
    UNION ALL SELECT 'fct_version_arm', count(*) FROM fct_version_arm
    WHERE version_key >= $first_version_key AND version_key NOT IN (SELECT version_key FROM versions)
    UNION ALL SELECT 'fct_version_outcome', count(*) FROM fct_version_outcome
    WHERE version_key >= $first_version_key AND version_key NOT IN (SELECT version_key FROM versions)
    UNION ALL SELECT 'fct_version_secondary_id', count(*) FROM fct_version_secondary_id
    WHERE version_key >= $first_version_key AND version_key NOT IN (SELECT version_key FROM versions)
    UNION ALL SELECT 'fct_version_official', count(*) FROM fct_version_official
    WHERE version_key >= $first_version_key AND version_key NOT IN (SELECT version_key FROM versions)
    UNION ALL SELECT 'fct_version_contact', count(*) FROM fct_version_contact
    WHERE version_key >= $first_version_key AND version_key NOT IN (SELECT version_key FROM versions)
    -- A sighting may name any stored version (a record read again tonight carries an old one).
    UNION ALL SELECT 'fct_record_sighting', count(*) FROM fct_record_sighting
    WHERE run_id >= $first_sighting_run_id AND version_key NOT IN (SELECT version_key FROM fct_trial_version)
)
SELECT * FROM counts ORDER BY table_name;
