"""The canonical trial record: one shape for every source format.

Extractors (`ctgov_json`, `ctgov_xml`, `trial_pages`) only *locate* values by the
structure of their format and hand them over as raw text; `normalize` turns the raw
text into API v2 enumerations, typed dates and ages with polars. Keeping the two apart
means a new source format only needs a new extractor, never new normalization rules.

A record is a plain dict with the scalar keys of `SCALAR_FIELDS` and one list per
entry of `CHILD_FIELDS` (each a list of dicts with that entry's keys).
"""

from __future__ import annotations

import polars as pl
from polars._typing import PolarsDataType

# Provenance: where and when the record was seen. Not part of the content hash, so the
# same content seen in two files is one version with two sightings.
PROVENANCE_FIELDS: dict[str, PolarsDataType] = {
    "source_path": pl.String,
    "source_member": pl.String,
    "record_index": pl.Int64,
    "source_sha256": pl.String,
    "source_format": pl.String,
    "capture_date_raw": pl.String,
}
# The same columns on a normalized version, keyed by the batch's record_seq (the capture date
# parsed): where a record was seen, not what it says.
PROVENANCE_COLUMNS = ("record_seq", *[name.removesuffix("_raw") for name in PROVENANCE_FIELDS])

# Scalar content fields, raw text as located in the source (normalized later).
CONTENT_FIELDS: dict[str, PolarsDataType] = {
    "nct_id": pl.String,
    "org_study_id": pl.String,
    "brief_title": pl.String,
    "official_title": pl.String,
    "acronym": pl.String,
    "organization_name": pl.String,
    "organization_class_raw": pl.String,
    "overall_status_raw": pl.String,
    "last_known_status_raw": pl.String,
    "why_stopped": pl.String,
    "study_type_raw": pl.String,
    "patient_registry_raw": pl.String,
    "phases_raw": pl.List(pl.String),
    "allocation_raw": pl.String,
    "intervention_model_raw": pl.String,
    "masking_raw": pl.String,
    "who_masked_raw": pl.List(pl.String),
    "primary_purpose_raw": pl.String,
    "observational_model_raw": pl.String,
    "time_perspective_raw": pl.String,
    "enrollment_count_raw": pl.String,
    "enrollment_type_raw": pl.String,
    "start_date_raw": pl.String,
    "start_date_type_raw": pl.String,
    "primary_completion_date_raw": pl.String,
    "primary_completion_date_type_raw": pl.String,
    "completion_date_raw": pl.String,
    "completion_date_type_raw": pl.String,
    "first_submitted_date_raw": pl.String,
    "first_posted_date_raw": pl.String,
    "first_posted_date_type_raw": pl.String,
    "last_update_submitted_date_raw": pl.String,
    "last_update_posted_date_raw": pl.String,
    "last_update_posted_date_type_raw": pl.String,
    "status_verified_date_raw": pl.String,
    "results_first_posted_date_raw": pl.String,
    "results_first_posted_date_type_raw": pl.String,
    "first_submitted_qc_date_raw": pl.String,
    "last_update_submitted_qc_date_raw": pl.String,
    "results_first_submitted_date_raw": pl.String,
    "results_first_submitted_qc_date_raw": pl.String,
    "disposition_first_submitted_date_raw": pl.String,
    "disposition_first_submitted_qc_date_raw": pl.String,
    "disposition_first_posted_date_raw": pl.String,
    "disposition_first_posted_date_type_raw": pl.String,
    "min_age_raw": pl.String,
    "max_age_raw": pl.String,
    "sex_raw": pl.String,
    "healthy_volunteers_raw": pl.String,
    "eligibility_criteria": pl.String,
    "brief_summary": pl.String,
    "detailed_description": pl.String,
    "has_results_raw": pl.String,
    "has_dmc_raw": pl.String,
    "is_fda_regulated_drug_raw": pl.String,
    "is_fda_regulated_device_raw": pl.String,
    "has_expanded_access_raw": pl.String,
    "responsible_party_type_raw": pl.String,
    "responsible_party_name": pl.String,
    "unposted_responsible_party": pl.String,
    # The rest of the record (issue 15): protocol texts and flags, lists kept as lists.
    "org_study_id_type": pl.String,
    "org_study_id_link": pl.String,
    "nct_id_aliases": pl.List(pl.String),
    "source_name": pl.String,
    "responsible_party_title": pl.String,
    "responsible_party_affiliation": pl.String,
    "responsible_party_old_organization": pl.String,
    "expanded_access_nct_id": pl.String,
    "expanded_access_status_raw": pl.String,
    "expanded_access_types_raw": pl.List(pl.String),
    "is_us_export_raw": pl.String,
    "is_unapproved_device_raw": pl.String,
    "is_ppsd_raw": pl.String,
    "fdaaa801_violation_raw": pl.String,
    "is_fda_regulated_legacy_raw": pl.String,
    "is_section_801_raw": pl.String,
    "oversight_authorities": pl.List(pl.String),
    "intervention_model_description": pl.String,
    "masking_description": pl.String,
    "number_of_arms_raw": pl.String,
    "number_of_groups_raw": pl.String,
    "target_duration": pl.String,
    "biospec_retention_raw": pl.String,
    "biospec_description": pl.String,
    "sampling_method_raw": pl.String,
    "study_population": pl.String,
    "gender_based_raw": pl.String,
    "gender_description": pl.String,
    "std_ages_raw": pl.List(pl.String),
    "ipd_sharing_raw": pl.String,
    "ipd_description": pl.String,
    "ipd_info_types_raw": pl.List(pl.String),
    "ipd_time_frame": pl.String,
    "ipd_access_criteria": pl.String,
    "ipd_url": pl.String,
    "removed_countries": pl.List(pl.String),
}

