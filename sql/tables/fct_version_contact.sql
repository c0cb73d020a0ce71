-- Central and site contacts of each trial version.
-- Key (version_key, ordinal) and references: produced by the load, verified before every
-- publication by the warehouse_integrity suite (no index: tens of millions of rows).
CREATE TABLE IF NOT EXISTS fct_version_contact (
    version_key         BIGINT NOT NULL,
    ordinal             INTEGER NOT NULL,
    contact_scope       VARCHAR NOT NULL CHECK (contact_scope IN ('CENTRAL', 'FACILITY')),
    contact_name        VARCHAR,
    contact_role        VARCHAR,
    phone               VARCHAR,
    email               VARCHAR,
    facility_name       VARCHAR
);
COMMENT ON TABLE fct_version_contact IS 'Contacts of each trial version: central contacts and contacts at a site.';
COMMENT ON COLUMN fct_version_contact.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_contact.ordinal IS 'Position in the registered list (0-based).';
COMMENT ON COLUMN fct_version_contact.contact_scope IS 'CENTRAL (for the whole study) or FACILITY (for one site).';
COMMENT ON COLUMN fct_version_contact.contact_name IS 'Contact name as registered.';
COMMENT ON COLUMN fct_version_contact.contact_role IS 'CONTACT, CONTACT_BACKUP, PRIMARY or another registered role.';
COMMENT ON COLUMN fct_version_contact.phone IS 'Phone number as registered.';
COMMENT ON COLUMN fct_version_contact.email IS 'E-mail address as registered.';
COMMENT ON COLUMN fct_version_contact.facility_name IS 'Facility the contact belongs to, for FACILITY contacts.';
-- Added for issue 15 (lists as lists, the rest of the record); one path for new and existing warehouses.
ALTER TABLE fct_version_contact ADD COLUMN IF NOT EXISTS phone_ext VARCHAR;
COMMENT ON COLUMN fct_version_contact.phone_ext IS 'Phone extension.';
