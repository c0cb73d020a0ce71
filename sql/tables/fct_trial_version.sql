-- Trial versions: one row per distinct content of a trial (type 2 history).
-- Long free texts use ZSTD: unique texts gain little from dictionary compression, and ZSTD
-- makes them a third of the size and the load's write-out about twice as fast.
CREATE TABLE IF NOT EXISTS fct_trial_version (
    version_key                             BIGINT PRIMARY KEY,
    trial_key                               BIGINT NOT NULL REFERENCES dim_trial (trial_key),
    nct_id                                  VARCHAR NOT NULL,
    content_hash                            VARCHAR NOT NULL,
    version_number                          INTEGER,
    valid_from                              DATE,
    valid_to                                DATE,
    is_current                              BOOLEAN NOT NULL DEFAULT false,
    same_last_update_as_previous                  BOOLEAN NOT NULL DEFAULT false,
    first_capture_date                      DATE,
    last_capture_date                       DATE,
    first_source_file_key                   BIGINT NOT NULL REFERENCES dim_source_file (source_file_key),
    first_seen_run_id                       BIGINT NOT NULL,
    source_format                           VARCHAR NOT NULL,
    org_study_id                            VARCHAR,
    brief_title                             VARCHAR,
    official_title                          VARCHAR,
    acronym                                 VARCHAR,
    organization_name                       VARCHAR,
    organization_class                      VARCHAR,
    overall_status                          VARCHAR REFERENCES dim_status (status_code),
    last_known_status                       VARCHAR,
    why_stopped                             VARCHAR,
    study_type                              VARCHAR,
    is_patient_registry                     BOOLEAN,
    phases                                  VARCHAR REFERENCES dim_phase (phases),
    phase_list                              VARCHAR[],
    allocation                              VARCHAR,
    intervention_model                      VARCHAR,
    masking                                 VARCHAR,
    who_masked                              VARCHAR[],
    primary_purpose                         VARCHAR,
    observational_model                     VARCHAR,
    time_perspective                        VARCHAR,
    enrollment_count                        BIGINT,
    enrollment_type                         VARCHAR,
    start_date                              DATE,
    start_date_precision                    VARCHAR,
    start_date_type                         VARCHAR,
    primary_completion_date                 DATE,
    primary_completion_date_precision       VARCHAR,
    primary_completion_date_type            VARCHAR,
    completion_date                         DATE,
    completion_date_precision               VARCHAR,
    completion_date_type                    VARCHAR,
    first_submitted_date                    DATE,
    first_submitted_date_precision          VARCHAR,
    first_posted_date                       DATE,
    first_posted_date_precision             VARCHAR,
    first_posted_date_type                  VARCHAR,
    last_update_submitted_date              DATE,
    last_update_submitted_date_precision    VARCHAR,
    last_update_posted_date                 DATE,
    last_update_posted_date_precision       VARCHAR,
    last_update_posted_date_type            VARCHAR,
    status_verified_date                    DATE,
    status_verified_date_precision          VARCHAR,
    results_first_posted_date               DATE,
    results_first_posted_date_precision     VARCHAR,
    min_age_years                           DOUBLE,
    max_age_years                           DOUBLE,
    min_age_text                            VARCHAR,
    max_age_text                            VARCHAR,
    sex                                     VARCHAR,
    healthy_volunteers                      BOOLEAN,
    eligibility_criteria                    VARCHAR USING COMPRESSION zstd,
    brief_summary                           VARCHAR USING COMPRESSION zstd,
    detailed_description                    VARCHAR USING COMPRESSION zstd,
    has_results                             BOOLEAN NOT NULL,
    has_dmc                                 BOOLEAN,
    is_fda_regulated_drug                   BOOLEAN,
    is_fda_regulated_device                 BOOLEAN,
    has_expanded_access                     BOOLEAN,
    responsible_party_type                  VARCHAR,
    responsible_party_name                  VARCHAR,
    stated_enrollment                       BIGINT,
    stated_enrollment_sentence              VARCHAR USING COMPRESSION zstd,
    stated_min_age                          DOUBLE,
    stated_max_age                          DOUBLE,
    stated_age_sentence                     VARCHAR USING COMPRESSION zstd,
    UNIQUE (nct_id, content_hash)
);
COMMENT ON TABLE fct_trial_version IS 'Trial version fact: one row per distinct content of a trial ever seen (type 2 history), with status, enrollment, design and key dates. Versions are ordered by the record''s own last-update date, then capture date, never by load order.';
COMMENT ON COLUMN fct_trial_version.version_key IS 'Surrogate key of the version, numbered by the load in (trial, timeline) order.';
COMMENT ON COLUMN fct_trial_version.trial_key IS 'Trial (dim_trial).';
COMMENT ON COLUMN fct_trial_version.nct_id IS 'ClinicalTrials.gov identifier (degenerate copy of dim_trial.nct_id for convenience).';
COMMENT ON COLUMN fct_trial_version.content_hash IS 'SHA-256 of the normalized content (provenance excluded); equal hashes mean equal content.';
COMMENT ON COLUMN fct_trial_version.version_number IS '1 for the earliest version of the trial, increasing in timeline order.';
COMMENT ON COLUMN fct_trial_version.valid_from IS 'First day this version describes the trial: its last-update-posted date, else its last-update-submitted date (old XML has no posted date), else its capture date.';
COMMENT ON COLUMN fct_trial_version.valid_to IS 'valid_from of the next version (exclusive); NULL for the current version.';
COMMENT ON COLUMN fct_trial_version.is_current IS 'True for the latest version of the trial in timeline order.';
COMMENT ON COLUMN fct_trial_version.same_last_update_as_previous IS 'True when the previous version has the same last-update-posted date but other content (e.g. re-downloads that differ only in derived fields); both are kept, ordered by capture date.';
COMMENT ON COLUMN fct_trial_version.first_capture_date IS 'Earliest capture date (API versionHolder, XML download_date, page date) at which this content was seen.';
COMMENT ON COLUMN fct_trial_version.last_capture_date IS 'Latest capture date at which this content was seen.';
COMMENT ON COLUMN fct_trial_version.first_source_file_key IS 'File in which this content was first seen.';
COMMENT ON COLUMN fct_trial_version.first_seen_run_id IS 'Run that stored this version.';
COMMENT ON COLUMN fct_trial_version.source_format IS 'Format of the first file holding this content: ctgov-v2-json, ctgov-legacy-xml, trial-page-text.';
COMMENT ON COLUMN fct_trial_version.org_study_id IS 'Sponsor''s own study identifier.';
COMMENT ON COLUMN fct_trial_version.brief_title IS 'Brief title.';
COMMENT ON COLUMN fct_trial_version.official_title IS 'Official title.';
COMMENT ON COLUMN fct_trial_version.acronym IS 'Study acronym.';
COMMENT ON COLUMN fct_trial_version.organization_name IS 'Organization that registered the study (API v2 identificationModule.organization, legacy XML <source>).';
COMMENT ON COLUMN fct_trial_version.organization_class IS 'Agency class of that organization.';
COMMENT ON COLUMN fct_trial_version.overall_status IS 'Overall recruitment status, API v2 code (dim_status).';
COMMENT ON COLUMN fct_trial_version.last_known_status IS 'Status before the registry set UNKNOWN, API v2 code.';
COMMENT ON COLUMN fct_trial_version.why_stopped IS 'Reason given for suspension, termination or withdrawal.';
COMMENT ON COLUMN fct_trial_version.study_type IS 'INTERVENTIONAL, OBSERVATIONAL or EXPANDED_ACCESS.';
COMMENT ON COLUMN fct_trial_version.is_patient_registry IS 'True for observational patient registries (API v2 designModule.patientRegistry; legacy study type "Observational [Patient Registry]"), false when the record says it is not one, NULL when it does not say.';
COMMENT ON COLUMN fct_trial_version.phases IS 'Phases joined by / (dim_phase), e.g. PHASE1/PHASE2; NULL when not given.';
COMMENT ON COLUMN fct_trial_version.phase_list IS 'Phases as a list, API v2 codes.';
COMMENT ON COLUMN fct_trial_version.allocation IS 'RANDOMIZED, NON_RANDOMIZED or NA.';
COMMENT ON COLUMN fct_trial_version.intervention_model IS 'PARALLEL, SINGLE_GROUP, CROSSOVER, FACTORIAL or SEQUENTIAL.';
COMMENT ON COLUMN fct_trial_version.masking IS 'NONE, SINGLE, DOUBLE, TRIPLE or QUADRUPLE.';
COMMENT ON COLUMN fct_trial_version.who_masked IS 'Masked roles: PARTICIPANT, CARE_PROVIDER, INVESTIGATOR, OUTCOMES_ASSESSOR.';
COMMENT ON COLUMN fct_trial_version.primary_purpose IS 'Primary purpose, API v2 code (TREATMENT, PREVENTION, ...).';
COMMENT ON COLUMN fct_trial_version.observational_model IS 'Observational model, API v2 code (COHORT, CASE_CONTROL, ...).';
COMMENT ON COLUMN fct_trial_version.time_perspective IS 'Time perspective, API v2 code (PROSPECTIVE, RETROSPECTIVE, ...).';
COMMENT ON COLUMN fct_trial_version.enrollment_count IS 'Enrollment, number of participants.';
COMMENT ON COLUMN fct_trial_version.enrollment_type IS 'ACTUAL or ESTIMATED (legacy Anticipated).';
COMMENT ON COLUMN fct_trial_version.start_date IS 'Start date; a month or year date is stored as its first day (see start_date_precision).';
COMMENT ON COLUMN fct_trial_version.start_date_precision IS 'Precision of start_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.start_date_type IS 'ACTUAL or ESTIMATED for start_date; NULL when the source does not say.';
COMMENT ON COLUMN fct_trial_version.primary_completion_date IS 'Primary completion date; a month or year date is stored as its first day (see primary_completion_date_precision).';
COMMENT ON COLUMN fct_trial_version.primary_completion_date_precision IS 'Precision of primary_completion_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.primary_completion_date_type IS 'ACTUAL or ESTIMATED for primary_completion_date; NULL when the source does not say.';
COMMENT ON COLUMN fct_trial_version.completion_date IS 'Completion date; a month or year date is stored as its first day (see completion_date_precision).';
COMMENT ON COLUMN fct_trial_version.completion_date_precision IS 'Precision of completion_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.completion_date_type IS 'ACTUAL or ESTIMATED for completion_date; NULL when the source does not say.';
COMMENT ON COLUMN fct_trial_version.first_submitted_date IS 'First submitted date; a month or year date is stored as its first day (see first_submitted_date_precision).';
COMMENT ON COLUMN fct_trial_version.first_submitted_date_precision IS 'Precision of first_submitted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.first_posted_date IS 'First posted date; a month or year date is stored as its first day (see first_posted_date_precision).';
COMMENT ON COLUMN fct_trial_version.first_posted_date_precision IS 'Precision of first_posted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.first_posted_date_type IS 'ACTUAL or ESTIMATED for first_posted_date; NULL when the source does not say.';
COMMENT ON COLUMN fct_trial_version.last_update_submitted_date IS 'Last update submitted date (legacy XML before 2017: lastchanged_date); a month or year date is stored as its first day (see last_update_submitted_date_precision).';
COMMENT ON COLUMN fct_trial_version.last_update_submitted_date_precision IS 'Precision of last_update_submitted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.last_update_posted_date IS 'Last update posted date; a month or year date is stored as its first day (see last_update_posted_date_precision).';
COMMENT ON COLUMN fct_trial_version.last_update_posted_date_precision IS 'Precision of last_update_posted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.last_update_posted_date_type IS 'ACTUAL or ESTIMATED for last_update_posted_date; NULL when the source does not say.';
COMMENT ON COLUMN fct_trial_version.status_verified_date IS 'Status verified date; a month or year date is stored as its first day (see status_verified_date_precision).';
COMMENT ON COLUMN fct_trial_version.status_verified_date_precision IS 'Precision of status_verified_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.results_first_posted_date IS 'Results first posted date; a month or year date is stored as its first day (see results_first_posted_date_precision).';
COMMENT ON COLUMN fct_trial_version.results_first_posted_date_precision IS 'Precision of results_first_posted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.min_age_years IS 'Minimum eligible age in years (months, weeks, days converted); NULL when not limited.';
COMMENT ON COLUMN fct_trial_version.max_age_years IS 'Maximum eligible age in years; NULL when not limited.';
COMMENT ON COLUMN fct_trial_version.min_age_text IS 'Minimum age as registered, e.g. 18 Years.';
COMMENT ON COLUMN fct_trial_version.max_age_text IS 'Maximum age as registered, e.g. N/A.';
COMMENT ON COLUMN fct_trial_version.sex IS 'ALL, FEMALE or MALE.';
COMMENT ON COLUMN fct_trial_version.healthy_volunteers IS 'Accepts healthy volunteers.';
COMMENT ON COLUMN fct_trial_version.eligibility_criteria IS 'Eligibility criteria text, in full.';
COMMENT ON COLUMN fct_trial_version.brief_summary IS 'Brief summary text, in full.';
COMMENT ON COLUMN fct_trial_version.detailed_description IS 'Detailed description text, in full.';
COMMENT ON COLUMN fct_trial_version.has_results IS 'Results have been posted.';
COMMENT ON COLUMN fct_trial_version.has_dmc IS 'Has a data monitoring committee.';
COMMENT ON COLUMN fct_trial_version.is_fda_regulated_drug IS 'Studies a U.S. FDA-regulated drug product.';
COMMENT ON COLUMN fct_trial_version.is_fda_regulated_device IS 'Studies a U.S. FDA-regulated device product.';
COMMENT ON COLUMN fct_trial_version.has_expanded_access IS 'Expanded access is available.';
COMMENT ON COLUMN fct_trial_version.responsible_party_type IS 'SPONSOR, PRINCIPAL_INVESTIGATOR or SPONSOR_INVESTIGATOR.';
COMMENT ON COLUMN fct_trial_version.responsible_party_name IS 'Responsible investigator, when named.';
COMMENT ON COLUMN fct_trial_version.stated_enrollment IS 'Participant count the brief summary (else the description) states as the study''s own target, e.g. "planned to recruit 48 patients" or per-group counts summed; NULL when none is stated. Derived at load, not part of content_hash.';
COMMENT ON COLUMN fct_trial_version.stated_enrollment_sentence IS 'The sentence(s) stated_enrollment was read from.';
COMMENT ON COLUMN fct_trial_version.stated_min_age IS 'Minimum age in years stated in the eligibility criteria text ("aged 18 to 65 years"); NULL when none is stated.';
COMMENT ON COLUMN fct_trial_version.stated_max_age IS 'Maximum age in years stated in the eligibility criteria text; NULL when none is stated.';
COMMENT ON COLUMN fct_trial_version.stated_age_sentence IS 'The criteria sentence stated_min_age and stated_max_age were read from.';