SCALAR_FIELDS: dict[str, PolarsDataType] = {**PROVENANCE_FIELDS, **CONTENT_FIELDS}

# One entry per child list: its keys, all raw text.
CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    "conditions": ("name",),
    "keywords": ("keyword",),
    "mesh_terms": ("mesh_kind", "mesh_id", "term"),
    "interventions": ("intervention_type_raw", "name", "description", "other_names", "other_name_list"),
    "sponsors": ("role", "name", "agency_class_raw"),
    "sites": ("facility", "city", "state", "zip", "country", "site_status_raw", "latitude_raw", "longitude_raw"),
    "arms": ("label", "arm_type_raw", "description", "intervention_names", "intervention_name_list"),
    "outcomes": ("outcome_kind", "measure", "time_frame", "description", "safety_issue_raw"),
    "secondary_ids": ("secondary_id", "id_type_raw", "domain", "link"),
    "officials": ("name", "role_raw", "affiliation"),
    "contacts": ("contact_scope", "name", "role_raw", "phone", "email", "facility", "phone_ext"),
    # References (literature) and see-also links.
    "references": ("reference_type_raw", "pmid", "citation"),
    "links": ("url", "label"),
    # MeSH browse tree of conditions and interventions: ancestors, leaves and branches.
    "mesh_browse": ("mesh_kind", "entry_kind", "entry_id", "term", "as_found", "relevance_raw", "abbrev"),
    # Large documents (protocol, SAP, consent form) and available IPD / study documents.
    "large_documents": (
        "type_abbrev",
        "label",
        "has_protocol_raw",
        "has_sap_raw",
        "has_icf_raw",
        "document_date_raw",
        "upload_date",
        "filename",
        "size_raw",
        "url",
    ),
    "available_ipds": ("document_id", "document_type", "url", "comment"),
}

