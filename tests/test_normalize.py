"""Every normalization rule, case by case (legacy XML / page spelling -> API v2)."""

from datetime import date

import polars as pl
import pytest

from transforms import normalize


def _apply(expr, values, dtype=pl.String):
    return pl.DataFrame({"v": values}, schema={"v": dtype}).select(expr(pl.col("v")).alias("out"))["out"].to_list()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Not yet recruiting", "NOT_YET_RECRUITING"),
        ("Unknown status", "UNKNOWN"),
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Enrolling by invitation", "ENROLLING_BY_INVITATION"),
        ("Withdrawn", "WITHDRAWN"),
        ("RECRUITING", "RECRUITING"),
        ("No longer available", "NO_LONGER_AVAILABLE"),
        ("  ", None),
        (None, None),
    ],
)
def test_status(raw, expected):
    assert _apply(lambda c: normalize.enum(c, "status"), [raw]) == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Phase 1", "PHASE1"),
        ("N/A", "NA"),
        ("Early Phase 1", "EARLY_PHASE1"),
        ("Phase 0", "EARLY_PHASE1"),
        ("PHASE2", "PHASE2"),
        ("Not Applicable", "NA"),
    ],
)
def test_phase(raw, expected):
    assert _apply(lambda c: normalize.enum(c, "phase"), [raw]) == [expected]


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("study_type", "Interventional", "INTERVENTIONAL"),
        ("study_type", "Observational [Patient Registry]", "OBSERVATIONAL"),
        ("study_type", "Interventional (Clinical Trial)", "INTERVENTIONAL"),
        ("allocation", "N/A", "NA"),
        ("allocation", "Non-Randomized", "NON_RANDOMIZED"),
        ("intervention_model", "Parallel Assignment", "PARALLEL"),
        ("intervention_model", "Single Group Assignment", "SINGLE_GROUP"),
        ("primary_purpose", "Supportive Care", "SUPPORTIVE_CARE"),
        ("primary_purpose", "Educational/Counseling/Training", "ECT"),
        ("sex", "Both", "ALL"),
        ("sex", "Female", "FEMALE"),
        ("date_type", "Anticipated", "ESTIMATED"),
        ("date_type", "Estimate", "ESTIMATED"),
        ("date_type", "Actual", "ACTUAL"),
        ("intervention_type", "Procedure/Surgery", "PROCEDURE"),
        ("intervention_type", "Dietary Supplement", "DIETARY_SUPPLEMENT"),
        ("agency_class", "U.S. Fed", "FED"),
        ("agency_class", "Industry", "INDUSTRY"),
        ("arm_type", "Placebo Comparator", "PLACEBO_COMPARATOR"),
        ("official_role", "Principal Investigator", "PRINCIPAL_INVESTIGATOR"),
    ],
)
def test_enumerations(kind, raw, expected):
    assert _apply(lambda c: normalize.enum(c, kind), [raw]) == [expected]


@pytest.mark.parametrize(
    ("raw", "who", "expected"),
    [
        ("None (Open Label)", [], "NONE"),
        ("Open Label", [], "NONE"),
        ("Double", [], "DOUBLE"),
        ("Double Blind (Subject, Investigator)", [], "DOUBLE"),
        ("Triple (Participant, Care Provider, Outcomes Assessor)", [], "TRIPLE"),
        ("QUADRUPLE", [], "QUADRUPLE"),
        # 2017 exports list only the masked roles: the level is how many are masked.
        ("Participant, Care Provider, Investigator, Outcomes Assessor", ["P", "C", "I", "O"], "QUADRUPLE"),
    ],
)
def test_masking(raw, who, expected):
    frame = pl.DataFrame({"m": [raw], "w": [who]}, schema={"m": pl.String, "w": pl.List(pl.String)})
    out = frame.select(normalize.masking(pl.col("m"), pl.col("w").list.len()).alias("x"))["x"].to_list()
    assert out == [expected]


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        ("March 2020", date(2020, 3, 1), "month"),
        ("2020-03", date(2020, 3, 1), "month"),
        ("February 24, 2020", date(2020, 2, 24), "day"),
        ("2020-02-24", date(2020, 2, 24), "day"),
        ("May 09, 2023", date(2023, 5, 9), "day"),
        ("2021", date(2021, 1, 1), "year"),
        ("Sept. 2020", None, None),
        ("not a date", None, None),
        (None, None, None),
    ],
)
def test_partial_dates(raw, expected, precision):
    assert _apply(normalize.parse_date, [raw]) == [expected]
    assert _apply(normalize.date_precision, [raw]) == [precision]


@pytest.mark.parametrize(
    ("raw", "years"),
    [
        ("18 Years", 18.0),
        ("6 Months", 0.5),
        ("N/A", None),
        ("1 Year", 1.0),
        ("2 Weeks", 0.0383),
        ("30 Days", 0.0821),
        ("18 Months", 1.5),
        ("", None),
        (None, None),
    ],
)
def test_ages_in_years(raw, years):
    assert _apply(normalize.age_years, [raw]) == [years]


@pytest.mark.parametrize(
    ("raw", "expected"), [("Yes", True), ("No", False), ("Accepts Healthy Volunteers", True), (None, None)]
)
def test_yes_no(raw, expected):
    assert _apply(normalize.yes_no, [raw]) == [expected]


def test_free_text_is_trimmed_never_truncated():
    from transforms.canonical import clean_text

    long = "x" * 100_000
    assert clean_text(f"  {long}\n ") == long
