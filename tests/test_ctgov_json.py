"""API v2 JSON extraction, golden values read from the raw files in ../shared/data."""

import tempfile
import zipfile
from datetime import date

import orjson
import pytest
from conftest import shared_path

from transforms.ctgov_json_reader import UnreadableStudies, read_studies
from transforms.extract import extract
from transforms.frames import build_frames


def _frames(study: dict) -> dict:
    return build_frames(extract(orjson.dumps(study)).raw_frames())


def test_aact_fixture_nct02552212_field_by_field():
    # AACT fixture, API v2 era, versionHolder 2023-12-12.
    study = orjson.loads(
        shared_path("data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json").read_bytes()
    )
    frames = _frames(study)
    row = frames["versions"].row(0, named=True)
    assert row["nct_id"] == "NCT02552212"
    assert row["org_study_id"] == "AS0006"
    assert row["acronym"] == "C-AXSPAND"
    assert row["organization_name"] == "UCB Pharma"
    assert row["overall_status"] == "COMPLETED"
    assert row["phases"] == "PHASE3"
    assert (row["allocation"], row["intervention_model"], row["primary_purpose"]) == (
        "RANDOMIZED",
        "PARALLEL",
        "TREATMENT",
    )
    assert row["masking"] == "QUADRUPLE"
    assert (row["enrollment_count"], row["enrollment_type"]) == (317, "ACTUAL")
    assert (row["start_date"], row["start_date_precision"], row["start_date_type"]) == (
        date(2015, 9, 1),
        "month",
        "ACTUAL",
    )
    assert row["primary_completion_date"] == date(2018, 5, 1)
    assert row["completion_date"] == date(2020, 5, 1)
    assert row["first_submitted_date"] == date(2015, 9, 15)
    assert (row["first_posted_date"], row["first_posted_date_type"]) == (date(2015, 9, 17), "ESTIMATED")
    assert row["last_update_posted_date"] == date(2022, 8, 18)
    assert row["status_verified_date"] == date(2022, 8, 1)
    assert row["results_first_posted_date"] == date(2020, 8, 17)
    assert row["capture_date"] == date(2023, 12, 12)
    assert (row["min_age_years"], row["max_age_years"], row["sex"]) == (18.0, None, "ALL")
    assert row["healthy_volunteers"] is False
    assert row["has_results"] is True
    assert row["has_dmc"] is False
    assert frames["sponsors"]["name"].to_list() == ["UCB BIOSCIENCES GmbH"]
    assert frames["sponsors"]["agency_class"].to_list() == ["INDUSTRY"]
    assert frames["conditions"]["name"].to_list()[0] == "Axial Spondyloarthritis"
    assert frames["secondary_ids"].row(0, named=True)["secondary_id"] == "2015-001894-41"
    assert frames["secondary_ids"].row(0, named=True)["id_type"] == "EUDRACT_NUMBER"
    arm = frames["arms"].row(0, named=True)
    assert (arm["label"], arm["arm_type"]) == ("Certolizumab Pegol 200 mg Q2W", "EXPERIMENTAL")
    assert arm["intervention_names"] == "Biological: Certolizumab Pegol"
    intervention = frames["interventions"].row(0, named=True)
    assert (intervention["intervention_type"], intervention["name"], intervention["other_names"]) == (
        "BIOLOGICAL",
        "Certolizumab Pegol",
        "Cimzia; CDP870",
    )
    site = frames["sites"].row(0, named=True)
    assert (site["facility"], site["city"], site["state"], site["country"]) == (
        "As0006 125",
        "Birmingham",
        "Alabama",
        "United States",
    )
    assert frames["officials"].row(0, named=True)["role"] == "STUDY_DIRECTOR"
    assert frames["mesh_terms"].row(0, named=True)["term"] == "Spondylitis"
    primary = frames["outcomes"].filter(frames["outcomes"]["outcome_kind"] == "PRIMARY").row(0, named=True)
    assert primary["time_frame"] == "Week 52"


def test_website_zip_member_nct00351065():
    # The new website's ctg-studies.json.zip, versionHolder 2024-09-24: no date types given.
    with zipfile.ZipFile(
        shared_path("data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip")
    ) as z:
        study = orjson.loads(z.read("NCT00351065.json"))
    row = _frames(study)["versions"].row(0, named=True)
    assert row["overall_status"] == "TERMINATED"
    assert row["brief_title"] == "Phase II Trial of SK3530 in Erectile Dysfunction"
    assert (row["start_date"], row["start_date_type"]) == (date(2004, 9, 1), None)  # the source gives no type
    assert (row["enrollment_count"], row["enrollment_type"]) == (120, None)
    assert row["masking"] == "DOUBLE"
    assert row["capture_date"] == date(2024, 9, 24)
    assert row["has_expanded_access"] is False


