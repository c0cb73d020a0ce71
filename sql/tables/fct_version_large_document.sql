-- Large documents of each trial version: protocol, statistical analysis plan, informed consent form.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_large_document (
    version_key    BIGINT NOT NULL,
    ordinal        INTEGER NOT NULL,
    type_abbrev    VARCHAR,
    label          VARCHAR,
    upload_date    VARCHAR,
    filename       VARCHAR,
    url            VARCHAR,
    has_protocol   BOOLEAN,
    has_sap        BOOLEAN,
    has_icf        BOOLEAN,
    document_date  DATE,
    size_bytes     BIGINT
);
COMMENT ON TABLE fct_version_large_document IS 'Large documents of each trial version: protocol, statistical analysis plan, informed consent form (API v2 documentSection; legacy XML provided_document_section).';
COMMENT ON COLUMN fct_version_large_document.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_large_document.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_large_document.type_abbrev IS 'Document type abbreviation, e.g. Prot, SAP, ICF, Prot_SAP.';
COMMENT ON COLUMN fct_version_large_document.label IS 'Document label, e.g. Study Protocol and Statistical Analysis Plan (legacy XML: document_type).';
COMMENT ON COLUMN fct_version_large_document.upload_date IS 'Upload time as given (YYYY-MM-DDTHH:MM, registry time).';
COMMENT ON COLUMN fct_version_large_document.filename IS 'File name on ClinicalTrials.gov.';
COMMENT ON COLUMN fct_version_large_document.url IS 'Document address (legacy XML document_url).';
COMMENT ON COLUMN fct_version_large_document.has_protocol IS 'The document contains the protocol.';
COMMENT ON COLUMN fct_version_large_document.has_sap IS 'The document contains the statistical analysis plan.';
COMMENT ON COLUMN fct_version_large_document.has_icf IS 'The document contains the informed consent form.';
COMMENT ON COLUMN fct_version_large_document.document_date IS 'Date of the document.';
COMMENT ON COLUMN fct_version_large_document.size_bytes IS 'File size, bytes.';
