"""Normalize the child tables of canonical records (`CHILD_FIELDS` kinds), results included."""

from __future__ import annotations

import polars as pl

from transforms.normalize import count, enum, number, parse_date, yes_no
from transforms.struct_paths import ordinal_in_runs

# Results kinds: (raw column, normalized column, rule); every other column passes as is.
# Positions are 0-based texts in the canonical record and integers in the warehouse.
_INDEX = ("part_index", "class_index", "category_index", "period_index", "item_index", "analysis_index", "event_index")
_RESULT_RULES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "result_info": (
        ("ae_frequency_threshold_raw", "ae_frequency_threshold", "number+"),
        ("pi_sponsor_employee_raw", "pi_sponsor_employee", "flag"),
        ("restriction_type_raw", "restriction_type", "enum:restriction_type"),
        ("restrictive_agreement_raw", "restrictive_agreement", "flag"),
    ),
    "result_groups": tuple(
        (f"{what}_{n}_raw", f"{what}_{n}", "count")
        for what in ("deaths", "serious", "other")
        for n in ("affected", "at_risk")
    ),
    "flow_counts": (
        ("num_subjects_raw", "num_subjects", "count"),
        ("num_units_raw", "num_units", "count"),
    ),
    "result_measures": (
        ("outcome_type_raw", "outcome_type", "enum:outcome_type"),
        ("reporting_status_raw", "reporting_status", "enum:reporting_status"),
        ("param_type_raw", "param_type", "enum:measure_param"),
        ("dispersion_type_raw", "dispersion_type", "enum:measure_dispersion"),
        ("calculate_pct_raw", "calculate_pct", "flag"),
    ),
    "result_denoms": (("value_raw", "value", "count"),),
    "result_measurements": (("value", "value_number", "number+"),),
    "outcome_analyses": (
        ("tested_non_inferiority_raw", "tested_non_inferiority", "flag"),
        ("non_inferiority_type_raw", "non_inferiority_type", "enum:non_inferiority"),
        ("ci_num_sides_raw", "ci_num_sides", "enum:ci_sides"),
        ("dispersion_type_raw", "dispersion_type", "enum:analysis_dispersion"),
    ),
    "adverse_events": (
        ("assessment_type_raw", "assessment_type", "enum:event_assessment"),
        ("num_events_raw", "num_events", "count"),
        ("num_affected_raw", "num_affected", "count"),
        ("num_at_risk_raw", "num_at_risk", "count"),
    ),
    "result_events": (
        ("event_type_raw", "event_type", "enum:unposted_event"),
        ("event_date_raw", "event_date", "date+"),
    ),
}


def _result_rule(raw: str, rule: str) -> pl.Expr:
    column = pl.col(raw)
    if rule.startswith("enum:"):
        return enum(column, rule.removeprefix("enum:"))
    if rule == "count":
        return count(column)
    if rule.startswith("number"):
        return number(column)
    if rule.startswith("date"):
        return parse_date(column)
    return yes_no(column)


def normalize_results(kind: str, raw: pl.DataFrame) -> pl.DataFrame:
    """Normalize one results kind: enumerations to API v2 codes, counts to integers,
    flags to booleans, positions to integers. A "+" rule keeps the text beside the value
    (a measurement "NA" or a date "Unknown" is still what the record says)."""
    rules = _RESULT_RULES.get(kind, ())
    frame = raw.with_columns(
        *[_result_rule(source, rule).alias(target) for source, target, rule in rules],
        *[pl.col(c).cast(pl.Int32, strict=False) for c in _INDEX if c in raw.columns],
    )
    dropped = [source for source, _, rule in rules if not rule.endswith("+")]
    renamed = {
        source: source.removesuffix("_raw") + "_text"
        for source, _, rule in rules
        if rule.endswith("+") and source.endswith("_raw")
    }
    return frame.drop(dropped).rename(renamed)


def normalize_children(kind: str, raw: pl.DataFrame) -> pl.DataFrame:
    """Normalize one child table (`CHILD_FIELDS` kind) keyed by record_seq."""
    if kind in _RESULT_RULES:
        return normalize_results(kind, raw)
    if kind == "interventions":
        return raw.with_columns(
            enum(pl.col("intervention_type_raw"), "intervention_type").alias("intervention_type")
        ).drop("intervention_type_raw")
    if kind == "sponsors":
        return raw.with_columns(enum(pl.col("agency_class_raw"), "agency_class").alias("agency_class")).drop(
            "agency_class_raw"
        )
    if kind == "sites":
        return raw.with_columns(
            enum(pl.col("site_status_raw"), "site_status").alias("site_status"),
            number(pl.col("latitude_raw")).alias("latitude"),
            number(pl.col("longitude_raw")).alias("longitude"),
        ).drop("site_status_raw", "latitude_raw", "longitude_raw")
    if kind == "outcomes":
        return raw.with_columns(yes_no(pl.col("safety_issue_raw")).alias("safety_issue")).drop("safety_issue_raw")
    if kind == "references":
        return raw.with_columns(enum(pl.col("reference_type_raw"), "plain").alias("reference_type")).drop(
            "reference_type_raw"
        )
    if kind == "mesh_browse":
        # The registry derives the browse tree anew on every export and lists it in no stable
        # order (the same content came back reordered 3 weeks later): keep it in a canonical
        # order, so a reorder is not a new version.
        order = ("mesh_kind", "entry_kind", "entry_id", "term", "abbrev", "as_found", "relevance_raw")
        return (
            raw.sort("record_seq", *order, nulls_last=True, maintain_order=True)
            .with_columns(
                ordinal_in_runs("record_seq").alias("ordinal"),
                enum(pl.col("relevance_raw"), "plain").alias("relevance"),
            )
            .drop("relevance_raw")
        )
    if kind == "large_documents":
        return raw.with_columns(
            *[yes_no(pl.col(f"has_{d}_raw")).alias(f"has_{d}") for d in ("protocol", "sap", "icf")],
            parse_date(pl.col("document_date_raw")).alias("document_date"),
            count(pl.col("size_raw")).alias("size_bytes"),
        ).drop("has_protocol_raw", "has_sap_raw", "has_icf_raw", "document_date_raw", "size_raw")
    if kind == "arms":
        return raw.with_columns(enum(pl.col("arm_type_raw"), "arm_type").alias("arm_type")).drop("arm_type_raw")
    if kind == "secondary_ids":
        return raw.with_columns(enum(pl.col("id_type_raw"), "secondary_id_type").alias("id_type")).drop("id_type_raw")
    if kind == "contacts":
        return raw.with_columns(enum(pl.col("role_raw"), "official_role").alias("role")).drop("role_raw")
    if kind == "officials":
        return raw.with_columns(enum(pl.col("role_raw"), "official_role").alias("role")).drop("role_raw")
    return raw
