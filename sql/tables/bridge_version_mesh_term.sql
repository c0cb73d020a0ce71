-- MeSH terms the registry derived for each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS bridge_version_mesh_term (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    mesh_kind           VARCHAR NOT NULL CHECK (mesh_kind IN ('CONDITION', 'INTERVENTION')),
    mesh_id             VARCHAR,
    mesh_term           VARCHAR NOT NULL
);
COMMENT ON TABLE bridge_version_mesh_term IS 'MeSH terms derived by the registry for the conditions and interventions of each version (API derivedSection, XML condition_browse / intervention_browse, the keyword line of a study page).';
COMMENT ON COLUMN bridge_version_mesh_term.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN bridge_version_mesh_term.ordinal IS 'Position in the list (0-based).';
COMMENT ON COLUMN bridge_version_mesh_term.mesh_kind IS 'CONDITION or INTERVENTION.';
COMMENT ON COLUMN bridge_version_mesh_term.mesh_id IS 'MeSH descriptor id, e.g. D000013166, when the source gives it.';
COMMENT ON COLUMN bridge_version_mesh_term.mesh_term IS 'MeSH term.';
