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
_PEOPLE_COUNT_RE = re.compile(rf"{_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(])|\n+")


def _as_int(text: str) -> int:
    return int(text.replace(",", ""))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def stated_enrollment(text: str | None) -> tuple[int | None, str | None]:
    """(count, sentence) for the study's own stated recruitment target, else (None, None)."""
    if not text:
        return None, None
    # Every rule below needs a count followed by people in its sentence: other sentences
    # cannot change the result, and skipping them is most of the speed on long texts.
    parts = [sentence for sentence in sentences(text) if _PEOPLE_COUNT_RE.search(sentence)]
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


# Cheap whole-text tests that every rule above needs to pass somewhere in a text (each rule
# requires its hint, and a rule that matches a sentence matches the text), run by polars'
# regex engine over the column; only texts that pass reach the per-sentence rules.
_PEOPLE_COUNT = rf"(?i){_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}"
_AGE_HINT = r"(?i)≤|<=|=<|\bag(?:e|ed|es)\s|years\s+(?:of\s+age|old)"
# Without \b (a Unicode word boundary sends polars' regex engine to its slow path) a rule
# matches a superset of texts: still a safe filter.
_AGE_ANY_RULE = [f"(?i){rule.pattern}".replace(r"\b", "") for rule in _AGE_RULES]

TEXT_FACT_COLUMNS = {
    "stated_enrollment": pl.Int64,
    "stated_enrollment_sentence": pl.String,
    "stated_min_age": pl.Float64,
    "stated_max_age": pl.Float64,
    "stated_age_sentence": pl.String,
}


def _rows_matching(texts: pl.Series, hint: str, rules: list[str] | None = None) -> list[int]:
    """Positions of the texts that match `hint` and, when given, one of `rules`."""
    positions = texts.str.contains(hint).fill_null(False).arg_true()
    if rules and len(positions):
        candidates = texts.gather(positions)
        matched = pl.any_horizontal([candidates.str.contains(rule).fill_null(False) for rule in rules])
        positions = positions.filter(pl.select(matched).to_series())
    return positions.to_list()


def with_text_facts(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `TEXT_FACT_COLUMNS`: stated_enrollment / _sentence from brief_summary (else
    detailed_description), and stated_min_age / stated_max_age / _sentence from
    eligibility_criteria."""
    n = frame.height
    summaries, descriptions = frame["brief_summary"], frame["detailed_description"]
    enrollment: list[tuple[int | None, str | None]] = [(None, None)] * n
    in_summary = set(_rows_matching(summaries, _PEOPLE_COUNT))
    for row in sorted(in_summary | set(_rows_matching(descriptions, _PEOPLE_COUNT))):
        found = stated_enrollment(summaries[row]) if row in in_summary else (None, None)
        enrollment[row] = found if found[0] is not None else stated_enrollment(descriptions[row])
    ages: list[tuple[float | None, float | None, str | None]] = [(None, None, None)] * n
    criteria = frame["eligibility_criteria"]
    for row in _rows_matching(criteria, _AGE_HINT, _AGE_ANY_RULE):
        ages[row] = stated_age_range(criteria[row])
    values = {
        "stated_enrollment": [e[0] for e in enrollment],
        "stated_enrollment_sentence": [e[1] for e in enrollment],
        "stated_min_age": [a[0] for a in ages],
        "stated_max_age": [a[1] for a in ages],
        "stated_age_sentence": [a[2] for a in ages],
    }
    return frame.with_columns(pl.Series(name, values[name], dtype=dtype) for name, dtype in TEXT_FACT_COLUMNS.items())
