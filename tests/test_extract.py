"""Format detection by content, and every API v2 JSON shape."""

import json
import zipfile

import pytest
from conftest import shared_path

from transforms.extract import UnusableInput, archive_kind, extract


def _study(nct: str) -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": nct}}}


def test_single_study_page_and_ndjson_shapes():
    assert [r["nct_id"] for r in extract(json.dumps(_study("NCT00000001")).encode()).as_records()] == ["NCT00000001"]
    page = {"studies": [_study("NCT00000001"), _study("NCT00000002")], "nextPageToken": "abc"}
    assert [r["nct_id"] for r in extract(json.dumps(page).encode()).as_records()] == ["NCT00000001", "NCT00000002"]
    ndjson = "\n".join(json.dumps(_study(f"NCT0000000{i}")) for i in range(1, 4)) + "\n"
    extraction = extract(ndjson.encode())
    assert [r["record_index"] for r in extraction.as_records()] == [0, 1, 2]


def test_ndjson_with_one_broken_line_keeps_the_others():
    lines = [json.dumps(_study("NCT00000001")), '{"protocolSection": {', json.dumps(_study("NCT00000003"))]
    extraction = extract("\n".join(lines).encode())
    assert [r["nct_id"] for r in extraction.as_records()] == ["NCT00000001", "NCT00000003"]
    assert extraction.rejects[0][0] == 1 and "not valid JSON" in extraction.rejects[0][1]


def test_real_page_with_next_page_token():
    # biomcp's recorded API page (fields-filtered, with nextPageToken).
    data = shared_path(
        "data/genomoncology__biomcp/testdata/sources/ctgov/search_phelan_limit5_20260811.json"
    ).read_bytes()
    extraction = extract(data)
    assert extraction.detected_format == "ctgov-v2-json"
    assert len(extraction.as_records()) == 5
    assert extraction.as_records()[0]["nct_id"] == "NCT02710084"


def test_format_is_detected_from_content_not_name():
    xml = shared_path("data/hantswilliams__clinicaltrials_trec_2022/data/sample/NCT00055081.xml").read_bytes()
    assert extract(xml).detected_format == "ctgov-legacy-xml"  # whatever the file is called
    assert archive_kind(b"PK\x03\x04rest") == "zip"
    assert archive_kind(b"\x1f\x8b\x08rest") == "tar"
    assert archive_kind(b'{"studies": []}') is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\t ", "empty file"),
        (b"\r\n\x0b\x0c ", "empty file"),  # every byte str.strip() would remove
        (b'{"studies": [{"protocolSection": {"identificationModule": {"nctId": "NCT0000', "truncated JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Überschrift".encode("latin-1") + b" text", "not valid UTF-8"),
        (b'{"FullStudiesResponse": {}}', "API v1"),
        (b'{"protocolSection": {"designModule": {}}}', "no usable API v2 study"),
        (b"<?xml version='1.0'?><rss><channel/></rss>", "root is <rss>"),
    ],
)
def test_unusable_inputs_give_clear_reasons(data, reason):
    with pytest.raises(UnusableInput, match=reason):
        extract(data)


def test_malformed_nct_ids_are_refused_record_by_record():
    page = {"studies": [_study("NCT00000001"), _study("NCT123"), _study("nct00000002")]}
    extraction = extract(json.dumps(page).encode())
    assert [r["nct_id"] for r in extraction.as_records()] == ["NCT00000001", "nct00000002"]
    assert extraction.rejects == [(1, "nctId 'NCT123' is not NCT followed by 8 digits")]
    with pytest.raises(UnusableInput, match="not NCT followed by 8 digits"):
        extract(b"<clinical_study><id_info><nct_id>NCT12</nct_id></id_info></clinical_study>")


def test_utf8_bom_json_is_accepted():
    assert (
        extract(b"\xef\xbb\xbf" + json.dumps(_study("NCT00000001")).encode()).as_records()[0]["nct_id"] == "NCT00000001"
    )


def test_utf8_bom_ndjson_takes_the_fast_path_whole():
    ndjson = "\n".join(json.dumps(_study(f"NCT0000000{i}")) for i in range(1, 4)).encode()
    extraction = extract(b"\xef\xbb\xbf" + ndjson)
    assert extraction.study_frame is not None  # read as NDJSON, not line by line
    assert [r["nct_id"] for r in extraction.as_records()] == ["NCT00000001", "NCT00000002", "NCT00000003"]


def test_website_zip_members_are_single_studies():
    with zipfile.ZipFile(
        shared_path("data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip")
    ) as z:
        names = z.namelist()
        assert len(names) == 635
        assert extract(z.read(names[0])).as_records()[0]["nct_id"] == names[0].removesuffix(".json")


def test_ndjson_line_that_is_not_an_object_is_rejected_not_lost():
    # The fast reader skips a bare number; the line count sends the file to the careful path.
    lines = [json.dumps(_study("NCT00000001")), "5", json.dumps(_study("NCT00000003"))]
    extraction = extract("\n".join(lines).encode())
    assert [r["nct_id"] for r in extraction.as_records()] == ["NCT00000001", "NCT00000003"]
    assert extraction.rejects == [(1, "study is not a JSON object")]


def test_ndjson_value_of_the_wrong_shape_drops_only_that_value():
    odd = _study("NCT00000002")
    odd["protocolSection"]["contactsLocationsModule"] = {"locations": "Boston"}  # a text where a list belongs
    odd["protocolSection"]["statusModule"] = {"overallStatus": "RECRUITING"}
    lines = [json.dumps(_study("NCT00000001")), json.dumps(odd)]
    extraction = extract("\n".join(lines).encode())
    records = extraction.as_records()
    assert [r["nct_id"] for r in records] == ["NCT00000001", "NCT00000002"]
    assert records[1]["overall_status_raw"] == "RECRUITING" and records[1]["sites"] == []
    assert extraction.rejects == []
