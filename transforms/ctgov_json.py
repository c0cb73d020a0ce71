"""Map API v2 studies (read with `STUDY_SCHEMA`) to canonical raw frames, with polars.

The mapping to the canonical record is a handful of column expressions and explodes: the
scalars here, the protocol lists in `ctgov_json_lists`, the results section in
`results_json` and `results_json_measures`. Every value is passed on as raw text for
`normalize`, trimmed, empty as null.
"""

from __future__ import annotations

import polars as pl

from transforms.canonical import PROVENANCE_FIELDS, SCALAR_FIELDS
from transforms.ctgov_json_lists import CHILD_BUILDERS
from transforms.ctgov_json_schema import DESIGN, ELIGIBILITY, IDENTIFICATION, IPD, PROTOCOL, SPONSORS, STATUS
from transforms.results_json import RESULT_BUILDERS
from transforms.results_json_measures import MEASURE_BUILDERS
from transforms.results_json_schema import UNPOSTED_RESPONSIBLE_PARTY
from transforms.struct_paths import at as _at
from transforms.struct_paths import clean as _clean
from transforms.struct_paths import clean_list as _clean_list

_SCALARS: dict[str, tuple[str, ...]] = {
    "capture_date_raw": ("derivedSection", "miscInfoModule", "versionHolder"),
    "nct_id": (*IDENTIFICATION, "nctId"),
    "org_study_id": (*IDENTIFICATION, "orgStudyIdInfo", "id"),
    "brief_title": (*IDENTIFICATION, "briefTitle"),
    "official_title": (*IDENTIFICATION, "officialTitle"),
    "acronym": (*IDENTIFICATION, "acronym"),
    "organization_name": (*IDENTIFICATION, "organization", "fullName"),
    "organization_class_raw": (*IDENTIFICATION, "organization", "class"),
    "overall_status_raw": (*STATUS, "overallStatus"),
    "last_known_status_raw": (*STATUS, "lastKnownStatus"),
    "why_stopped": (*STATUS, "whyStopped"),
    "study_type_raw": (*DESIGN, "studyType"),
    "patient_registry_raw": (*DESIGN, "patientRegistry"),
    "allocation_raw": (*DESIGN, "designInfo", "allocation"),
    "intervention_model_raw": (*DESIGN, "designInfo", "interventionModel"),
    "masking_raw": (*DESIGN, "designInfo", "maskingInfo", "masking"),
    "primary_purpose_raw": (*DESIGN, "designInfo", "primaryPurpose"),
    "observational_model_raw": (*DESIGN, "designInfo", "observationalModel"),
    "time_perspective_raw": (*DESIGN, "designInfo", "timePerspective"),
    "enrollment_count_raw": (*DESIGN, "enrollmentInfo", "count"),
    "enrollment_type_raw": (*DESIGN, "enrollmentInfo", "type"),
    "start_date_raw": (*STATUS, "startDateStruct", "date"),
    "start_date_type_raw": (*STATUS, "startDateStruct", "type"),
    "primary_completion_date_raw": (*STATUS, "primaryCompletionDateStruct", "date"),
    "primary_completion_date_type_raw": (*STATUS, "primaryCompletionDateStruct", "type"),
    "completion_date_raw": (*STATUS, "completionDateStruct", "date"),
    "completion_date_type_raw": (*STATUS, "completionDateStruct", "type"),
    "first_submitted_date_raw": (*STATUS, "studyFirstSubmitDate"),
    "first_posted_date_raw": (*STATUS, "studyFirstPostDateStruct", "date"),
    "first_posted_date_type_raw": (*STATUS, "studyFirstPostDateStruct", "type"),
    "last_update_submitted_date_raw": (*STATUS, "lastUpdateSubmitDate"),
    "last_update_posted_date_raw": (*STATUS, "lastUpdatePostDateStruct", "date"),
    "last_update_posted_date_type_raw": (*STATUS, "lastUpdatePostDateStruct", "type"),
    "status_verified_date_raw": (*STATUS, "statusVerifiedDate"),
    "results_first_posted_date_raw": (*STATUS, "resultsFirstPostDateStruct", "date"),
    "results_first_posted_date_type_raw": (*STATUS, "resultsFirstPostDateStruct", "type"),
    "first_submitted_qc_date_raw": (*STATUS, "studyFirstSubmitQcDate"),
    "results_first_submitted_date_raw": (*STATUS, "resultsFirstSubmitDate"),
    "results_first_submitted_qc_date_raw": (*STATUS, "resultsFirstSubmitQcDate"),
    "disposition_first_submitted_date_raw": (*STATUS, "dispFirstSubmitDate"),
    "disposition_first_submitted_qc_date_raw": (*STATUS, "dispFirstSubmitQcDate"),
    "disposition_first_posted_date_raw": (*STATUS, "dispFirstPostDateStruct", "date"),
    "disposition_first_posted_date_type_raw": (*STATUS, "dispFirstPostDateStruct", "type"),
    "min_age_raw": (*ELIGIBILITY, "minimumAge"),
    "max_age_raw": (*ELIGIBILITY, "maximumAge"),
    "sex_raw": (*ELIGIBILITY, "sex"),
    "healthy_volunteers_raw": (*ELIGIBILITY, "healthyVolunteers"),
    "eligibility_criteria": (*ELIGIBILITY, "eligibilityCriteria"),
    "brief_summary": (*PROTOCOL, "descriptionModule", "briefSummary"),
    "detailed_description": (*PROTOCOL, "descriptionModule", "detailedDescription"),
    "has_results_raw": ("hasResults",),
    "has_dmc_raw": (*PROTOCOL, "oversightModule", "oversightHasDmc"),
    "is_fda_regulated_drug_raw": (*PROTOCOL, "oversightModule", "isFdaRegulatedDrug"),
    "is_fda_regulated_device_raw": (*PROTOCOL, "oversightModule", "isFdaRegulatedDevice"),
    "has_expanded_access_raw": (*STATUS, "expandedAccessInfo", "hasExpandedAccess"),
    "responsible_party_type_raw": (*SPONSORS, "responsibleParty", "type"),
    "unposted_responsible_party": UNPOSTED_RESPONSIBLE_PARTY,
    "org_study_id_type": (*IDENTIFICATION, "orgStudyIdInfo", "type"),
    "org_study_id_link": (*IDENTIFICATION, "orgStudyIdInfo", "link"),
    "responsible_party_title": (*SPONSORS, "responsibleParty", "investigatorTitle"),
    "responsible_party_affiliation": (*SPONSORS, "responsibleParty", "investigatorAffiliation"),
    "responsible_party_old_organization": (*SPONSORS, "responsibleParty", "oldOrganization"),
    "expanded_access_nct_id": (*STATUS, "expandedAccessInfo", "nctId"),
    "expanded_access_status_raw": (*STATUS, "expandedAccessInfo", "statusForNctId"),
    "is_us_export_raw": (*PROTOCOL, "oversightModule", "isUsExport"),
    "is_unapproved_device_raw": (*PROTOCOL, "oversightModule", "isUnapprovedDevice"),
    "is_ppsd_raw": (*PROTOCOL, "oversightModule", "isPpsd"),
    "fdaaa801_violation_raw": (*PROTOCOL, "oversightModule", "fdaaa801Violation"),
    "intervention_model_description": (*DESIGN, "designInfo", "interventionModelDescription"),
    "masking_description": (*DESIGN, "designInfo", "maskingInfo", "maskingDescription"),
    "target_duration": (*DESIGN, "targetDuration"),
    "biospec_retention_raw": (*DESIGN, "bioSpec", "retention"),
    "biospec_description": (*DESIGN, "bioSpec", "description"),
    "sampling_method_raw": (*ELIGIBILITY, "samplingMethod"),
    "study_population": (*ELIGIBILITY, "studyPopulation"),
    "gender_based_raw": (*ELIGIBILITY, "genderBased"),
    "gender_description": (*ELIGIBILITY, "genderDescription"),
    "ipd_sharing_raw": (*IPD, "ipdSharing"),
    "ipd_description": (*IPD, "description"),
    "ipd_time_frame": (*IPD, "timeFrame"),
    "ipd_access_criteria": (*IPD, "accessCriteria"),
    "ipd_url": (*IPD, "url"),
}