-- Columns added after the first release: ADD COLUMN IF NOT EXISTS is one path for new and
-- existing warehouses alike, and for existing ones is_patient_registry loses its NOT NULL.
ALTER TABLE fct_trial_version ALTER COLUMN is_patient_registry DROP NOT NULL;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS observational_model_legacy VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS unposted_responsible_party VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS time_perspective_legacy VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS results_first_posted_date_type VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS first_submitted_qc_date DATE;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS first_submitted_qc_date_precision VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS last_update_submitted_qc_date DATE;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS last_update_submitted_qc_date_precision VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS results_first_submitted_date DATE;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS results_first_submitted_date_precision VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS results_first_submitted_qc_date DATE;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS results_first_submitted_qc_date_precision VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS disposition_first_submitted_date DATE;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS disposition_first_submitted_date_precision VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS disposition_first_submitted_qc_date DATE;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS disposition_first_submitted_qc_date_precision VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS disposition_first_posted_date DATE;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS disposition_first_posted_date_precision VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS disposition_first_posted_date_type VARCHAR;
COMMENT ON COLUMN fct_trial_version.observational_model_legacy IS 'Observational model as given when API v2 has no code for it (pre-2011 combinations such as Defined Population, Natural History); observational_model is then OTHER.';
COMMENT ON COLUMN fct_trial_version.time_perspective_legacy IS 'Time perspective as given when API v2 has no code for it (e.g. Retrospective/Prospective); time_perspective is then OTHER.';
COMMENT ON COLUMN fct_trial_version.results_first_posted_date_type IS 'ACTUAL or ESTIMATED for results_first_posted_date; NULL when the source does not say.';
COMMENT ON COLUMN fct_trial_version.first_submitted_qc_date IS 'Date the first submitted that met QC criteria; a month or year date is stored as its first day (see first_submitted_qc_date_precision).';
COMMENT ON COLUMN fct_trial_version.first_submitted_qc_date_precision IS 'Precision of first_submitted_qc_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.last_update_submitted_qc_date IS 'Date the last update submitted that met QC criteria (legacy XML only; API v2 does not give it); a month or year date is stored as its first day (see last_update_submitted_qc_date_precision).';
COMMENT ON COLUMN fct_trial_version.last_update_submitted_qc_date_precision IS 'Precision of last_update_submitted_qc_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.results_first_submitted_date IS 'Date the results first submitted (legacy XML before 2017: firstreceived_results_date); a month or year date is stored as its first day (see results_first_submitted_date_precision).';
COMMENT ON COLUMN fct_trial_version.results_first_submitted_date_precision IS 'Precision of results_first_submitted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.results_first_submitted_qc_date IS 'Date the results first submitted that met QC criteria; a month or year date is stored as its first day (see results_first_submitted_qc_date_precision).';
COMMENT ON COLUMN fct_trial_version.results_first_submitted_qc_date_precision IS 'Precision of results_first_submitted_qc_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.disposition_first_submitted_date IS 'Date the certificate of delay (disposition) first submitted; a month or year date is stored as its first day (see disposition_first_submitted_date_precision).';
COMMENT ON COLUMN fct_trial_version.disposition_first_submitted_date_precision IS 'Precision of disposition_first_submitted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.disposition_first_submitted_qc_date IS 'Date the certificate of delay first submitted that met QC criteria; a month or year date is stored as its first day (see disposition_first_submitted_qc_date_precision).';
COMMENT ON COLUMN fct_trial_version.disposition_first_submitted_qc_date_precision IS 'Precision of disposition_first_submitted_qc_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.disposition_first_posted_date IS 'Date the certificate of delay first posted; a month or year date is stored as its first day (see disposition_first_posted_date_precision).';
COMMENT ON COLUMN fct_trial_version.disposition_first_posted_date_precision IS 'Precision of disposition_first_posted_date as given by the source: day, month or year.';
COMMENT ON COLUMN fct_trial_version.disposition_first_posted_date_type IS 'ACTUAL or ESTIMATED for disposition_first_posted_date; NULL when the source does not say.';
COMMENT ON COLUMN fct_trial_version.unposted_responsible_party IS 'Responsible party named on results submitted but not posted yet (API v2 annotationSection).';
-- The rest of the record (issue 15).
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS org_study_id_type VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS org_study_id_link VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS nct_id_aliases VARCHAR[];
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS source_name VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS responsible_party_title VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS responsible_party_affiliation VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS responsible_party_old_organization VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS expanded_access_nct_id VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS oversight_authorities VARCHAR[];
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS intervention_model_description VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS masking_description VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS target_duration VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS biospec_description VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS study_population VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS gender_description VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS ipd_description VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS ipd_time_frame VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS ipd_access_criteria VARCHAR USING COMPRESSION zstd;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS ipd_url VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS removed_countries VARCHAR[];
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS is_us_export BOOLEAN;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS is_unapproved_device BOOLEAN;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS is_ppsd BOOLEAN;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS fdaaa801_violation BOOLEAN;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS is_fda_regulated_legacy BOOLEAN;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS is_section_801 BOOLEAN;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS gender_based BOOLEAN;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS expanded_access_status VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS expanded_access_types VARCHAR[];
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS number_of_arms BIGINT;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS number_of_groups BIGINT;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS biospec_retention VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS sampling_method VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS std_ages VARCHAR[];
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS ipd_sharing VARCHAR;
ALTER TABLE fct_trial_version ADD COLUMN IF NOT EXISTS ipd_info_types VARCHAR[];
COMMENT ON COLUMN fct_trial_version.org_study_id_type IS 'Type of the sponsor''s study identifier (e.g. NIH, FDA).';
COMMENT ON COLUMN fct_trial_version.org_study_id_link IS 'Link for the sponsor''s study identifier.';
COMMENT ON COLUMN fct_trial_version.nct_id_aliases IS 'Other NCT ids that ClinicalTrials.gov merged into this one.';
COMMENT ON COLUMN fct_trial_version.source_name IS 'Legacy XML <source>: the organization that provided the record.';
COMMENT ON COLUMN fct_trial_version.responsible_party_title IS 'Responsible investigator''s official title.';
COMMENT ON COLUMN fct_trial_version.responsible_party_affiliation IS 'Responsible investigator''s affiliation.';
COMMENT ON COLUMN fct_trial_version.responsible_party_old_organization IS 'Responsible party organization in the pre-2017 form (API v2 oldOrganization, legacy XML responsible_party/organization).';
COMMENT ON COLUMN fct_trial_version.expanded_access_nct_id IS 'NCT id of the expanded-access record linked to this study.';
COMMENT ON COLUMN fct_trial_version.oversight_authorities IS 'Legacy XML before 2017: oversight authorities, e.g. United States: Food and Drug Administration.';
COMMENT ON COLUMN fct_trial_version.intervention_model_description IS 'Description of the intervention model.';
COMMENT ON COLUMN fct_trial_version.masking_description IS 'Description of the masking.';
COMMENT ON COLUMN fct_trial_version.target_duration IS 'Observational: target follow-up duration, as given (e.g. 10 Years).';
COMMENT ON COLUMN fct_trial_version.biospec_description IS 'Observational: description of the biospecimens retained.';
COMMENT ON COLUMN fct_trial_version.study_population IS 'Observational: study population description.';
COMMENT ON COLUMN fct_trial_version.gender_description IS 'Gender-based eligibility description.';
COMMENT ON COLUMN fct_trial_version.ipd_description IS 'IPD sharing plan description.';
COMMENT ON COLUMN fct_trial_version.ipd_time_frame IS 'When individual participant data will be available.';
COMMENT ON COLUMN fct_trial_version.ipd_access_criteria IS 'Who may access individual participant data, and how.';
COMMENT ON COLUMN fct_trial_version.ipd_url IS 'Where individual participant data can be requested.';
COMMENT ON COLUMN fct_trial_version.removed_countries IS 'Countries that had sites which were removed from the record.';
COMMENT ON COLUMN fct_trial_version.is_us_export IS 'The product is manufactured in and exported from the U.S.';
COMMENT ON COLUMN fct_trial_version.is_unapproved_device IS 'The study includes a device not approved or cleared by the FDA.';
COMMENT ON COLUMN fct_trial_version.is_ppsd IS 'The device is a pediatric postmarket surveillance device.';
COMMENT ON COLUMN fct_trial_version.fdaaa801_violation IS 'The record has an FDAAA 801 violation notice.';
COMMENT ON COLUMN fct_trial_version.is_fda_regulated_legacy IS 'Legacy XML before 2017: is_fda_regulated (retired element, not split by drug and device).';
COMMENT ON COLUMN fct_trial_version.is_section_801 IS 'Legacy XML before 2017: an applicable clinical trial under FDAAA section 801 (retired element).';
COMMENT ON COLUMN fct_trial_version.gender_based IS 'Eligibility is based on gender identity.';
COMMENT ON COLUMN fct_trial_version.expanded_access_status IS 'Status of the linked expanded-access record (AVAILABLE, NO_LONGER_AVAILABLE, ...).';
COMMENT ON COLUMN fct_trial_version.expanded_access_types IS 'Expanded access: INDIVIDUAL, INTERMEDIATE and/or TREATMENT (size of population).';
COMMENT ON COLUMN fct_trial_version.number_of_arms IS 'Legacy XML: number of arms as stated by the record.';
COMMENT ON COLUMN fct_trial_version.number_of_groups IS 'Legacy XML: number of groups or cohorts (observational) as stated by the record.';
COMMENT ON COLUMN fct_trial_version.biospec_retention IS 'Observational: NONE_RETAINED, SAMPLES_WITH_DNA or SAMPLES_WITHOUT_DNA.';
COMMENT ON COLUMN fct_trial_version.sampling_method IS 'Observational: PROBABILITY_SAMPLE or NON_PROBABILITY_SAMPLE.';
COMMENT ON COLUMN fct_trial_version.std_ages IS 'Standard age groups derived by ClinicalTrials.gov: CHILD, ADULT, OLDER_ADULT.';
COMMENT ON COLUMN fct_trial_version.ipd_sharing IS 'Plan to share individual participant data: YES, NO or UNDECIDED.';
COMMENT ON COLUMN fct_trial_version.ipd_info_types IS 'Documents shared with the IPD: STUDY_PROTOCOL, SAP, ICF, CSR, ANALYTIC_CODE.';
