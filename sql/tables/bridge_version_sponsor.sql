-- Lead sponsor and collaborators of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS bridge_version_sponsor (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    organization_key    BIGINT NOT NULL,
    sponsor_role        VARCHAR NOT NULL CHECK (sponsor_role IN ('LEAD', 'COLLABORATOR'))
);
COMMENT ON TABLE bridge_version_sponsor IS 'Bridge between trial versions and organizations: the lead sponsor and each collaborator.';
COMMENT ON COLUMN bridge_version_sponsor.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN bridge_version_sponsor.ordinal IS 'Position: the lead sponsor first, then collaborators in registered order.';
COMMENT ON COLUMN bridge_version_sponsor.organization_key IS 'Organization (dim_organization).';
COMMENT ON COLUMN bridge_version_sponsor.sponsor_role IS 'LEAD or COLLABORATOR.';
