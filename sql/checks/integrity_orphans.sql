-- Integrity input: rows in version-owned tables whose version does not exist (must be none).
SELECT 'bridge_version_condition' AS table_name, count(*) AS orphan_rows FROM bridge_version_condition WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'bridge_version_intervention', count(*) FROM bridge_version_intervention WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'bridge_version_sponsor', count(*) FROM bridge_version_sponsor WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'bridge_version_site', count(*) FROM bridge_version_site WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'bridge_version_keyword', count(*) FROM bridge_version_keyword WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'bridge_version_mesh_term', count(*) FROM bridge_version_mesh_term WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'fct_version_arm', count(*) FROM fct_version_arm WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'fct_version_outcome', count(*) FROM fct_version_outcome WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'fct_version_secondary_id', count(*) FROM fct_version_secondary_id WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'fct_version_official', count(*) FROM fct_version_official WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'fct_version_contact', count(*) FROM fct_version_contact WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version)
UNION ALL SELECT 'fct_record_sighting', count(*) FROM fct_record_sighting WHERE version_key NOT IN (SELECT version_key FROM fct_trial_version);
