-- Arms (groups) of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS fct_version_arm (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    arm_label           VARCHAR,
    arm_type            VARCHAR,
    arm_description     VARCHAR USING COMPRESSION zstd,
    intervention_names  VARCHAR
);
COMMENT ON TABLE fct_version_arm IS 'Arms or groups of each trial version.';
COMMENT ON COLUMN fct_version_arm.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_arm.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN fct_version_arm.arm_label IS 'Arm label.';
COMMENT ON COLUMN fct_version_arm.arm_type IS 'EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, SHAM_COMPARATOR, NO_INTERVENTION or OTHER.';
COMMENT ON COLUMN fct_version_arm.arm_description IS 'Arm description.';
COMMENT ON COLUMN fct_version_arm.intervention_names IS 'Interventions given in the arm, as "Type: Name" separated by "; ".';
-- Added for issue 15 (lists as lists, the rest of the record); one path for new and existing warehouses.
ALTER TABLE fct_version_arm ADD COLUMN IF NOT EXISTS intervention_name_list VARCHAR[];
COMMENT ON COLUMN fct_version_arm.intervention_name_list IS 'Interventions given in the arm (Type: Name), as a list.';
