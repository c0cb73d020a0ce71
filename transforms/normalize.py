"""The value rules of normalization, as polars expressions: enumerations, dates, ages, counts, flags.

Every rule maps a source spelling to the ClinicalTrials.gov API v2 enumeration
(https://clinicaltrials.gov/data-api/about-api/study-data-structure, "Enums"). Unknown
spellings are kept as their upper-snake form rather than dropped, so a registry that adds
a value loses nothing (dim_status and the checks know the open statuses). `normalize_versions`
and `normalize_children` apply them to the raw frames.
"""

from __future__ import annotations

import polars as pl

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

# Enumerations API v2 closed when it converted the legacy records (ObservationalModel and
# DesignTimePerspective in Enums.json of /studies/metadata): anything else became OTHER.
CLOSED_ENUMS: dict[str, frozenset[str]] = {
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
    return code.replace({"": None})  # one reference: see `struct_paths.clean`


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
    return pl.when(code.is_null() | code.is_in(list(CLOSED_ENUMS[kind]))).then(code).otherwise(pl.lit("OTHER"))


def retired_value(expr: pl.Expr, kind: str) -> pl.Expr:
    """The source text when `closed_enum` mapped it to OTHER, else null."""
    code = enum(expr, kind)
    return pl.when(code.is_not_null() & ~code.is_in(list(CLOSED_ENUMS[kind]))).then(expr.str.strip_chars())


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


_YES_NO = {"YES": True, "TRUE": True, "ACCEPTS_HEALTHY_VOLUNTEERS": True, "NO": False, "FALSE": False}


def yes_no(expr: pl.Expr) -> pl.Expr:
    # A mapping reads the code once; two `is_in` tests computed it twice.
    return upper_snake(expr).replace_strict(_YES_NO, default=None, return_dtype=pl.Boolean)


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


def date_lookup(texts: pl.Series) -> pl.DataFrame:
    """Each distinct date text once: its date and precision. Dates repeat heavily (nine
    date fields, thousands of records, a few hundred months), and trying every spelling on
    every cell was the costliest part of normalizing."""
    lookup = pl.DataFrame({"text": texts.drop_nulls().unique()})
    return lookup.with_columns(parse_date(pl.col("text")).alias("date")).with_columns(
        date_precision(pl.col("text"), pl.col("date")).alias("precision")
    )


def count(expr: pl.Expr) -> pl.Expr:
    """A participant or event count: digits (thousands commas allowed) -> integer, else null."""
    return enrollment_count(expr)


def number(expr: pl.Expr) -> pl.Expr:
    """A decimal as written in results ("12.5", "-0.3", "5%"), else null ("NA", "<0.001")."""
    text = expr.str.strip_chars().str.replace_all(",", "").str.strip_suffix("%").str.strip_chars()
    return text.cast(pl.Float64, strict=False)
