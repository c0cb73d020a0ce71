"""Issue 15, the results section: API v2 resultsSection and legacy XML <clinical_results> into one
canonical form, loaded into the version-owned results tables and the four analyst views.

Golden values are read from the raw files; each case names its source and format era.
"""

from __future__ import annotations

import re
import shutil
from datetime import date

import duckdb
import pytest
from conftest import run_pipeline, shared_path, snapshot
from test_record_fixes import URO_ZIP, XML_TAR, read_record

from transforms.canonical import RESULT_FIELDS
from transforms.extract import extract
from transforms.frames import build_frames, raw_to_records
from transforms.xml_text import group_id

AACT_JSON = "data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json"  # API v2, captured 2024
XML_2023 = f"{XML_TAR}!NCT0000xxxx/NCT00004635.xml"  # AllPublicXML 2023, 2017+ results schema
XML_2014 = "data/fabianvf__ClinicalTrialsParser/ct_xml/NCT00503399.xml"  # 2014 export, pre-2017 results schema
XML_PENDING = "data/ctti-clinicaltrials__aact/spec/support/xml_data/NCT03435185.xml"  # 2018, <pending_results>
JSON_UNPOSTED = f"{URO_ZIP}!NCT00379756.json"  # API v2 2024, annotationSection unposted events


def frames(source: str) -> dict:
    raw = extract(read_record(source)).raw_frames()
    raw["versions"] = raw["versions"].with_columns(
        source_path=raw["versions"]["nct_id"], source_sha256=raw["versions"]["nct_id"]
    )
    return build_frames(raw)


def rows(frame, *columns) -> list[tuple]:
    return frame.select(columns).rows()


@pytest.mark.parametrize(
    ("given", "expected"), [("P1", "FG000"), ("B3", "BG002"), ("O12", "OG011"), ("E1", "EG000"), ("X1", "X1")]
)
def test_xml_group_ids_take_the_api_v2_form(given, expected):
    assert group_id(given) == expected


def test_api_v2_results_golden_rows():
    shared_path(AACT_JSON)
    f = frames(AACT_JSON)
    info = f["result_info"].row(0, named=True)
    assert (info["ae_frequency_threshold"], info["pi_sponsor_employee"], info["restriction_type"]) == (
        5.0,
        False,
        "GT60",
    )
    assert (info["restrictive_agreement"], info["poc_email"], info["poc_phone_ext"]) == (
        True,
        "UCBCares@ucb.com",
        "2273",
    )
    groups = f["result_groups"]
    assert rows(groups.head(1), "result_part", "part_index", "group_id", "title") == [
        ("FLOW", None, "FG000", "Placebo")
    ]
    ae_group = groups.filter(groups["result_part"] == "ADVERSE_EVENTS").row(0, named=True)
    assert (ae_group["group_id"], ae_group["title"]) == ("EG000", "Placebo (SS)")
    assert [ae_group[k] for k in ("deaths_affected", "deaths_at_risk", "serious_affected", "other_affected")] == [
        0,
        158,
        4,
        59,
    ]
    flow = f["flow_counts"]
    assert rows(flow.head(3), "period_title", "flow_kind", "item_type", "group_id", "num_subjects") == [
        ("Double-Blind Period (Week 0 - 52)", "MILESTONE", "STARTED", "FG000", 158),
        ("Double-Blind Period (Week 0 - 52)", "MILESTONE", "STARTED", "FG001", 159),
        ("Double-Blind Period (Week 0 - 52)", "MILESTONE", "STARTED", "FG002", 0),
    ]
    drop = flow.filter(flow["flow_kind"] == "DROP_WITHDRAW").head(1)
    assert rows(drop, "item_type", "group_id", "num_subjects") == [("Adverse Event", "FG000", 6)]
    measures = f["result_measures"]
    age = measures.filter((measures["result_part"] == "BASELINE") & (measures["part_index"] == 1)).row(0, named=True)
    assert (age["title"], age["param_type"], age["dispersion_type"], age["unit_of_measure"]) == (
        "Age, Continuous",
        "MEAN",
        "STANDARD_DEVIATION",
        "years",
    )
    values = f["result_measurements"]
    age_values = values.filter((values["result_part"] == "BASELINE") & (values["part_index"] == 1))
    assert rows(age_values, "group_id", "value", "value_number", "spread") == [
        ("BG000", "37.4", 37.4, "10.8"),
        ("BG001", "37.3", 37.3, "10.5"),
        ("BG002", "37.3", 37.3, "10.6"),
    ]
    primary = measures.filter(measures["result_part"] == "OUTCOME").row(0, named=True)
    assert (primary["outcome_type"], primary["reporting_status"], primary["time_frame"]) == (
        "PRIMARY",
        "POSTED",
        "Week 52",
    )
    denoms = f["result_denoms"]
    assert rows(denoms.head(3), "result_part", "denom_level", "units", "group_id", "value") == [
        ("BASELINE", "PART", "Participants", "BG000", 158),
        ("BASELINE", "PART", "Participants", "BG001", 159),
        ("BASELINE", "PART", "Participants", "BG002", 317),
    ]
    analysis = f["outcome_analyses"].row(0, named=True)
    assert analysis["group_ids"] == ["OG000", "OG001"]
    assert [analysis[k] for k in ("p_value", "param_type", "param_value", "ci_num_sides", "non_inferiority_type")] == [
        "<0.001",
        "Odds Ratio (OR)",
        "15.231",
        "TWO_SIDED",
        "OTHER",
    ]
    event = f["adverse_events"].head(2)
    assert rows(event, "event_kind", "term", "organ_system", "source_vocabulary", "assessment_type", "group_id") == [
        ("SERIOUS", "Glaucoma", "Eye disorders", "MedDRA19.0", "NON_SYSTEMATIC_ASSESSMENT", "EG000"),
        ("SERIOUS", "Glaucoma", "Eye disorders", "MedDRA19.0", "NON_SYSTEMATIC_ASSESSMENT", "EG001"),
    ]
    assert rows(event, "num_events", "num_affected", "num_at_risk") == [(0, 0, 158), (1, 1, 159)]


