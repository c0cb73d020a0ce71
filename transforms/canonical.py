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

# Provenance: where and when the record was seen. Not part of the content hash, so the
# same content seen in two files is one version with two sightings.
PROVENANCE_FIELDS: dict[str, pl.DataType] = {
    "source_path": pl.String,
    "source_member": pl.String,
    "record_index": pl.Int64,
    "source_sha256": pl.String,
    "source_format": pl.String,
    "capture_date_raw": pl.String,
}

# Scalar content fields, raw text as located in the source (normalized later).
CONTENT_FIELDS: dict[str, pl.DataType] = {
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
}

SCALAR_FIELDS: dict[str, pl.DataType] = {**PROVENANCE_FIELDS, **CONTENT_FIELDS}

# One entry per child list: its keys, all raw text.
CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    "conditions": ("name",),
    "keywords": ("keyword",),
    "mesh_terms": ("mesh_kind", "mesh_id", "term"),
    "interventions": ("intervention_type_raw", "name", "description", "other_names"),
    "sponsors": ("role", "name", "agency_class_raw"),
    "sites": ("facility", "city", "state", "zip", "country", "site_status_raw"),
    "arms": ("label", "arm_type_raw", "description", "intervention_names"),
    "outcomes": ("outcome_kind", "measure", "time_frame", "description"),
    "secondary_ids": ("secondary_id", "id_type_raw", "domain"),
    "officials": ("name", "role_raw", "affiliation"),
    "contacts": ("contact_scope", "name", "role_raw", "phone", "email", "facility"),
}


def empty_record() -> dict:
    """A record with every field present and empty, so extractors fill what they find."""
    record: dict = {name: None for name in SCALAR_FIELDS}
    record["phases_raw"] = []
    record["who_masked_raw"] = []
    for child in CHILD_FIELDS:
        record[child] = []
    return record


def clean_text(value: object) -> str | None:
    """Trim surrounding white space; empty becomes None. Never truncates."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
