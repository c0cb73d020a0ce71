"""Registry archive pages ("View of NCT... on YYYY_MM_DD"), compared with the legacy XML of
the same trial at the nearest capture date (fabianvf__ClinicalTrialsParser: ct_xml/ and
parse/xml/, captured June 2014; the archive pages run up to June 2014)."""

from datetime import date

import pytest
from conftest import run_pipeline, shared_path

from transforms.extract import extract
from transforms.frames import build_frames

BASE = "data/fabianvf__ClinicalTrialsParser"
# Fields an archive page and the XML export state the same way for the same version.
SHARED_FIELDS = (
    "overall_status",
    "study_type",
    "brief_title",
    "org_study_id",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "min_age_years",
    "max_age_years",
    "sex",
    "allocation",
    "masking",
    "intervention_model",
)


def _frames(path) -> dict:
    extraction = extract(path.read_bytes())
    record = extraction.records[0]
    record.update(
        record_seq=0,
        source_path=str(path),
        source_member="",
        record_index=0,
        source_sha256="0",
        source_format=extraction.detected_format,
    )
    return {"format": extraction.detected_format, **build_frames([record])}


def _pairs():
    base = shared_path(BASE)
    for xml in sorted(base.glob("ct_xml/*.xml")) + sorted(base.glob("parse/xml/*.xml")):
        pages = sorted(base.glob(f"parse/files/{xml.stem}/{xml.stem}_*.html"))
        if pages:
            yield xml, pages[-1]  # the page nearest the XML's June 2014 capture


def test_every_archive_page_is_recognized_and_dated():
    pages = sorted(shared_path(BASE).glob("parse/files/NCT*/NCT*_*.html"))
    assert len(pages) == 196
    for page in pages:
        frames = _frames(page)
        row = frames["versions"].row(0, named=True)
        stamp = page.stem.split("_")[1]
        assert frames["format"] == "trial-page-archive"
        assert row["nct_id"] == page.parent.name
        assert row["capture_date"] == date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
        assert row["overall_status"] and row["brief_title"]


def test_archive_page_golden_nct00000122_2009():
    frames = _frames(shared_path(f"{BASE}/parse/files/NCT00000122/NCT00000122_20090916.html"))
    row = frames["versions"].row(0, named=True)
    assert (row["overall_status"], row["phases"], row["study_type"]) == ("COMPLETED", "PHASE3", "INTERVENTIONAL")
    assert (row["allocation"], row["masking"], row["primary_purpose"]) == ("RANDOMIZED", "DOUBLE", "TREATMENT")
    assert (row["start_date"], row["start_date_precision"]) == (date(1985, 9, 1), "month")
    assert (row["completion_date"], row["completion_date_type"]) == (
        date(1988, 6, 1),
        "ACTUAL",
    )  # "Last follow-up date"
    assert row["sex"] == "ALL" and row["healthy_volunteers"] is False
    assert row["org_study_id"] == "NEI-21"
    assert frames["conditions"]["name"].to_list() == ["Glaucoma"]
    assert [(i["intervention_type"], i["name"]) for i in frames["interventions"].to_dicts()] == [
        ("DRUG", "5-Fluorouracil")
    ]
    assert frames["sponsors"].row(0, named=True)["name"] == "National Eye Institute (NEI)"


def test_archive_page_arms_outcomes_and_design_rows():
    frames = _frames(shared_path(f"{BASE}/parse/files/NCT00826579/NCT00826579_20090121.html"))
    row = frames["versions"].row(0, named=True)
    assert row["phases"] == "PHASE1/PHASE2"  # two Phase rows
    assert (row["intervention_model"], row["masking"], row["primary_purpose"]) == ("SINGLE_GROUP", "NONE", "DIAGNOSTIC")
    outcome = frames["outcomes"].row(0, named=True)
    assert (outcome["outcome_kind"], outcome["time_frame"]) == ("PRIMARY", "1 month")


@pytest.fixture(scope="module")
def paired_rows():
    pairs = list(_pairs())
    assert len(pairs) == 31
    return [(xml.stem, _frames(xml), _frames(page)) for xml, page in pairs]


@pytest.mark.parametrize("field", SHARED_FIELDS)
def test_archive_pages_agree_with_the_xml_of_the_same_version(field, paired_rows):
    disagreements = []
    for nct, from_xml, from_page in paired_rows:
        xml_value = from_xml["versions"].row(0, named=True)[field]
        page_value = from_page["versions"].row(0, named=True)[field]
        if xml_value != page_value:
            disagreements.append((nct, xml_value, page_value))
    assert disagreements == []


def test_phase_agrees_where_the_page_states_it(paired_rows):
    for nct, from_xml, from_page in paired_rows:
        page_value = from_page["versions"].row(0, named=True)["phases"]
        if page_value is not None:  # older pages have no Phase row: NULL, never guessed
            assert from_xml["versions"].row(0, named=True)["phases"] == page_value, nct


def test_conditions_agree(paired_rows):
    for nct, from_xml, from_page in paired_rows:
        assert sorted(from_xml["conditions"]["name"].to_list()) == sorted(from_page["conditions"]["name"].to_list()), (
            nct
        )


def test_a_trial_seen_as_pages_and_as_xml_is_one_trial(tmp_path, read_warehouse):
    landing = tmp_path / "landing"
    landing.mkdir()
    base = shared_path(BASE)
    for page in base.glob("parse/files/NCT00310375/*.html"):
        (landing / page.name).write_bytes(page.read_bytes())
    (landing / "NCT00310375.xml").write_bytes((base / "ct_xml" / "NCT00310375.xml").read_bytes())
    run_pipeline(landing, tmp_path / "trials.duckdb")
    con = read_warehouse(tmp_path / "trials.duckdb")
    assert con.execute("SELECT count(*) FROM dim_trial").fetchone()[0] == 1
    formats = {r[0] for r in con.execute("SELECT DISTINCT source_format FROM fct_trial_version").fetchall()}
    assert formats == {"trial-page-archive", "ctgov-legacy-xml"}
    assert con.execute("SELECT count(*) FROM fct_trial_version WHERE is_current").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM fct_trial_version").fetchone()[0] >= 10


def test_archive_pages_as_plain_text_give_the_same_records():
    # The same pages rendered as text ("Label | value |" rows, long cells closed by "|"),
    # as a browser or scraper saves them; one with CRLF and a BOM.
    from transforms.trial_pages import html_to_text

    pages = sorted(shared_path(BASE).glob("parse/files/NCT*/NCT*_*.html"))
    for number, page in enumerate(pages):
        html = page.read_text(encoding="utf-8")
        text = html_to_text(html)
        data = ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8") if number == 0 else text.encode("utf-8")
        from_html = extract(html.encode("utf-8"))
        from_text = extract(data)
        assert from_text.detected_format == "trial-page-archive", page.name
        assert from_text.records[0] == from_html.records[0], page.name