def test_legacy_xml_2017_schema_results_golden_rows():
    f = frames(XML_2023)
    flow = f["flow_counts"]
    assert rows(flow.head(3), "period_title", "item_type", "group_id", "num_subjects") == [
        ("Period One", "STARTED", "FG000", 79),
        ("Period One", "STARTED", "FG001", 80),
        ("Period One", "Received Treatment", "FG000", 73),
    ]
    groups = f["result_groups"]
    thalidomide = groups.filter((groups["result_part"] == "ADVERSE_EVENTS") & (groups["group_id"] == "EG000"))
    # The XML "Total" category: all-cause mortality 0/138, serious 117/138, other 67/138.
    assert rows(thalidomide, "title", "deaths_affected", "deaths_at_risk", "serious_affected", "other_affected") == [
        ("Thalidomide", 0, 138, 117, 67)
    ]
    events = f["adverse_events"]
    assert "Total, serious adverse events" not in events["term"].to_list()
    assert rows(events.head(1), "event_kind", "source_vocabulary", "assessment_type", "group_id") == [
        ("SERIOUS", "CTCv2.0", "SYSTEMATIC_ASSESSMENT", "EG000")
    ]
    measures = f["result_measures"]
    ttp = measures.filter(measures["result_part"] == "OUTCOME").row(0, named=True)
    assert [ttp[k] for k in ("outcome_type", "title", "param_type", "dispersion_type", "unit_of_measure")] == [
        "PRIMARY",
        "Time to Progression",
        "MEDIAN",
        "CONFIDENCE_95",
        "months",
    ]
    values = f["result_measurements"]
    ttp_values = values.filter((values["result_part"] == "OUTCOME") & (values["part_index"] == 0))
    assert rows(ttp_values, "group_id", "value", "lower_limit", "upper_limit") == [
        ("OG000", "15", "12.0", "22.1"),
        ("OG001", "9.6", "8.5", "12.9"),
    ]
    denoms = f["result_denoms"]
    outcome_denoms = denoms.filter((denoms["result_part"] == "OUTCOME") & (denoms["part_index"] == 0))
    assert rows(outcome_denoms, "denom_level", "units", "group_id", "value") == [
        ("MEASURE", "Participants", "OG000", 123),
        ("MEASURE", "Participants", "OG001", 112),
    ]


