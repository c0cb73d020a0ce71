"""Raw scalar fields of canonical records -> typed, normalized trial-version rows."""

from __future__ import annotations

import polars as pl
from polars._typing import PolarsDataType

from transforms.canonical import PROVENANCE_COLUMNS
from transforms.normalize import (
    MASKED_ROLES,
    age_years,
    closed_enum,
    count,
    date_lookup,
    enrollment_count,
    enum,
    masking,
    patient_registry,
    retired_value,
    yes_no,
)

_DATE_FIELDS = (
    ("start_date", True),
    ("primary_completion_date", True),
    ("completion_date", True),
    ("first_submitted_date", False),
    ("first_posted_date", True),
    ("last_update_submitted_date", False),
    ("last_update_posted_date", True),
    ("status_verified_date", False),
    ("results_first_posted_date", True),
    ("first_submitted_qc_date", False),
    ("last_update_submitted_qc_date", False),
    ("results_first_submitted_date", False),
    ("results_first_submitted_qc_date", False),
    ("disposition_first_submitted_date", False),
    ("disposition_first_submitted_qc_date", False),
    ("disposition_first_posted_date", True),
)


def _looked_up(column: str, lookup: pl.DataFrame, value: str, dtype: PolarsDataType) -> pl.Expr:
    return pl.col(column).replace_strict(lookup["text"], lookup[value], default=None, return_dtype=dtype)


def _codes(column: str, kind: str) -> pl.Expr:
    return pl.col(column).list.eval(enum(pl.element(), kind)).list.drop_nulls()


def _rest_of_record_columns() -> list[pl.Expr]:
    """Issue 15's rest of the record: texts as given, enumerations and flags normalized."""
    texts = (
        "org_study_id_type",
        "org_study_id_link",
        "nct_id_aliases",
        "source_name",
        "responsible_party_title",
        "responsible_party_affiliation",
        "responsible_party_old_organization",
        "expanded_access_nct_id",
        "oversight_authorities",
        "intervention_model_description",
        "masking_description",
        "target_duration",
        "biospec_description",
        "study_population",
        "gender_description",
        "ipd_description",
        "ipd_time_frame",
        "ipd_access_criteria",
        "ipd_url",
        "removed_countries",
    )
    flags = (
        "is_us_export",
        "is_unapproved_device",
        "is_ppsd",
        "fdaaa801_violation",
        "is_fda_regulated_legacy",
        "is_section_801",
        "gender_based",
    )
    return [
        *[pl.col(name) for name in texts],
        *[yes_no(pl.col(f"{name}_raw")).alias(name) for name in flags],
        enum(pl.col("expanded_access_status_raw"), "status").alias("expanded_access_status"),
        _codes("expanded_access_types_raw", "plain").alias("expanded_access_types"),
        count(pl.col("number_of_arms_raw")).alias("number_of_arms"),
        count(pl.col("number_of_groups_raw")).alias("number_of_groups"),
        enum(pl.col("biospec_retention_raw"), "plain").alias("biospec_retention"),
        enum(pl.col("sampling_method_raw"), "plain").alias("sampling_method"),
        _codes("std_ages_raw", "plain").alias("std_ages"),
        enum(pl.col("ipd_sharing_raw"), "plain").alias("ipd_sharing"),
        _codes("ipd_info_types_raw", "ipd_info_type").alias("ipd_info_types"),
    ]


