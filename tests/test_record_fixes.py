"""Issue 15, "Errors to fix": patient-registry flag, old-style XML dates, observational design codes.

Each case is one real record from ../shared/data, naming its source and format era; the
expected values are read from the raw file by eye.
"""

from __future__ import annotations

import tarfile
import zipfile
from datetime import date

import polars as pl
import pytest
from conftest import shared_path

from transforms.extract import extract
from transforms.frames import build_frames
from transforms.normalize import closed_enum, retired_value

URO_ZIP = "data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip"
XML_TAR = "data/reesewang25__enrollment_and_studylength/AllPublicXML_subset_20230203.tar.gz"


def read_record(source: str) -> bytes:
    """`<shared path>` or `<archive>!<member>` -> the record's bytes."""
    path, _, member = source.partition("!")
    archive = shared_path(path)
    if not member:
        return archive.read_bytes()
    if path.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            return bundle.read(member)
    with tarfile.open(archive) as bundle:
        handle = bundle.extractfile(member)
        assert handle is not None
        return handle.read()


def version_row(source: str) -> dict:
    extraction = extract(read_record(source))
    raw = extraction.raw_frames()
    raw["versions"] = raw["versions"].with_columns(
        pl.lit("x").alias("source_path"), pl.lit("0").alias("source_sha256"), pl.lit("test").alias("source_format")
    )
    return build_frames(raw)["versions"].row(0, named=True)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # API v2 (2024 site download): "patientRegistry": true / false / absent (interventional).
        (f"{URO_ZIP}!NCT02059798.json", True),
        (f"{URO_ZIP}!NCT00978991.json", False),
        (f"{URO_ZIP}!NCT00498680.json", None),
        # Legacy XML, 2014 search-results export: study type "Observational [Patient Registry]".
        ("data/fabianvf__ClinicalTrialsParser/ct_xml/NCT02145806.xml", True),
        # AllPublicXML 2023: plain "Observational" says nothing about a registry.
        ("data/hantswilliams__clinicaltrials_trec_2022/data/sample/NCT00739817.xml", None),
        # AllPublicXML 2023, interventional.
        ("data/hantswilliams__clinicaltrials_trec_2022/data/sample/NCT00055081.xml", None),
    ],
)
def test_patient_registry_flag(source, expected):
    assert version_row(source)["is_patient_registry"] is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # 2014 export, old element names: lastchanged_date and firstreceived_results_date are
        # submitted dates; the export has no posted dates.
        (
            "data/fabianvf__ClinicalTrialsParser/ct_xml/NCT00503399.xml",
            {
                "last_update_submitted_date": date(2012, 3, 12),
                "last_update_posted_date": None,
                "results_first_submitted_date": date(2011, 10, 4),
                "results_first_posted_date": None,
                "first_submitted_date": date(2007, 7, 16),
            },
        ),
        # AllPublicXML 2023, new element names: submitted, QC and posted dates each in their place.
        (
            "data/hantswilliams__clinicaltrials_trec_2022/data/sample/NCT00055081.xml",
            {
                "last_update_submitted_date": date(2013, 12, 5),
                "last_update_submitted_qc_date": date(2013, 12, 5),
                "last_update_posted_date": date(2013, 12, 6),
                "last_update_posted_date_type": "ESTIMATED",
                "results_first_submitted_date": None,
            },
        ),
    ],
)
def test_legacy_xml_dates_are_filed_by_meaning(source, expected):
    row = version_row(source)
    assert {key: row[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # 2014 export, free-text study_design "Observational Model: Defined Population, Time
        # Perspective: Cross-Sectional".
        (
            "data/fabianvf__ClinicalTrialsParser/ct_xml/NCT00185536.xml",
            ("DEFINED_POPULATION", None, "CROSS_SECTIONAL", None),
        ),
        # 2014 export, "Observational Model: Case Control" (no hyphen, pre-2011 spelling).
        ("data/fabianvf__ClinicalTrialsParser/ct_xml/NCT01597011.xml", ("CASE_CONTROL", None, None, None)),
        # AACT fixture (AllPublicXML flavour): <observational_model>Case Control</observational_model>.
        (
            "data/ctti-clinicaltrials__aact/spec/support/xml_data/NCT02567188.xml",
            ("CASE_CONTROL", None, "CROSS_SECTIONAL", None),
        ),
    ],
)
def test_observational_design_codes_from_real_xml(source, expected):
    row = version_row(source)
    got = tuple(
        row[k]
        for k in ("observational_model", "observational_model_legacy", "time_perspective", "time_perspective_legacy")
    )
    assert got == expected


@pytest.mark.parametrize(
    ("kind", "text", "code", "legacy"),
    [
        # Pre-2011 values named in issue 15, which API v2 folded into OTHER.
        ("observational_model", "Defined Population, Natural History", "OTHER", "Defined Population, Natural History"),
        (
            "time_perspective",
            "Cross-Sectional, Retrospective/Prospective",
            "OTHER",
            "Cross-Sectional, Retrospective/Prospective",
        ),
        ("time_perspective", "Retrospective/Prospective", "OTHER", "Retrospective/Prospective"),
        ("time_perspective", "Longitudinal", "OTHER", "Longitudinal"),
        # Current values pass, in legacy or API spelling.
        ("observational_model", "Case-Crossover", "CASE_CROSSOVER", None),
        ("observational_model", "ECOLOGIC_OR_COMMUNITY", "ECOLOGIC_OR_COMMUNITY", None),
        ("time_perspective", "Cross-Sectional", "CROSS_SECTIONAL", None),
        ("time_perspective", None, None, None),
    ],
)
def test_closed_design_enumerations(kind, text, code, legacy):
    frame = pl.DataFrame({"t": [text]}, schema={"t": pl.String})
    got = frame.select(closed_enum(pl.col("t"), kind).alias("code"), retired_value(pl.col("t"), kind).alias("legacy"))
    assert got.row(0) == (code, legacy)