def test_legacy_xml_pre_2017_schema_results():
    # 2014 export: results dates under the old names, measures without class_list.
    f = frames(XML_2014)
    version = f["versions"].row(0, named=True)
    assert version["has_results"] is True
    assert version["results_first_submitted_date"] == date(2011, 10, 4)
    assert f["result_info"].height == 1
    measures = f["result_measures"]
    assert measures.filter(measures["result_part"] == "OUTCOME").height >= 1
    assert f["result_measurements"].height > 0
    assert f["result_measurements"]["group_id"].str.contains(r"^[FBOE]G\d{3}$").all()


def test_unposted_results_events_in_both_formats():
    xml = frames(XML_PENDING)["result_events"]
    assert rows(xml, "event_type", "event_date", "event_date_text") == [
        ("RELEASE", date(2018, 2, 20), "February 20, 2018"),
        ("UNRELEASE", None, "Unknown"),
        ("RELEASE", date(2018, 3, 8), "March 8, 2018"),
    ]
    json_frames = frames(JSON_UNPOSTED)
    assert rows(json_frames["result_events"], "event_type", "event_date") == [
        ("RELEASE", date(2017, 8, 17)),
        ("RESET", date(2018, 3, 2)),
        ("RELEASE", date(2018, 3, 8)),
        ("UNRELEASE", date(2018, 8, 15)),
    ]
    assert json_frames["versions"]["unposted_responsible_party"].to_list() == ["GlaxoSmithKline"]


# The three trials ../shared/data holds in both API v2 JSON and legacy XML (RECORD_INDEX.tsv).
# None of them has posted results, so the results frames compare empty here; the results
# mappings of each format are golden-tested above on their own records.
CROSS_FORMAT_PAIRS = ("NCT00498680", "NCT00492635", "NCT00499317")
# Two of them are the same version in both exports (same last update); NCT00499317 was updated
# between the 2023 XML and the 2024 JSON capture, so only its unchanged fields compare.
SAME_VERSION_PAIRS = ("NCT00498680", "NCT00492635")
SAME_IN_BOTH = ("nct_id", "study_type", "is_patient_registry", "has_results", "overall_status", "phases")
PROVENANCE = {"record_seq", "record_index", "capture_date", "content_hash", "source_path", "source_sha256"}
# Values one format carries and the other does not, so the canonical record cannot agree on them.
ONE_FORMAT_ONLY = {
    "versions": {
        "organization_class": "API v2 only (identificationModule.organization.class)",
        "std_ages": "API v2 derives the standard age groups; legacy XML does not carry them",
        "source_name": "legacy XML <source> kept as written (also filed as organization_name)",
        "oversight_authorities": "legacy XML only; API v2 dropped oversight authorities",
        "number_of_arms": "legacy XML only; API v2 has no arm count, only the arm groups",
        "last_update_submitted_qc_date": "legacy XML only (lastchanged QC date)",
        "last_update_submitted_qc_date_precision": "goes with last_update_submitted_qc_date",
    },
    "mesh_terms": {"mesh_id": "API v2 derivedSection only; legacy XML names the terms without ids"},
    "sites": {"latitude": "API v2 geoPoint only", "longitude": "API v2 geoPoint only"},
    "contacts": {"role": "legacy XML tells the backup contact apart; API v2 calls every central contact CONTACT"},
    "secondary_ids": {"id_type": "API v2 only", "domain": "API v2 only"},
}
ONE_FORMAT_ONLY_TABLES = {"mesh_browse": "API v2 derivedSection browse leaves and branches only"}
# Free text the registry formats differently per export: legacy XML hard-wraps textblocks and
# marks list items with "-", API v2 writes Markdown ("*" items, backslash escapes). The words a
# reader sees must agree.
FORMATTED_TEXT = {
    "versions": ("eligibility_criteria", "brief_summary", "detailed_description", "stated_age_sentence"),
    "interventions": ("description",),
}