def normalize_versions(raw: pl.DataFrame) -> pl.DataFrame:
    """Raw scalar fields of canonical records -> typed, normalized trial-version rows."""
    date_columns = [f"{name}_raw" for name, _ in _DATE_FIELDS] + ["capture_date_raw"]
    dates = date_lookup(pl.concat([raw.get_column(c) for c in date_columns]))
    phases = (
        pl.col("phases_raw").list.eval(enum(pl.element(), "phase")).list.drop_nulls().list.unique(maintain_order=True)
    )
    # Only real roles: "None (Open Label)" has a parenthesis that names no one.
    # Pages and XML give the roles inside the masking text: "Triple (Participant, ...)".
    roles_in_text = (
        pl.col("masking_raw").str.extract(r"\(([^)]*)\)").str.split(",").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    listed = pl.when(pl.col("who_masked_raw").list.len() > 0).then(pl.col("who_masked_raw")).otherwise(roles_in_text)
    who_masked = (
        listed.list.eval(enum(pl.element(), "masking_role"))
        .list.eval(pl.element().filter(pl.element().is_in(list(MASKED_ROLES))))
        .list.unique(maintain_order=True)
    )
    # Both lists feed two columns each: computed once, then read (an expression used twice
    # in one select is evaluated twice).
    raw = raw.with_columns(phases.alias("_phase_list"), who_masked.alias("_who_masked"))
    phases, who_masked = pl.col("_phase_list"), pl.col("_who_masked")
    columns: list[pl.Expr] = [
        pl.col("nct_id").str.strip_chars().str.to_uppercase(),
        pl.col("org_study_id"),
        pl.col("brief_title"),
        pl.col("official_title"),
        pl.col("acronym"),
        pl.col("organization_name"),
        enum(pl.col("organization_class_raw"), "agency_class").alias("organization_class"),
        enum(pl.col("overall_status_raw"), "status").alias("overall_status"),
        enum(pl.col("last_known_status_raw"), "status").alias("last_known_status"),
        pl.col("why_stopped"),
        enum(pl.col("study_type_raw"), "study_type").alias("study_type"),
        patient_registry(pl.col("patient_registry_raw"), pl.col("study_type_raw")).alias("is_patient_registry"),
        phases.alias("phase_list"),
        pl.when(phases.list.len() > 0).then(phases.list.join("/")).otherwise(None).alias("phases"),
        enum(pl.col("allocation_raw"), "allocation").alias("allocation"),
        enum(pl.col("intervention_model_raw"), "intervention_model").alias("intervention_model"),
        masking(pl.col("masking_raw"), who_masked.list.len()).alias("masking"),
        who_masked.alias("who_masked"),
        enum(pl.col("primary_purpose_raw"), "primary_purpose").alias("primary_purpose"),
        closed_enum(pl.col("observational_model_raw"), "observational_model").alias("observational_model"),
        retired_value(pl.col("observational_model_raw"), "observational_model").alias("observational_model_legacy"),
        closed_enum(pl.col("time_perspective_raw"), "time_perspective").alias("time_perspective"),
        retired_value(pl.col("time_perspective_raw"), "time_perspective").alias("time_perspective_legacy"),
        enrollment_count(pl.col("enrollment_count_raw")).alias("enrollment_count"),
        enum(pl.col("enrollment_type_raw"), "date_type").alias("enrollment_type"),
        age_years(pl.col("min_age_raw")).alias("min_age_years"),
        age_years(pl.col("max_age_raw")).alias("max_age_years"),
        pl.col("min_age_raw").str.strip_chars().alias("min_age_text"),
        pl.col("max_age_raw").str.strip_chars().alias("max_age_text"),
        enum(pl.col("sex_raw"), "sex").alias("sex"),
        yes_no(pl.col("healthy_volunteers_raw")).alias("healthy_volunteers"),
        pl.col("eligibility_criteria"),
        pl.col("brief_summary"),
        pl.col("detailed_description"),
        yes_no(pl.col("has_results_raw")).fill_null(False).alias("has_results"),
        yes_no(pl.col("has_dmc_raw")).alias("has_dmc"),
        yes_no(pl.col("is_fda_regulated_drug_raw")).alias("is_fda_regulated_drug"),
        yes_no(pl.col("is_fda_regulated_device_raw")).alias("is_fda_regulated_device"),
        yes_no(pl.col("has_expanded_access_raw")).alias("has_expanded_access"),
        enum(pl.col("responsible_party_type_raw"), "responsible_party").alias("responsible_party_type"),
        pl.col("responsible_party_name"),
        pl.col("unposted_responsible_party"),
        *_rest_of_record_columns(),
    ]
    for name, has_type in _DATE_FIELDS:
        columns.append(_looked_up(f"{name}_raw", dates, "date", pl.Date).alias(name))
        columns.append(_looked_up(f"{name}_raw", dates, "precision", pl.String).alias(f"{name}_precision"))
        if has_type:
            columns.append(enum(pl.col(f"{name}_type_raw"), "date_type").alias(f"{name}_type"))
    # Provenance passes as given, except the capture date, which is parsed like every date.
    provenance = [
        _looked_up("capture_date_raw", dates, "date", pl.Date).alias(name) if name == "capture_date" else pl.col(name)
        for name in PROVENANCE_COLUMNS
    ]
    return raw.select(provenance + columns)
