"""Trial web pages: both seed layouts, field by field, as text and as HTML, CRLF and BOM."""

from datetime import date

import pytest
from conftest import shared_path

from transforms.extract import UnusableInput, extract
from transforms.frames import build_frames

MODERN = "seeds/000_993b791048a96074.txt"
CLASSIC = "seeds/002_2a0bb01d304053c2.txt"


def _load(data: bytes) -> dict:
    extraction = extract(data)
    record = extraction.records[0]
    record.update(
        record_seq=0,
        source_path="x",
        source_member="",
        record_index=0,
        source_sha256="0",
        source_format=extraction.detected_format,
    )
    frames = build_frames([record])
    return {"format": extraction.detected_format, **frames}


def _as_html(text: str) -> bytes:
    # A saved page: each line a paragraph; "a | b |" rows as real table cells.
    body = []
    for line in text.splitlines():
        if "|" in line:
            cells = [c.strip() for c in line.split("|")]
            cells = cells[:-1] if cells and cells[-1] == "" else cells
            body.append("<table><tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr></table>")
        else:
            body.append(f"<p>{line}</p>" if line.strip() else "<br>")
    return (
        "<!DOCTYPE html><html><head><title>t</title><style>p{}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    ).encode()


def _variants(relative: str):
    text = shared_path(relative).read_text(encoding="utf-8")
    return {
        "text-lf": text.encode(),
        "text-crlf": text.replace("\n", "\r\n").encode(),
        "text-bom": b"\xef\xbb\xbf" + text.encode(),
        "html": _as_html(text),
    }


@pytest.mark.parametrize("variant", ["text-lf", "text-crlf", "text-bom", "html"])
def test_modern_seed_nct05689008(variant):
    frames = _load(_variants(MODERN)[variant])
    assert frames["format"] == "trial-page-modern"
    row = frames["versions"].row(0, named=True)
    assert row["nct_id"] == "NCT05689008"
    assert (
        row["brief_title"]
        == "UC-MSCs in the Treatment of Severe and Critical COVID-19 Patients With Refractory Hypoxia"
    )
    assert row["overall_status"] == "UNKNOWN"
    assert row["phases"] == "PHASE3"
    assert (row["enrollment_count"], row["enrollment_type"]) == (60, None)  # the page does not say which
    assert row["study_type"] == "INTERVENTIONAL"
    assert (row["start_date"], row["start_date_precision"]) == (date(2023, 1, 10), "day")
    assert row["completion_date"] == date(2023, 7, 30)
    assert row["primary_completion_date"] is None
    assert row["last_update_posted_date"] == date(2023, 1, 18)
    assert (row["allocation"], row["intervention_model"], row["primary_purpose"], row["masking"]) == (
        "RANDOMIZED",
        "PARALLEL",
        "TREATMENT",
        "NONE",
    )
    assert (row["min_age_years"], row["max_age_years"], row["sex"], row["healthy_volunteers"]) == (
        18.0,
        85.0,
        "ALL",
        False,
    )
    assert row["has_results"] is False
    assert row["org_study_id"] == "DFSC-2023(CR)-01"
    assert row["responsible_party_type"] == "SPONSOR"
    assert row["brief_summary"].startswith("The goal of this randomized, controlled, open-labeled")
    assert row["detailed_description"] is None
    assert "20kg/m2≤body mass index(BMI)≤30 kg/m2." in row["eligibility_criteria"]
    assert "Child-Pugh score>7" in row["eligibility_criteria"]  # markdown "\>" unescaped
    assert [(s["role"], s["name"], s["agency_class"]) for s in frames["sponsors"].to_dicts()] == [
        ("LEAD", "Shanghai East Hospital", "OTHER"),
        ("COLLABORATOR", "Sir Run Run Shaw Hospital", "OTHER"),
    ]
    assert frames["conditions"]["name"].to_list() == ["Mesenchymal Stem Cell COVID-19 Pneumonia"]
    arms = frames["arms"].to_dicts()
    assert [(a["label"], a["arm_type"], a["intervention_names"]) for a in arms] == [
        ("control", "NO_INTERVENTION", None),
        ("UC-MSCs treatment", "EXPERIMENTAL", "Biological: UC-MSCs treatment"),
    ]
    assert arms[0]["description"].startswith("Participants will receive standard therapy")
    intervention = frames["interventions"].row(0, named=True)
    assert (intervention["intervention_type"], intervention["name"]) == ("BIOLOGICAL", "UC-MSCs treatment")
    assert "1*10^6 cells/kg" in intervention["description"]
    site = frames["sites"].row(0, named=True)
    assert (site["facility"], site["city"], site["state"], site["country"], site["site_status"]) == (
        "Shanghai East Hospital, Shanghai Tongji University",
        "Shanghai",
        "Shanghai Municipality",
        "China",
        "RECRUITING",
    )
    official = frames["officials"].row(0, named=True)
    assert (official["name"], official["role"], official["affiliation"]) == (
        "Zhongmin Liu, Dr.",
        "STUDY_CHAIR",
        "Shanghai East Hospital",
    )
    contacts = frames["contacts"].to_dicts()
    assert [(c["contact_scope"], c["name"], c["phone"]) for c in contacts] == [
        ("CENTRAL", "Qiang Li, Dr.", "86-021-38804518"),
        ("FACILITY", "Zhongmin Liu, Dr.", "+86-021-38804518"),
    ]


@pytest.mark.parametrize("variant", ["text-lf", "text-crlf", "text-bom", "html"])
def test_classic_seed_nct04293692(variant):
    frames = _load(_variants(CLASSIC)[variant])
    assert frames["format"] == "trial-page-classic"
    row = frames["versions"].row(0, named=True)
    assert row["nct_id"] == "NCT04293692"
    assert row["brief_title"] == "Therapy for Pneumonia Patients iInfected by 2019 Novel Coronavirus"
    assert row["official_title"].startswith("Human Umbilical Cord Mesenchymal Stem Cells Treatment")
    assert row["overall_status"] == "WITHDRAWN"
    assert row["why_stopped"].startswith("Patients were transferred to designated hospitals")
    assert (row["enrollment_count"], row["enrollment_type"]) == (0, "ACTUAL")
    assert row["phases"] == "NA"
    assert row["study_type"] == "INTERVENTIONAL"
    assert (row["allocation"], row["intervention_model"], row["primary_purpose"]) == (
        "RANDOMIZED",
        "PARALLEL",
        "TREATMENT",
    )
    assert row["masking"] == "TRIPLE"
    assert row["who_masked"] == ["PARTICIPANT", "CARE_PROVIDER", "OUTCOMES_ASSESSOR"]
    assert (row["start_date"], row["start_date_type"]) == (date(2020, 2, 24), "ACTUAL")
    assert (row["primary_completion_date"], row["completion_date"]) == (date(2020, 2, 25), date(2020, 2, 25))
    assert row["first_posted_date"] == date(2020, 3, 3)
    assert row["last_update_posted_date"] == date(2020, 3, 18)
    assert (row["status_verified_date"], row["status_verified_date_precision"]) == (date(2020, 3, 1), "month")
    assert (row["min_age_years"], row["max_age_years"], row["sex"], row["healthy_volunteers"]) == (
        18.0,
        75.0,
        "ALL",
        False,
    )
    assert (row["is_fda_regulated_drug"], row["is_fda_regulated_device"]) == (False, False)
    assert row["org_study_id"] == "Pr20200225"
    assert row["eligibility_criteria"].startswith("Inclusion Criteria:")
    assert "planned to recruit 48 patients" in row["detailed_description"]
    assert frames["conditions"]["name"].to_list() == ["COVID-19"]
    arms = frames["arms"].to_dicts()
    assert [(a["label"], a["arm_type"], a["intervention_names"]) for a in arms] == [
        ("UC-MSCs treatment group", "EXPERIMENTAL", "Biological: UC-MSCs"),
        ("Control group", "PLACEBO_COMPARATOR", "Other: Placebo"),
    ]
    assert [(i["intervention_type"], i["name"]) for i in frames["interventions"].to_dicts()] == [
        ("BIOLOGICAL", "UC-MSCs"),
        ("OTHER", "Placebo"),
    ]
    outcomes = frames["outcomes"].to_dicts()
    assert len(outcomes) == 10
    assert outcomes[0]["measure"] == "Size of lesion area by chest imaging"
    assert outcomes[0]["time_frame"] == "At baseline, Day 1, Week 1, Week 2, Week 4, Week 8"
    assert outcomes[0]["description"] == "Evaluation of Pneumonia change"
    assert {o["outcome_kind"] for o in outcomes} == {"UNSPECIFIED"}  # headings are not in the render
    site = frames["sites"].row(0, named=True)
    assert (site["facility"], site["city"], site["state"], site["zip"], site["country"]) == (
        "Puren Hospital Affiliated to Wuhan University of Science and Technology",
        "Wuhan",
        "Hubei",
        "430081",
        "China",
    )
    assert frames["mesh_terms"]["term"].to_list() == [
        "Pneumonia Respiratory Tract Infections Infections Lung Diseases Respiratory Tract Diseases"
    ]


def test_unrecognized_page_is_refused_with_reason():
    with pytest.raises(UnusableInput, match="not a recognized format"):
        extract(b"Some page\n\nThat is not a trial page at all.\n")


def test_recognized_page_without_nct_id_is_refused():
    text = shared_path(MODERN).read_text(encoding="utf-8").replace("NCT05689008", "(none)")
    with pytest.raises(UnusableInput, match="without an NCT id"):
        extract(text.encode())


def test_other_record_of_the_modern_layout_is_parsed_by_structure():
    # Another trial in the same layout (made-up values): nothing of the seed's wording.
    page = "\n\n".join(
        [
            "A Different Trial",
            "NCT ID: NCT01234567",
            "Last Updated: 2024-05-02",
            "Basic Information",
            "Blurb.",
            "Recruitment Status",
            "RECRUITING",
            "Clinical Phase",
            "PHASE1, PHASE2",
            "Total Enrollment",
            "120 participants (Estimated)",
            "Study Start Date",
            "2024-03",
            "Sponsors",
            "Blurb.",
            "Acme",
            "INDUSTRY",
            "Sponsor Role lead",
            "Locations",
            "Blurb.",
            "Site A",
            "Lyon, France",
            "Site Status NOT_YET_RECRUITING",
            "Site B",
            "Boston, Massachusetts, 02114, United States",
            "Site Status RECRUITING",
        ]
    )
    frames = _load(page.encode())
    row = frames["versions"].row(0, named=True)
    assert (row["nct_id"], row["overall_status"], row["phases"]) == ("NCT01234567", "RECRUITING", "PHASE1/PHASE2")
    assert (row["enrollment_count"], row["enrollment_type"]) == (120, "ESTIMATED")
    assert (row["start_date"], row["start_date_precision"]) == (date(2024, 3, 1), "month")
    sites = frames["sites"].to_dicts()
    assert [(s["city"], s["state"], s["zip"], s["country"], s["site_status"]) for s in sites] == [
        ("Lyon", None, None, "France", "NOT_YET_RECRUITING"),
        ("Boston", "Massachusetts", "02114", "United States", "RECRUITING"),
    ]