def as_read(text: str | None) -> str | None:
    if text is None:
        return None
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!&<>~|])", r"\1", text)  # Markdown escapes
    text = re.sub(r"(?m)^\s*(?:[-*\u2022]|\d{1,2}\.)\s+", "", text)  # list markers
    return " ".join(text.split())


@pytest.mark.parametrize("nct_id", CROSS_FORMAT_PAIRS)
def test_the_same_trial_gives_the_same_canonical_results_from_json_and_xml(nct_id):
    from_json = frames(f"{URO_ZIP}!{nct_id}.json")
    from_xml = frames(f"{XML_TAR}!NCT0049xxxx/{nct_id}.xml")
    for kind in RESULT_FIELDS:
        assert from_json[kind].drop("record_seq").rows() == from_xml[kind].drop("record_seq").rows(), kind
    assert from_json["versions"].select(SAME_IN_BOTH).rows() == from_xml["versions"].select(SAME_IN_BOTH).rows()


@pytest.mark.parametrize("nct_id", SAME_VERSION_PAIRS)
def test_the_same_version_gives_the_same_canonical_record_from_json_and_xml(nct_id):
    """Every canonical field of every frame, except the documented one-format fields."""
    from_json = frames(f"{URO_ZIP}!{nct_id}.json")
    from_xml = frames(f"{XML_TAR}!NCT0049xxxx/{nct_id}.xml")
    assert from_json.keys() == from_xml.keys()
    compared = 0
    for kind in from_json:
        if kind in ONE_FORMAT_ONLY_TABLES:
            assert from_xml[kind].is_empty(), kind
            continue
        columns = [c for c in from_json[kind].columns if c not in PROVENANCE | ONE_FORMAT_ONLY.get(kind, {}).keys()]
        texts = FORMATTED_TEXT.get(kind, ())
        for column in columns:
            read = as_read if column in texts else (lambda value: value)
            json_values = [read(v) for v in from_json[kind][column].to_list()]
            xml_values = [read(v) for v in from_xml[kind][column].to_list()]
            assert json_values == xml_values, f"{kind}.{column}"
            compared += from_json[kind].height
    assert compared > 100  # the record is compared, not an empty frame


def test_canonical_results_round_trip_through_records():
    # The XML path goes through record dicts, the API v2 path through frames: the same rows.
    raw = extract(read_record(AACT_JSON)).raw_frames()
    records = raw_to_records(raw)
    again = build_frames([{**records[0], "source_path": "x", "source_sha256": "x"}])
    direct = frames(AACT_JSON)
    for kind in RESULT_FIELDS:
        assert again[kind].rows() == direct[kind].rows(), kind


