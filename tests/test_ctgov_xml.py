"""Legacy <clinical_study> XML: both flavours, golden values read from the raw files."""

import tarfile
from datetime import date

import pytest
from conftest import shared_path

from transforms.ctgov_xml import XmlRecordError, extract_clinical_study, parse_clinical_study
from transforms.frames import build_frames


def _frames(data: bytes) -> dict:
    record = extract_clinical_study(parse_clinical_study(data))
    record.update(
        record_seq=0,
        source_path="x",
        source_member="",
        record_index=0,
        source_sha256="0",
        source_format="ctgov-legacy-xml",
    )
    return build_frames([record])


def test_allpublicxml_nct00055081():
    # AllPublicXML flavour, processed May 09, 2023.
    frames = _frames(
        shared_path("data/hantswilliams__clinicaltrials_trec_2022/data/sample/NCT00055081.xml").read_bytes()
    )
    row = frames["versions"].row(0, named=True)
    assert row["nct_id"] == "NCT00055081"
    assert row["org_study_id"] == "R01MH067148"
    assert row["brief_title"] == "The Impact of Family CTI on Homeless Children"
    assert row["overall_status"] == "COMPLETED"
    assert row["phases"] == "NA" and row["phase_list"] == ["NA"]
    assert (row["allocation"], row["intervention_model"], row["masking"]) == ("RANDOMIZED", "PARALLEL", "NONE")
    assert row["who_masked"] == []
    assert (row["enrollment_count"], row["enrollment_type"]) == (320, "ACTUAL")
    assert (row["start_date"], row["start_date_precision"], row["start_date_type"]) == (date(2002, 7, 1), "month", None)
    assert (row["completion_date"], row["completion_date_type"]) == (date(2005, 11, 1), "ACTUAL")
    assert (row["first_posted_date"], row["first_posted_date_type"]) == (date(2003, 2, 20), "ESTIMATED")
    assert row["last_update_posted_date"] == date(2013, 12, 6)
    assert row["status_verified_date"] == date(2013, 12, 1)
    assert row["capture_date"] == date(2023, 5, 9)
    assert (row["min_age_years"], row["max_age_years"]) == (1.5, 16.0)  # 18 Months to 16 Years
    assert row["healthy_volunteers"] is True  # "Accepts Healthy Volunteers"
    assert row["brief_summary"].startswith("The purpose of this study is to examine")
    assert "\r" not in row["brief_summary"]
    sponsors = frames["sponsors"].to_dicts()
    assert [(s["role"], s["name"], s["agency_class"]) for s in sponsors] == [
        ("LEAD", "Nathan Kline Institute for Psychiatric Research", "OTHER"),
        ("COLLABORATOR", "National Institute of Mental Health (NIMH)", "NIH"),
    ]
    assert frames["secondary_ids"]["secondary_id"].to_list() == ["R01MH067148", "DSIR 82-SEMS"]
    site = frames["sites"].row(0, named=True)
    assert (site["city"], site["state"], site["zip"], site["country"]) == (
        "Orangeburg",
        "New York",
        "10962",
        "United States",
    )
    assert frames["officials"].row(0, named=True)["role"] == "PRINCIPAL_INVESTIGATOR"
    assert frames["keywords"]["keyword"].to_list() == ["Homeless Persons"]


def test_search_export_flavour_example_study():
    # Search-results export (rank attribute), processed May 11, 2016; pre-2017 element names.
    frames = _frames(shared_path("data/ctti-clinicaltrials__aact/spec/support/xml_data/example_study.xml").read_bytes())
    row = frames["versions"].row(0, named=True)
    assert row["nct_id"] == "NCT00002475"
    assert row["phases"] == "PHASE2"
    assert row["primary_purpose"] == "TREATMENT"  # from the free-text <study_design>
    assert row["capture_date"] == date(2016, 5, 11)
    assert row["first_submitted_date"] == date(1999, 11, 1)  # <firstreceived_date>
    assert (row["enrollment_count"], row["enrollment_type"]) == (40, "ESTIMATED")  # "Anticipated"
    assert row["max_age_years"] is None  # "N/A"


def test_tar_member_from_allpublicxml_bundle():
    path = shared_path("data/reesewang25__enrollment_and_studylength/AllPublicXML_subset_20230203.tar.gz")
    with tarfile.open(path) as archive:
        member = next(m for m in archive if m.name.endswith("NCT00496392.xml"))
        data = archive.extractfile(member).read()
    row = _frames(data)["versions"].row(0, named=True)
    assert row["nct_id"] == "NCT00496392"
    assert row["capture_date"] == date(2023, 2, 3)


def test_phase_pair_splits_into_two_phases():
    xml = b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><phase>Phase 1/Phase 2</phase></clinical_study>"
    assert _frames(xml)["versions"].row(0, named=True)["phase_list"] == ["PHASE1", "PHASE2"]


def test_known_malformed_file_is_refused_with_reason():
    data = shared_path(
        "data/ctti-clinicaltrials__aact/history/NCT02654730/20170810_6dbeeb5d4e__a38bab0077.xml"
    ).read_bytes()
    with pytest.raises(XmlRecordError, match="not well-formed"):
        parse_clinical_study(data)


def test_external_entities_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><brief_title>&xxe;</brief_title></clinical_study>"
    ).encode()
    with pytest.raises(XmlRecordError, match="entities"):
        parse_clinical_study(xxe)


def test_entity_reference_without_declaration_is_not_resolved():
    xml = b'<!DOCTYPE clinical_study SYSTEM "http://127.0.0.1:9/x.dtd"><clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info></clinical_study>'
    # No network, no DTD loading: parses without fetching anything.
    root = parse_clinical_study(xml)
    assert extract_clinical_study(root)["nct_id"] == "NCT00000001"
