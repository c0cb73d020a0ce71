-- Interventions of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS bridge_version_intervention (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    intervention_key    BIGINT NOT NULL,
    description         VARCHAR USING COMPRESSION zstd,
    other_names         VARCHAR
);
COMMENT ON TABLE bridge_version_intervention IS 'Bridge between trial versions and interventions, with the version-specific description.';
COMMENT ON COLUMN bridge_version_intervention.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN bridge_version_intervention.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN bridge_version_intervention.intervention_key IS 'Intervention (dim_intervention).';
COMMENT ON COLUMN bridge_version_intervention.description IS 'Intervention description in this version.';
COMMENT ON COLUMN bridge_version_intervention.other_names IS 'Other names of the intervention, separated by "; ".';
-- Added for issue 15 (lists as lists, the rest of the record); one path for new and existing warehouses.
ALTER TABLE bridge_version_intervention ADD COLUMN IF NOT EXISTS other_name_list VARCHAR[];
COMMENT ON COLUMN bridge_version_intervention.other_name_list IS 'Other names of the intervention, as a list (items may contain "; ", which other_names cannot tell apart).';
