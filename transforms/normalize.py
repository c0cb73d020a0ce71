"""Normalize raw extracted values with polars: enumerations, dates, ages, flags.

Every rule maps a source spelling to the ClinicalTrials.gov API v2 enumeration
(https://clinicaltrials.gov/data-api/about-api/study-data-structure, "Enums"). Unknown
spellings are kept as their upper-snake form rather than dropped, so a registry that adds
a value loses nothing (dim_status and the checks know the open statuses).
"""

from __future__ import annotations

import polars as pl
from polars._typing import PolarsDataType

# Legacy (XML / web page) spellings whose upper-snake form differs from API v2.
ENUM_ALIASES: dict[str, dict[str, str | None]] = {
    "status": {
        "UNKNOWN_STATUS": "UNKNOWN",
        "AVAILABLE_FOR_EXPANDED_ACCESS": "AVAILABLE",
    },
    "study_type": {
        "OBSERVATIONAL_PATIENT_REGISTRY": "OBSERVATIONAL",
        "INTERVENTIONAL_CLINICAL_TRIAL": "INTERVENTIONAL",
        "N_A": None,
    },
    "phase": {
        "N_A": "NA",
        "NOT_APPLICABLE": "NA",
        "PHASE_0": "EARLY_PHASE1",  # API v2 renamed Phase 0 to Early Phase 1
        "EARLY_PHASE_1": "EARLY_PHASE1",
        "PHASE_1": "PHASE1",
        "PHASE_2": "PHASE2",
        "PHASE_3": "PHASE3",
        "PHASE_4": "PHASE4",
    },
    "allocation": {"N_A": "NA"},
    "intervention_model": {
        "PARALLEL_ASSIGNMENT": "PARALLEL",
        "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
        "CROSSOVER_ASSIGNMENT": "CROSSOVER",
        "FACTORIAL_ASSIGNMENT": "FACTORIAL",
        "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    },
    "masking_role": {
        "SUBJECT": "PARTICIPANT",
        "CAREGIVER": "CARE_PROVIDER",
    },
    "primary_purpose": {"EDUCATIONAL_COUNSELING_TRAINING": "ECT"},
    "observational_model": {},
    "time_perspective": {},
    "sex": {"BOTH": "ALL"},
    "date_type": {"ANTICIPATED": "ESTIMATED", "ESTIMATE": "ESTIMATED", "EXPECTED": "ESTIMATED"},
    "intervention_type": {"PROCEDURE_SURGERY": "PROCEDURE", "GENE_TRANSFER": "GENETIC"},
    "agency_class": {"U_S_FED": "FED", "OTHER_U_S_GOV": "OTHER_GOV"},
    "official_role": {},
    "arm_type": {},
    "site_status": {},
    "responsible_party": {},
    "secondary_id_type": {},
    # Results enumerations: legacy XML spellings (Enums.json legacyValue) -> API v2 codes.
    "outcome_type": {},
    "reporting_status": {},
    "measure_param": {},
    "measure_dispersion": {
        "NOT_APPLICABLE": "NA",
        "80_CONFIDENCE_INTERVAL": "CONFIDENCE_80",
        "90_CONFIDENCE_INTERVAL": "CONFIDENCE_90",
        "95_CONFIDENCE_INTERVAL": "CONFIDENCE_95",
        "97_5_CONFIDENCE_INTERVAL": "CONFIDENCE_975",
        "99_CONFIDENCE_INTERVAL": "CONFIDENCE_99",
        "OTHER_CONFIDENCE_INTERVAL_LEVEL": "CONFIDENCE_OTHER",
        "GEOMETRIC_COEFFICIENT_OF_VARIATION": "GEOMETRIC_COEFFICIENT",
    },
    "analysis_dispersion": {"STANDARD_ERROR_OF_THE_MEAN": "STANDARD_ERROR_OF_MEAN"},
    "ci_sides": {"1_SIDED": "ONE_SIDED", "2_SIDED": "TWO_SIDED"},
    "non_inferiority": {},
    "event_assessment": {},
    "restriction_type": {},
    "unposted_event": {},
    "ipd_info_type": {
        "STATISTICAL_ANALYSIS_PLAN_SAP": "SAP",
        "INFORMED_CONSENT_FORM_ICF": "ICF",
        "CLINICAL_STUDY_REPORT_CSR": "CSR",
    },
    "plain": {},
}

KNOWN_VALUES: dict[str, frozenset[str]] = {
    "status": frozenset(
        "ACTIVE_NOT_RECRUITING COMPLETED ENROLLING_BY_INVITATION NOT_YET_RECRUITING RECRUITING "
        "SUSPENDED TERMINATED WITHDRAWN AVAILABLE NO_LONGER_AVAILABLE TEMPORARILY_NOT_AVAILABLE "
        "APPROVED_FOR_MARKETING WITHHELD UNKNOWN".split()
    ),
    "phase": frozenset("NA EARLY_PHASE1 PHASE1 PHASE2 PHASE3 PHASE4".split()),
    "study_type": frozenset("EXPANDED_ACCESS INTERVENTIONAL OBSERVATIONAL".split()),
    "masking": frozenset("NONE SINGLE DOUBLE TRIPLE QUADRUPLE".split()),
    # API v2 ObservationalModel and DesignTimePerspective (Enums.json of /studies/metadata).
    "observational_model": frozenset(
        "COHORT CASE_CONTROL CASE_ONLY CASE_CROSSOVER ECOLOGIC_OR_COMMUNITY FAMILY_BASED DEFINED_POPULATION "
        "NATURAL_HISTORY OTHER".split()
    ),
    "time_perspective": frozenset("RETROSPECTIVE PROSPECTIVE CROSS_SECTIONAL OTHER".split()),
}

MASKED_ROLES = ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR")

_MASKING_BY_COUNT = {1: "SINGLE", 2: "DOUBLE", 3: "TRIPLE", 4: "QUADRUPLE"}
_AGE_UNIT_YEARS = {
    "YEAR": 1.0,
    "MONTH": 1.0 / 12.0,
    "WEEK": 7.0 / 365.25,
    "DAY": 1.0 / 365.25,
    "HOUR": 1.0 / (365.25 * 24.0),
    "MINUTE": 1.0 / (365.25 * 24.0 * 60.0),
}


def upper_snake(expr: pl.Expr) -> pl.Expr:
    """ "Active, not recruiting" -> "ACTIVE_NOT_RECRUITING"; blank -> null."""
    code = expr.str.strip_chars().str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", "_").str.strip_chars("_")
    return pl.when(code.str.len_chars() > 0).then(code).otherwise(None)


def enum(expr: pl.Expr, kind: str) -> pl.Expr:
    code = upper_snake(expr)
    aliases = ENUM_ALIASES[kind]
    if not aliases:
        return code
    return code.replace(aliases)


def closed_enum(expr: pl.Expr, kind: str) -> pl.Expr:
    """An enumeration API v2 closed when it converted the legacy records: a value it does not
    know (a pre-2011 combination such as "Defined Population, Natural History", or
    "Retrospective/Prospective") became OTHER there, so it becomes OTHER here too; the text
    as given is kept by `retired_value`."""
    code = enum(expr, kind)
    return pl.when(code.is_null() | code.is_in(list(KNOWN_VALUES[kind]))).then(code).otherwise(pl.lit("OTHER"))


def retired_value(expr: pl.Expr, kind: str) -> pl.Expr:
    """The source text when `closed_enum` mapped it to OTHER, else null."""
    code = enum(expr, kind)
    return pl.when(code.is_not_null() & ~code.is_in(list(KNOWN_VALUES[kind]))).then(expr.str.strip_chars())


def patient_registry(flag: pl.Expr, study_type: pl.Expr) -> pl.Expr:
    """API v2 `designModule.patientRegistry` when given; legacy XML and pages say it in the
    study type ("Observational [Patient Registry]"). Anything else is unknown (NULL): a
    plain "Observational" does not say the study is *not* a registry."""
    in_type = pl.when(upper_snake(study_type).str.contains("PATIENT_REGISTRY")).then(True)
    return pl.coalesce(yes_no(flag), in_type)


def masking(raw: pl.Expr, who_count: pl.Expr) -> pl.Expr:
    """Masking level: the word before any "(...)"; "Open Label" means NONE; a bare list
    of masked roles (seen in 2017 exports) has as many levels as roles, the API's rule."""
    head = upper_snake(raw.str.replace(r"\(.*$", ""))
    level = (
        pl.when(head.str.contains(r"^(NONE|OPEN_LABEL|NO_MASKING)"))
        .then(pl.lit("NONE"))
        .when(head.str.contains(r"^(SINGLE|DOUBLE|TRIPLE|QUADRUPLE)"))
        .then(head.str.extract(r"^(SINGLE|DOUBLE|TRIPLE|QUADRUPLE)"))
        .when(head.is_not_null() & (who_count > 0))
        .then(who_count.replace_strict(_MASKING_BY_COUNT, default=None, return_dtype=pl.String))
        .otherwise(head)
    )
    return level


def yes_no(expr: pl.Expr) -> pl.Expr:
    code = upper_snake(expr)
    return (
        pl.when(code.is_in(["YES", "TRUE", "ACCEPTS_HEALTHY_VOLUNTEERS"]))
        .then(True)
        .when(code.is_in(["NO", "FALSE"]))
        .then(False)
        .otherwise(None)
    )


_DAY_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y")
_MONTH_FORMATS = ("%Y-%m", "%B %Y", "%b %Y")


def _clean_date_text(expr: pl.Expr) -> pl.Expr:
    # "Sept. 2020" and "March 3 , 2020" appear in page renders; fold to strptime's form.
    return expr.str.strip_chars().str.replace_all(r"\s+", " ").str.replace(r"\.", "").str.replace(r" ,", ",")


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Full, month or year dates in API v2 or legacy spelling -> the first day they cover."""
    text = _clean_date_text(expr)
    candidates = [text.str.strptime(pl.Date, fmt, strict=False) for fmt in _DAY_FORMATS]
    for fmt in _MONTH_FORMATS:
        candidates.append(("1 " + text).str.strptime(pl.Date, "%d " + fmt, strict=False))
    candidates.append((text + "-01-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False))
    return pl.coalesce(candidates)


def date_precision(expr: pl.Expr, parsed: pl.Expr | None = None) -> pl.Expr:
    text = _clean_date_text(expr)
    parsed = parse_date(expr) if parsed is None else parsed
    return (
        pl.when(parsed.is_null())
        .then(None)
        .when(text.str.contains(r"^\d{4}$"))
        .then(pl.lit("year"))
        .when(text.str.contains(r"^\d{4}-\d{2}$") | text.str.contains(r"^[A-Za-z]+ \d{4}$"))
        .then(pl.lit("month"))
        .otherwise(pl.lit("day"))
    )


def age_years(expr: pl.Expr) -> pl.Expr:
    """ "18 Years" -> 18.0, "6 Months" -> 0.5, "N/A" -> null."""
    text = expr.str.strip_chars().str.to_uppercase()
    number = text.str.extract(r"^(\d+(?:\.\d+)?)").cast(pl.Float64, strict=False)
    unit = text.str.extract(r"^\d+(?:\.\d+)?\s*([A-Z]+?)S?$")
    factor = unit.replace_strict(_AGE_UNIT_YEARS, default=None, return_dtype=pl.Float64)
    return (number * factor).round(4)


def enrollment_count(expr: pl.Expr) -> pl.Expr:
    digits = expr.str.strip_chars().str.replace_all(",", "").str.extract(r"^(\d+)")
    return digits.cast(pl.Int64, strict=False)


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


def date_lookup(texts: pl.Series) -> pl.DataFrame:
    """Each distinct date text once: its date and precision. Dates repeat heavily (nine
    date fields, thousands of records, a few hundred months), and trying every spelling on
    every cell was the costliest part of normalizing."""
    lookup = pl.DataFrame({"text": texts.drop_nulls().unique()})
    return lookup.with_columns(parse_date(pl.col("text")).alias("date")).with_columns(
        date_precision(pl.col("text"), pl.col("date")).alias("precision")
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
    provenance = [
        pl.col("record_seq"),
        pl.col("source_path"),
        pl.col("source_member"),
        pl.col("record_index"),
        pl.col("source_sha256"),
        pl.col("source_format"),
        _looked_up("capture_date_raw", dates, "date", pl.Date).alias("capture_date"),
    ]
    return raw.select(provenance + columns)


def count(expr: pl.Expr) -> pl.Expr:
    """A participant or event count: digits (thousands commas allowed) -> integer, else null."""
    return enrollment_count(expr)


def number(expr: pl.Expr) -> pl.Expr:
    """A decimal as written in results ("12.5", "-0.3", "5%"), else null ("NA", "<0.001")."""
    text = expr.str.strip_chars().str.replace_all(",", "").str.strip_suffix("%").str.strip_chars()
    return text.cast(pl.Float64, strict=False)


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
                pl.int_range(pl.len(), dtype=pl.Int32).over("record_seq").alias("ordinal"),
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