# The results section (API v2 resultsSection, legacy XML <clinical_results>) and the
# results-review events, as child lists in the same shape. Positions inside the nested
# structure (outcome, class, category...) are 0-based texts, so a row says where it sits;
# group ids are API v2's ("FG000", "BG000", "OG000", "EG000"), XML's "P1", "B1", ... mapped.
RESULT_FIELDS: dict[str, tuple[str, ...]] = {
    # One row per record with results: the scalar texts of the section's modules.
    "result_info": (
        "recruitment_details",
        "pre_assignment_details",
        "flow_units_analyzed",
        "baseline_population_description",
        "baseline_units_analyzed",
        "ae_frequency_threshold_raw",
        "ae_time_frame",
        "ae_description",
        "limitations_and_caveats",
        "pi_sponsor_employee_raw",
        "restriction_type_raw",
        "restrictive_agreement_raw",
        "agreement_other_details",
        "poc_title",
        "poc_organization",
        "poc_email",
        "poc_phone",
        "poc_phone_ext",
    ),
    # Groups of each part (FLOW, BASELINE, OUTCOME, ADVERSE_EVENTS); outcome groups are per
    # outcome (`part_index`). Adverse-event groups carry their totals.
    "result_groups": (
        "result_part",
        "part_index",
        "group_id",
        "title",
        "description",
        "deaths_affected_raw",
        "deaths_at_risk_raw",
        "serious_affected_raw",
        "serious_at_risk_raw",
        "other_affected_raw",
        "other_at_risk_raw",
    ),
    # Participant flow: one row per (period, milestone or drop/withdraw reason, group).
    "flow_counts": (
        "period_index",
        "period_title",
        "flow_kind",
        "item_index",
        "item_type",
        "item_comment",
        "group_id",
        "num_subjects_raw",
        "num_units_raw",
        "comment",
        "description",
    ),
    # Baseline and outcome measures: one row per measure (baseline) or outcome.
    "result_measures": (
        "result_part",
        "part_index",
        "outcome_type_raw",
        "title",
        "description",
        "population_description",
        "reporting_status_raw",
        "anticipated_posting_date",
        "param_type_raw",
        "dispersion_type_raw",
        "unit_of_measure",
        "time_frame",
        "calculate_pct_raw",
        "denom_units_selected",
        "units_analyzed",
    ),
    # Denominators (participants or units analysed) per group, at part, measure or class level.
    "result_denoms": ("result_part", "part_index", "denom_level", "class_index", "units", "group_id", "value_raw"),
    # Measurements: one row per (measure, class, category, group).
    "result_measurements": (
        "result_part",
        "part_index",
        "class_index",
        "class_title",
        "category_index",
        "category_title",
        "group_id",
        "value",
        "spread",
        "lower_limit",
        "upper_limit",
        "comment",
    ),
    "outcome_analyses": (
        "part_index",
        "analysis_index",
        "group_ids",
        "group_description",
        "tested_non_inferiority_raw",
        "non_inferiority_type_raw",
        "non_inferiority_comment",
        "p_value",
        "p_value_comment",
        "statistical_method",
        "statistical_comment",
        "param_type",
        "param_value",
        "ci_pct_value",
        "ci_num_sides_raw",
        "ci_lower_limit",
        "ci_upper_limit",
        "ci_upper_limit_comment",
        "dispersion_type_raw",
        "dispersion_value",
        "estimate_comment",
        "other_analysis_description",
    ),
    # Adverse events: one row per (serious or other event, group).
    "adverse_events": (
        "event_kind",
        "event_index",
        "term",
        "organ_system",
        "source_vocabulary",
        "assessment_type_raw",
        "notes",
        "group_id",
        "num_events_raw",
        "num_affected_raw",
        "num_at_risk_raw",
    ),
    # Results submitted but not posted yet: submissions, QC returns, cancellations.
    "result_events": ("event_type_raw", "event_date_raw"),
}
CHILD_FIELDS.update(RESULT_FIELDS)

# Child keys that hold a list of texts rather than one text.
LIST_KEYS: dict[str, frozenset[str]] = {
    "outcome_analyses": frozenset({"group_ids"}),
    "interventions": frozenset({"other_name_list"}),
    "arms": frozenset({"intervention_name_list"}),
}


def child_schema(kind: str) -> dict[str, PolarsDataType]:
    """Raw dtype of each key of a child kind: text, or a list of texts (`LIST_KEYS`)."""
    lists = LIST_KEYS.get(kind, frozenset())
    return {key: pl.List(pl.String) if key in lists else pl.String for key in CHILD_FIELDS[kind]}


def empty_record() -> dict:
    """A record with every field present and empty, so extractors fill what they find."""
    record: dict = {name: [] if isinstance(dtype, pl.List) else None for name, dtype in SCALAR_FIELDS.items()}
    for child in CHILD_FIELDS:
        record[child] = []
    return record


def clean_text(value: object) -> str | None:
    """Trim surrounding white space; empty becomes None. Never truncates."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
