-- MeSH browse tree of each trial version's conditions and interventions, as derived by ClinicalTrials.gov: ancestors, browse leaves.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_mesh_browse (
    version_key  BIGINT NOT NULL,
    ordinal      INTEGER NOT NULL,
    mesh_kind    VARCHAR NOT NULL,
    entry_kind   VARCHAR NOT NULL,
    entry_id     VARCHAR,
    term         VARCHAR,
    as_found     VARCHAR,
    relevance    VARCHAR,
    abbrev       VARCHAR
);
COMMENT ON TABLE fct_version_mesh_browse IS 'MeSH browse tree of each trial version''s conditions and interventions, as derived by ClinicalTrials.gov: ancestors, browse leaves (with relevance) and branches.';
COMMENT ON COLUMN fct_version_mesh_browse.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_mesh_browse.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_mesh_browse.mesh_kind IS 'CONDITION or INTERVENTION.';
COMMENT ON COLUMN fct_version_mesh_browse.entry_kind IS 'ANCESTOR (a broader MeSH term), LEAF (a browse leaf) or BRANCH (a browse branch).';
COMMENT ON COLUMN fct_version_mesh_browse.entry_id IS 'MeSH id (ancestors, D...) or browse leaf id (M...); NULL for branches.';
COMMENT ON COLUMN fct_version_mesh_browse.term IS 'Term (ancestor), leaf name or branch name.';
COMMENT ON COLUMN fct_version_mesh_browse.as_found IS 'LEAF: the text of the record the leaf was matched from.';
COMMENT ON COLUMN fct_version_mesh_browse.relevance IS 'LEAF: HIGH or LOW.';
COMMENT ON COLUMN fct_version_mesh_browse.abbrev IS 'BRANCH: branch abbreviation, e.g. BC04.';