def test_content_hash_ignores_capture_date():
    study = orjson.loads(
        shared_path("data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json").read_bytes()
    )
    later = orjson.loads(orjson.dumps(study))
    later["derivedSection"]["miscInfoModule"]["versionHolder"] = "2024-01-03"
    assert _frames(study)["versions"]["content_hash"][0] == _frames(later)["versions"]["content_hash"][0]
    later["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    assert _frames(study)["versions"]["content_hash"][0] != _frames(later)["versions"]["content_hash"][0]


@pytest.mark.parametrize("field", ["briefSummary", "detailedDescription"])
def test_long_text_is_kept_whole(field):
    study = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000001"},
            "descriptionModule": {field: " a" * 50_000},
        }
    }
    row = _frames(study)["versions"].row(0, named=True)
    key = "brief_summary" if field == "briefSummary" else "detailed_description"
    assert len(row[key]) == 99_999


def test_protocol_lists_give_a_row_per_element_and_none_for_a_missing_or_empty_list():
    import polars as pl

    from transforms.ctgov_json_lists import CHILD_BUILDERS

    def study(nct: str, locations: object) -> bytes:
        module = {} if locations is None else {"locations": locations}
        return orjson.dumps(
            {"protocolSection": {"identificationModule": {"nctId": nct}, "contactsLocationsModule": module}}
        )

    lines = [
        study("NCT00000001", [{"city": " Oslo "}, None, {"city": "Bergen"}]),
        study("NCT00000002", []),
        study("NCT00000003", None),
        study("NCT00000004", [{"city": "Lund", "facility": " "}]),
    ]
    studies = read_studies(b"\n".join(lines)).with_row_index("record_seq").cast({"record_seq": pl.Int64})
    sites = CHILD_BUILDERS["sites"](studies)
    assert sites.select("record_seq", "ordinal", "city", "facility").rows() == [
        (0, 0, "Oslo", None),
        (0, 1, None, None),  # a null element keeps its place, as the record lists it
        (0, 2, "Bergen", None),
        (3, 0, "Lund", None),
    ]


def _real_ndjson(count: int) -> bytes:
    """The first `count` studies of the website's zip, as NDJSON."""
    with zipfile.ZipFile(
        shared_path("data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip")
    ) as z:
        return b"\n".join(orjson.dumps(orjson.loads(z.read(name))) for name in z.namelist()[:count])


def test_studies_are_read_through_a_scratch_file_that_is_removed(tmp_path, monkeypatch):
    ndjson = _real_ndjson(40)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    opened: list[str] = []
    real = tempfile.NamedTemporaryFile

    def recorded(*args, **kwargs):
        scratch = real(*args, **kwargs)
        opened.append(scratch.name)
        return scratch

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", recorded)
    frame = read_studies(ndjson)
    assert frame.height == 40
    assert len(opened) == 1 and opened[0].startswith(str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # the scratch copy is gone after the read


def test_studies_are_read_the_same_without_a_scratch_file(monkeypatch):
    """No temporary folder to write in (or a full disk): the bytes are read from memory,
    slower, with the same result."""
    ndjson = _real_ndjson(40)
    through_file = read_studies(ndjson)

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_space)
    assert read_studies(ndjson).equals(through_file)


def test_a_scratch_file_that_cannot_be_written_is_removed_and_the_studies_read_from_memory(tmp_path, monkeypatch):
    ndjson = _real_ndjson(5)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real = tempfile.NamedTemporaryFile

    def full_disk(*args, **kwargs):
        scratch = real(*args, **kwargs)

        def no_space(data):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(scratch, "write", no_space)
        return scratch

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full_disk)
    assert read_studies(ndjson).height == 5
    assert list(tmp_path.iterdir()) == []


def test_the_scratch_file_is_removed_when_the_studies_cannot_be_read(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(UnreadableStudies):
        read_studies(b'{"protocolSection": 5}\n{"protocolSection": {}}\n')
    assert list(tmp_path.iterdir()) == []
