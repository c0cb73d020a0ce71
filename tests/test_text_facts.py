"""The rules that read participant counts and age ranges out of free text, rule by rule,
and the vectorized path against the per-text rules on thousands of real records."""

import tarfile

import polars as pl
import pytest
from conftest import shared_path

from transforms import text_facts
from transforms.extract import extract
from transforms.frames import records_to_raw
from transforms.normalize_versions import normalize_versions


@pytest.mark.parametrize(
    ("text", "count"),
    [
        # The seed NCT04293692's own wording (classic page).
        ("The study is planned to recruit 48 patients with COVID-19 pneumonia.", 48),
        ("We plan to enroll a total of 1,200 participants across 20 sites.", 1200),
        ("Investigators intend to randomize approximately 300 adult volunteers.", 300),
        ("A total of 120 participants will be enrolled in this study.", 120),
        ("60 eligible subjects are expected to be randomized.", 60),
        ("The sample size of 86 patients was calculated for 80% power.", 86),
        ("Enrollment will be 40 healthy volunteers.", 40),
    ],
)
def test_each_total_rule_reads_the_count(text, count):
    found, sentence = text_facts.stated_enrollment(text)
    assert found == count
    assert sentence == text


def test_per_group_counts_are_never_added_up():
    # Issue 16: "24 patients ... other 24 patients" summed to 48 compared a stitched quote with
    # the enrollment; counts from different sentences are not a stated total.
    text = (
        "Patients are allocated to two groups. In the treatment group, 24 patients receive UC-MSCs. "
        "In the control group, other 24 patients receive placebo."
    )
    assert text_facts.stated_enrollment(text) == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        # Real wordings behind false findings in issue 16's sample (XML, AllPublicXML 2023).
        "6 patients will be enrolled in each cohort.",  # NCT00496444
        "If dose-limiting toxicity occurs, 2 additional patients will be enrolled in this age cohort.",  # NCT00000881
        "The treatment group will enroll 30 subjects with the denosumab regimen.",  # NCT06524960 (API v2)
        "Part 1B will enroll 3 additional patients.",  # NCT00000864
        "This study will treat 2 types of participants.",
    ],
)
def test_counts_for_part_of_the_study_are_not_its_total(text):
    assert text_facts.stated_enrollment(text) == (None, None)


def test_a_hard_wrapped_xml_sentence_is_quoted_whole():
    # Legacy XML text blocks wrap at ~70 columns; quotes were cut at the wrap (NCT00491738:
    # "The study will enroll approximately 100 patients at approximately 20").
    text = (
        "This is a multicenter study.\r\n      The study will enroll approximately 100 patients at approximately 20\r\n"
        "      centers in the United States.\r\n\r\n      Other text."
    )
    count, sentence = text_facts.stated_enrollment(text)
    assert count == 100
    assert (
        sentence == "The study will enroll approximately 100 patients at approximately 20 centers in the United States."
    )


@pytest.mark.parametrize(
    "text",
    [
        "By February 2020 there were 77,779 confirmed cases worldwide.",  # background, not the study's own target
        "In the treatment group, 24 patients receive UC-MSCs.",  # a single group count is not a total
        "Participants will be followed for 12 months.",
        "",
        None,
    ],
)
def test_counts_that_are_not_the_study_target_are_ignored(text):
    assert text_facts.stated_enrollment(text) == (None, None)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("18 years old ≤ age ≤ 75years, male or female.", 18, 75),  # the seed NCT05689008's wording
        ("Inclusion: aged 18 to 65 years.", 18, 65),
        ("Ages 18-65 years, any sex.", 18, 65),
        ("Adults between 40 and 80 years of age.", 40, 80),
        ("The age ranges from 18 to85 (inclusive).", 18, 85),
    ],
)
def test_age_rules(text, low, high):
    assert text_facts.stated_age_range(text)[:2] == (low, high)


