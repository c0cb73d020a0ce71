-- Results of each trial version that has any.
-- Version-owned like fct_version_outcome: key (version_key, ordinal), produced by the load
-- from the staged rows of new versions (no index: tens of millions of rows at registry scale).
CREATE TABLE IF NOT EXISTS fct_version_result (
    version_key                      BIGINT NOT NULL,
    ordinal                          INTEGER NOT NULL,
    recruitment_details              VARCHAR USING COMPRESSION zstd,
    pre_assignment_details           VARCHAR USING COMPRESSION zstd,
    flow_units_analyzed              VARCHAR,
    baseline_population_description  VARCHAR USING COMPRESSION zstd,
    baseline_units_analyzed          VARCHAR,
    ae_frequency_threshold           DOUBLE,
    ae_time_frame                    VARCHAR USING COMPRESSION zstd,
    ae_description                   VARCHAR USING COMPRESSION zstd,
    limitations_and_caveats          VARCHAR USING COMPRESSION zstd,
    pi_sponsor_employee              BOOLEAN,
    restriction_type                 VARCHAR,
    restrictive_agreement            BOOLEAN,
    agreement_other_details          VARCHAR USING COMPRESSION zstd,
    poc_title                        VARCHAR,
    poc_organization                 VARCHAR,
    poc_email                        VARCHAR,
    poc_phone                        VARCHAR,
    poc_phone_ext                    VARCHAR
);
COMMENT ON TABLE fct_version_result IS 'Results of each trial version that has any (API v2 resultsSection, legacy XML clinical_results): the scalar texts of the participant flow, baseline, adverse events and more-information modules.';
COMMENT ON COLUMN fct_version_result.version_key IS 'Trial version (fct_trial_version).';
COMMENT ON COLUMN fct_version_result.ordinal IS 'Row position within the version (0-based), in the order of the record.';
COMMENT ON COLUMN fct_version_result.recruitment_details IS 'Recruitment details of the participant flow (where and when participants were recruited).';
COMMENT ON COLUMN fct_version_result.pre_assignment_details IS 'Significant events after enrolment and before group assignment (e.g. wash-out, run-in).';
COMMENT ON COLUMN fct_version_result.flow_units_analyzed IS 'Unit analysed in the participant flow when not participants (e.g. eyes).';
COMMENT ON COLUMN fct_version_result.baseline_population_description IS 'Baseline analysis population description.';
COMMENT ON COLUMN fct_version_result.baseline_units_analyzed IS 'Unit analysed in the baseline when not participants.';
COMMENT ON COLUMN fct_version_result.ae_frequency_threshold IS 'Frequency threshold for reporting other (not serious) adverse events, percent.';
COMMENT ON COLUMN fct_version_result.ae_time_frame IS 'Time frame of adverse-event collection.';
COMMENT ON COLUMN fct_version_result.ae_description IS 'Adverse-event reporting description (definitions that differ from clinicaltrials.gov''s).';
COMMENT ON COLUMN fct_version_result.limitations_and_caveats IS 'Limitations and caveats of the results.';
COMMENT ON COLUMN fct_version_result.pi_sponsor_employee IS 'True when all principal investigators are employed by the sponsor.';
COMMENT ON COLUMN fct_version_result.restriction_type IS 'Kind of agreement restricting the PI''s publication rights: LTE60 (embargo up to 60 days), GT60 (60 to 180 days), OTHER.';
COMMENT ON COLUMN fct_version_result.restrictive_agreement IS 'True when an agreement restricts the PI''s rights to discuss or publish results.';
COMMENT ON COLUMN fct_version_result.agreement_other_details IS 'The sponsor''s description of an OTHER agreement.';
COMMENT ON COLUMN fct_version_result.poc_title IS 'Results point of contact: name or official title.';
COMMENT ON COLUMN fct_version_result.poc_organization IS 'Results point of contact: organization.';
COMMENT ON COLUMN fct_version_result.poc_email IS 'Results point of contact: e-mail.';
COMMENT ON COLUMN fct_version_result.poc_phone IS 'Results point of contact: phone.';
COMMENT ON COLUMN fct_version_result.poc_phone_ext IS 'Results point of contact: phone extension.';
ALTER TABLE fct_version_result ADD COLUMN IF NOT EXISTS ae_frequency_threshold_text VARCHAR;
COMMENT ON COLUMN fct_version_result.ae_frequency_threshold_text IS 'Frequency threshold as given (legacy XML may hold text such as any).';