RESULT_TABLES = {
    "fct_version_result": 2,
    "fct_version_result_group": None,
    "fct_version_flow_count": None,
    "fct_version_result_measure": None,
    "fct_version_result_denom": None,
    "fct_version_result_measurement": None,
    "fct_version_outcome_analysis": None,
    "fct_version_adverse_event": None,
    "fct_version_result_event": None,
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    raw_dir = tmp_path_factory.mktemp("raw")
    shutil.copy(shared_path(AACT_JSON), raw_dir / "NCT02552212.json")
    (raw_dir / "NCT00004635.xml").write_bytes(read_record(XML_2023))
    (raw_dir / "NCT03435185.xml").write_bytes(read_record(XML_PENDING))
    wh = tmp_path_factory.mktemp("wh") / "trials.duckdb"
    run_pipeline(raw_dir, wh)
    first = snapshot(wh)
    run_pipeline(raw_dir, wh)  # the same files again: nothing new
    yield wh, first


def test_results_load_is_idempotent(loaded):
    wh, first = loaded
    assert snapshot(wh) == first


def test_results_tables_and_views(loaded, read_warehouse):
    wh, _ = loaded
    con = read_warehouse(wh)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in RESULT_TABLES}
    assert counts["fct_version_result"] == 2 and all(n > 0 for n in counts.values()), counts
    # Every results row belongs to a stored version and no (version_key, ordinal) repeats.
    for table in RESULT_TABLES:
        orphans, duplicates = con.execute(
            f"SELECT count(*) FILTER (WHERE v.version_key IS NULL), count(*) - count(DISTINCT (r.version_key, r.ordinal)) "
            f"FROM {table} AS r LEFT JOIN fct_trial_version AS v USING (version_key)"
        ).fetchone()
        assert (orphans, duplicates) == (0, 0), table
    flow = con.execute(
        "SELECT group_title, num_subjects FROM v_trial_participant_flow "
        "WHERE nct_id = 'NCT00004635' AND period_index = 0 AND item_type = 'STARTED' ORDER BY group_id"
    ).fetchall()
    assert flow == [("Thalidomide Followed by Placebo", 79), ("Placebo Followed by Thalidomide", 80)]
    baseline = con.execute(
        "SELECT group_title, participants_analyzed, value_number, spread FROM v_trial_baseline "
        "WHERE nct_id = 'NCT02552212' AND measure_title = 'Age, Continuous' ORDER BY group_id"
    ).fetchall()
    assert baseline[0] == ("Placebo", 158, 37.4, "10.8")
    outcome = con.execute(
        "SELECT group_title, analyzed_count, value FROM v_trial_outcome_results "
        "WHERE nct_id = 'NCT00004635' AND outcome_index = 0 ORDER BY group_id"
    ).fetchall()
    assert outcome == [("Thalidomide", 123, "15"), ("Placebo", 112, "9.6")]
    glaucoma = con.execute(
        "SELECT group_title, num_affected, num_at_risk, pct_affected FROM v_trial_adverse_events "
        "WHERE nct_id = 'NCT02552212' AND event_kind = 'SERIOUS' AND term = 'Glaucoma' ORDER BY group_id LIMIT 2"
    ).fetchall()
    assert glaucoma == [("Placebo (SS)", 0, 158, 0.0), ("CZP 200 mg Q2W (SS)", 1, 159, 0.63)]
    events = con.execute(
        "SELECT e.event_type, e.event_date_text FROM fct_version_result_event AS e "
        "JOIN fct_trial_version AS v USING (version_key) WHERE v.nct_id = 'NCT03435185' ORDER BY e.ordinal"
    ).fetchall()
    assert events == [("RELEASE", "February 20, 2018"), ("UNRELEASE", "Unknown"), ("RELEASE", "March 8, 2018")]


def test_every_results_table_and_column_is_documented(fresh_db):
    missing = fresh_db.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE (table_name LIKE 'fct_version_result%' OR table_name IN "
        "('fct_version_flow_count', 'fct_version_outcome_analysis', 'fct_version_adverse_event', "
        "'v_trial_participant_flow', 'v_trial_baseline', 'v_trial_outcome_results', 'v_trial_adverse_events')) "
        "AND comment IS NULL"
    ).fetchall()
    assert missing == []
    assert isinstance(fresh_db, duckdb.DuckDBPyConnection)


def test_explode_items_gives_a_row_per_element_and_none_for_a_missing_or_empty_list():
    import polars as pl

    from transforms.results_json import explode_items

    frame = pl.DataFrame(
        {"record_seq": [0, 1, 2, 3], "things": [[{"id": "a"}, None, {"id": "c"}], [], None, [{"id": "d"}]]}
    )
    rows = explode_items(frame, pl.col("things"), "position")
    assert rows.select("record_seq", "position", pl.col("item").struct.field("id")).rows() == [
        (0, 0, "a"),
        (0, 1, None),  # a null element is still an element, in its place
        (0, 2, "c"),
        (3, 0, "d"),
    ]
    kept = explode_items(frame, pl.col("things"), "position", keep_empty=True)
    for missing_or_empty in (1, 2):  # a class without categories, a category without measurements
        assert kept.filter(pl.col("record_seq") == missing_or_empty).select("position", "item").rows() == [(None, None)]
    assert kept.height == 6