@pytest.mark.parametrize(
    "text",
    [
        # Clauses behind false age findings in issue 16's sample, each a real record's wording.
        "- Age 10-17 years: greater than 200,000/mm^3",  # NCT00003913, a platelet threshold
        "- CD4 count > 200 cells/mm3 (ages 2-5 years) or > 100 cells/mm3 (age > 5 years).",  # NCT00000827
        "Are 4 to 12 years of age for girls, and 4 to 13 years of age for boys.",  # NCT00006143, by sex
        "In the first part, three between 7-11 and three between 12-18 years of age will be included.",  # NCT05061030
        "INCLUSION CRITERIA - PATIENTS:\n\nPatients between the ages of 6 and 65 years (inclusive) are eligible.\n\n"
        "INCLUSION CRITERIA - NORMAL VOLUNTEERS:\n\nBe a healthy adult between the ages of 18 and 65 years old.",
        "- Age 6 to 18 years, with a serum IgE to egg > 5 kUA/L OR\n- Age 5 to 6 years, with IgE >= 12kUA/L",  # NCT00461097
        "- 55-59 years of age and two of the following:",  # NCT00463294, a conditional risk clause
        "- 1 to 10 years old at diagnosis",  # NCT00003291, the age at diagnosis
    ],
)
def test_an_age_range_for_part_of_the_trial_is_not_its_limit(text):
    assert text_facts.stated_age_range(text) == (None, None, None)


def test_one_unqualified_age_range_is_the_trials_limit():
    # NCT03899402 (API v2): "Age 18-70 years." against a structured maximum of 75 Years.
    text = "Inclusion Criteria:\n\n* Type 2 diabetes.\n* Age 18-70 years.\n\nExclusion Criteria:\n\n* Pregnancy."
    assert text_facts.stated_age_range(text) == (18, 70, "* Age 18-70 years.")


def test_an_inverted_or_missing_age_range_gives_nothing():
    assert text_facts.stated_age_range("aged 65 to 18 years") == (None, None, None)
    assert text_facts.stated_age_range("Adults with type 2 diabetes for 5 years") == (None, None, None)


def test_sentences_split_on_end_punctuation_before_a_capital_blank_lines_and_list_items():
    assert text_facts.sentences("First one. Second (two); third\ncontinued\n\nfifth\n- sixth\n2. seventh") == [
        "First one.",
        "Second (two); third continued",  # a single line break is a wrap
        "fifth",
        "- sixth",
        "2. seventh",
    ]


def test_vectorized_facts_equal_the_per_text_rules_on_real_records():
    path = shared_path("data/reesewang25__enrollment_and_studylength/AllPublicXML_subset_20230203.tar.gz")
    records: list = []
    with tarfile.open(path) as bundle:
        for member in bundle:
            if member.isfile() and member.name.endswith(".xml"):
                record = extract(bundle.extractfile(member).read()).records[0]
                records.append({**record, "record_seq": len(records)})
    versions = normalize_versions(records_to_raw(records)["versions"])
    facts = text_facts.with_text_facts(versions)
    expected_enrollment = [
        text_facts.stated_enrollment(s)
        if text_facts.stated_enrollment(s)[0] is not None
        else text_facts.stated_enrollment(d)
        for s, d in zip(versions["brief_summary"], versions["detailed_description"], strict=True)
    ]
    expected_ages = [text_facts.stated_age_range(t) for t in versions["eligibility_criteria"]]
    assert facts["stated_enrollment"].to_list() == [e[0] for e in expected_enrollment]
    assert facts["stated_enrollment_sentence"].to_list() == [e[1] for e in expected_enrollment]
    assert facts["stated_min_age"].to_list() == [a[0] for a in expected_ages]
    assert facts["stated_age_sentence"].to_list() == [a[2] for a in expected_ages]
    assert facts["stated_enrollment"].is_not_null().sum() > 50  # the rules do find counts in real texts
    assert facts["stated_min_age"].is_not_null().sum() > 100


def test_text_facts_are_not_part_of_the_content_hash():
    # Better rules must not turn every trial into a new version: the facts are derived.
    from transforms.frames import build_frames, with_content_hash

    frames = build_frames(
        [{"nct_id": "NCT00000001", "record_seq": 0, "brief_summary": "We plan to recruit 40 patients."}]
    )
    versions = frames.pop("versions")
    assert versions["stated_enrollment"].to_list() == [40]
    original = versions["content_hash"][0]

    def rehash(**changes):
        return with_content_hash(
            versions.drop("content_hash").with_columns([pl.lit(v).alias(k) for k, v in changes.items()]), frames
        )["content_hash"][0]

    assert rehash(stated_enrollment=999, stated_enrollment_sentence="other") == original
    assert rehash(brief_summary="We plan to recruit 41 patients.") != original
