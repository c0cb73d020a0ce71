"""Numbers stated in free text, for checks that compare them with structured fields.

* Participant counts in the brief summary or description ("planned to recruit 48
  patients", "a total of 120 participants will be enrolled", or per-group counts "24
  patients ... other 24 patients"), with the sentence they came from.
* Age limits in the eligibility criteria ("18 years old ≤ age ≤ 75years", "aged 18 to
  65 years", "between 18 and 75 years of age").

The rules are deliberately conservative: a count is only taken from a sentence that says
it is the study's own recruitment, so "77,779 confirmed cases" in a background
paragraph is ignored.
"""

from __future__ import annotations

import re

import polars as pl

_PEOPLE = r"(?:patients|participants|subjects|volunteers|persons|people|individuals|women|men|children|adults|infants|cases)"
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_RECRUIT_VERB = r"(?:recruit|enrol|enroll|include|randomi[sz]e|register|treat|study)"
_TOTAL_RULES = (
    # "planned to recruit 48 patients", "plan to enroll a total of 120 participants"
    re.compile(rf"\b(?:plan|plans|planned|planning|intend|intends|intended|aim|aims|expect|expects|expected|will)\s+"
               rf"(?:to\s+)?{_RECRUIT_VERB}\w*\s+(?:a\s+total\s+of\s+|approximately\s+|about\s+|up\s+to\s+)?{_NUMBER}\s+"
               rf"(?:\w+\s+){{0,2}}{_PEOPLE}", re.IGNORECASE),
    # "a total of 120 participants will be enrolled", "120 patients will be randomized"
    re.compile(rf"\b(?:a\s+total\s+of\s+)?{_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}\s+(?:will|are\s+planned\s+to|are\s+expected\s+to)\s+be\s+"
               rf"{_RECRUIT_VERB}\w*", re.IGNORECASE),
    # "sample size of 60 patients", "enrollment of 200 participants"
    re.compile(rf"\b(?:sample\s+size|enrol+ment)\s+(?:of|is|was|will\s+be)\s+{_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}",
               re.IGNORECASE),
)
# Per-group counts: "In the control group, other 24 patients received ..."
_GROUP_COUNT = re.compile(rf"\b(?:other\s+)?{_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}\b", re.IGNORECASE)
_GROUP_WORD = re.compile(r"\b(group|arm|cohort)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(])|\n+")


def _as_int(text: str) -> int:
    return int(text.replace(",", ""))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def stated_enrollment(text: str | None) -> tuple[int | None, str | None]:
    """(count, sentence) for the study's own stated recruitment target, else (None, None)."""
    if not text:
        return None, None
    parts = sentences(text)
    for sentence in parts:
        for rule in _TOTAL_RULES:
            if match := rule.search(sentence):
                return _as_int(match.group(1)), sentence
    group_sentences = [s for s in parts if _GROUP_WORD.search(s) and _GROUP_COUNT.search(s)]
    if len(group_sentences) >= 2:  # one count per group, in separate sentences
        counts = [_as_int(_GROUP_COUNT.search(s).group(1)) for s in group_sentences]
        return sum(counts), " ".join(group_sentences)
    return None, None


_AGE = r"(\d{1,2}(?:\.\d+)?)"
_AGE_RULES = (
    # "18 years old ≤ age ≤ 75years", "18 ≤ age ≤ 75"
    re.compile(rf"{_AGE}\s*(?:years?(?:\s+old)?)?\s*(?:≤|<=|=<)\s*age\s*(?:≤|<=|=<)\s*{_AGE}", re.IGNORECASE),
    # "aged 18 to 65 years", "age from 18 to 75 years", "ages 18-65 years", "18 to 75 years of age"
    re.compile(rf"\bag(?:e|ed|es)\s+(?:range\s+)?(?:from\s+|between\s+)?{_AGE}\s*(?:years?\s*)?(?:to|-|–|and)\s*{_AGE}\s*(?:years|yrs|y\b)",
               re.IGNORECASE),
    re.compile(rf"\b(?:between\s+)?{_AGE}\s*(?:to|-|–|and)\s*{_AGE}\s+years\s+(?:of\s+age|old)", re.IGNORECASE),
    # "The age ranges from 18 to85 (inclusive)"
    re.compile(rf"\bage\s+ranges?\s+(?:from\s+)?{_AGE}\s*(?:to|-|–)\s*{_AGE}", re.IGNORECASE),
)


def stated_age_range(text: str | None) -> tuple[float | None, float | None, str | None]:
    """(min, max, sentence) of an age range stated in years in the criteria text."""
    if not text:
        return None, None, None
    for sentence in sentences(text):
        for rule in _AGE_RULES:
            if match := rule.search(sentence):
                low, high = float(match.group(1)), float(match.group(2))
                if low < high:
                    return low, high, sentence
    return None, None, None


def with_text_facts(frame: pl.DataFrame) -> pl.DataFrame:
    """Add stated_enrollment / _sentence and stated_min_age / stated_max_age / _sentence
    columns from brief_summary, detailed_description and eligibility_criteria."""
    enrollment = [
        stated_enrollment(summary) if stated_enrollment(summary)[0] is not None else stated_enrollment(description)
        for summary, description in zip(frame["brief_summary"], frame["detailed_description"])
    ]
    ages = [stated_age_range(text) for text in frame["eligibility_criteria"]]
    return frame.with_columns(
        pl.Series("stated_enrollment", [e[0] for e in enrollment], dtype=pl.Int64),
        pl.Series("stated_enrollment_sentence", [e[1] for e in enrollment], dtype=pl.String),
        pl.Series("stated_min_age", [a[0] for a in ages], dtype=pl.Float64),
        pl.Series("stated_max_age", [a[1] for a in ages], dtype=pl.Float64),
        pl.Series("stated_age_sentence", [a[2] for a in ages], dtype=pl.String),
    )