# List scalars: (column, path of the list of texts).
_LIST_SCALARS: dict[str, tuple[str, ...]] = {
    "nct_id_aliases": (*IDENTIFICATION, "nctIdAliases"),
    "std_ages_raw": (*ELIGIBILITY, "stdAges"),
    "ipd_info_types_raw": (*IPD, "infoTypes"),
    "removed_countries": ("derivedSection", "miscInfoModule", "removedCountries"),
}


def _version_columns() -> list[pl.Expr]:
    columns = [_clean(_at(*path)).alias(name) for name, path in _SCALARS.items()]
    columns += [
        _clean_list(_at(*DESIGN, "phases")).alias("phases_raw"),
        _clean_list(_at(*DESIGN, "designInfo", "maskingInfo", "whoMasked")).alias("who_masked_raw"),
        pl.coalesce(
            _clean(_at(*SPONSORS, "responsibleParty", "investigatorFullName")),
            _clean(_at(*SPONSORS, "responsibleParty", "oldNameTitle")),
        ).alias("responsible_party_name"),
        *[_clean_list(_at(*path)).alias(name) for name, path in _LIST_SCALARS.items()],
        _expanded_access_types().alias("expanded_access_types_raw"),
    ]
    return columns


def _expanded_access_types() -> pl.Expr:
    """designModule.expandedAccessTypes {individual: true, ...} -> ["INDIVIDUAL", ...]."""
    types = _at(*DESIGN, "expandedAccessTypes")
    flags = [
        pl.when(_clean(types.struct.field(name)).str.to_lowercase() == "true").then(pl.lit(name.upper()))
        for name in ("individual", "intermediate", "treatment")
    ]
    return pl.concat_list(flags).list.drop_nulls()


# Every child kind of the canonical record, protocol lists first, then the results section.
_BUILDERS = {**CHILD_BUILDERS, **RESULT_BUILDERS, **MEASURE_BUILDERS}


def extract_frames(studies: pl.DataFrame, first_seq: int = 0) -> dict[str, pl.DataFrame]:
    """Studies read with `STUDY_SCHEMA` -> raw canonical frames ({"versions": ..., kind: ...}),
    keyed by `record_seq` = first_seq + row position. Provenance columns already on the
    studies (record_index, source_member, ...) pass through to the versions."""
    studies = studies.rechunk().with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_seq).alias("record_seq"))
    provenance = [name for name in PROVENANCE_FIELDS if name in studies.columns]
    versions = studies.select("record_seq", *provenance, *_version_columns())
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in SCALAR_FIELDS.items() if name not in versions.columns]
    versions = versions.with_columns(missing).select(
        "record_seq", *[pl.col(name).cast(dtype) for name, dtype in SCALAR_FIELDS.items()]
    )
    return {"versions": versions, **{kind: build(studies) for kind, build in _BUILDERS.items()}}
