"""Numbers stated in free text, for checks that compare them with structured fields.

* Participant counts in the brief summary or description ("planned to recruit 48
  patients", "a total of 120 participants will be enrolled"), with the sentence they came
  from.
* Age limits in the eligibility criteria ("18 years old ≤ age ≤ 75years", "aged 18 to
  65 years", "between 18 and 75 years of age").

The rules are deliberately conservative (issue 16: a curator stops reading a report that
cries wolf): a count is only taken from a sentence that says it is the study's own total,
so "77,779 confirmed cases" in a background paragraph, "6 patients will be enrolled in each
cohort" or "2 additional patients" are ignored, and counts from different sentences are
never added up. An age range is only taken when the criteria state one range for everyone:
a range for a sub-cohort, one sex, a laboratory threshold ("CD4 > 200 (ages 2-5 years)") or
under a group heading ("INCLUSION CRITERIA - NORMAL VOLUNTEERS:") is not the trial's limit.

Legacy XML text blocks are hard-wrapped at about 70 columns: a single line break inside a
paragraph is a space, not the end of a sentence (a quote must be the whole sentence).
"""

from __future__ import annotations

import re

import polars as pl

_PEOPLE = (
    r"(?:patients|participants|subjects|volunteers|persons|people|individuals|women|men|children|adults|infants|cases)"
)
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_RECRUIT_VERB = r"(?:recruit|enrol|enroll|include|randomi[sz]e|register|treat|study)"
_TOTAL_RULES = (
    # "planned to recruit 48 patients", "plan to enroll a total of 120 participants"
    re.compile(
        rf"\b(?:plan|plans|planned|planning|intend|intends|intended|aim|aims|expect|expects|expected|will)\s+"
        rf"(?:to\s+)?{_RECRUIT_VERB}\w*\s+(?:a\s+total\s+of\s+|approximately\s+|about\s+|up\s+to\s+)?{_NUMBER}\s+"
        rf"(?:\w+\s+){{0,2}}{_PEOPLE}",
        re.IGNORECASE,
    ),
    # "a total of 120 participants will be enrolled", "120 patients will be randomized"
    re.compile(
        rf"\b(?:a\s+total\s+of\s+)?{_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}\s+(?:will|are\s+planned\s+to|are\s+expected\s+to)\s+be\s+"
        rf"{_RECRUIT_VERB}\w*",
        re.IGNORECASE,
    ),
    # "sample size of 60 patients", "enrollment of 200 participants"
    re.compile(
        rf"\b(?:sample\s+size|enrol+ment)\s+(?:of|is|was|will\s+be)\s+{_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}",
        re.IGNORECASE,
    ),
)
# A count for part of the study, not its total: "in each cohort", "2 additional patients",
# "The treatment group will enroll 30", "Part 1B will enroll 3".
_PART_OF_STUDY = re.compile(
    r"\b(each|per|every|group|groups|arm|arms|cohort|cohorts|additional|further|more|another|part|stage|"
    r"step|phase|types?|kinds?|categories)\b",
    re.IGNORECASE,
)
_PEOPLE_COUNT_RE = re.compile(rf"{_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}", re.IGNORECASE)
# Sentence splitting, as two steps the vectorized path repeats with the same patterns:
# 1. line breaks: a blank line or a line opening with a list marker ("-", "*", "1.") ends
#    a piece; any other line break is a hard wrap and becomes a space;
# 2. end punctuation followed by a capital or "(" ends a sentence.
_PARAGRAPH_BREAK = r"[ \t]*\r?\n[ \t]*(?:\r?\n\s*)+"
_LIST_ITEM_BREAK = r"[ \t]*\r?\n[ \t]*([-*•·]|\d{1,2}[.)]|\([a-z0-9]\))\s"
_WRAP = r"[ \t]*\r?\n[ \t]*"
_SENTENCE_END = r"([.!?;])\s+([A-Z(])"
_BREAK = "\x00"


def _as_int(text: str) -> int:
    return int(text.replace(",", ""))


def _pieces(text: str) -> list[str]:
    text = re.sub(_PARAGRAPH_BREAK, _BREAK, text)
    text = re.sub(_LIST_ITEM_BREAK, _BREAK + r"\1 ", text)
    text = re.sub(_WRAP, " ", text)
    text = re.sub(_SENTENCE_END, r"\1" + _BREAK + r"\2", text)
    return text.split(_BREAK)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _pieces(text) if s.strip()]


def stated_enrollment(text: str | None) -> tuple[int | None, str | None]:
    """(count, sentence) for the study's own stated recruitment target, else (None, None)."""
    if not text:
        return None, None
    # Every rule below needs a count followed by people in its sentence: other sentences
    # cannot change the result, and skipping them is most of the speed on long texts.
    return enrollment_in([sentence for sentence in sentences(text) if _PEOPLE_COUNT_RE.search(sentence)])


def enrollment_in(parts: list[str]) -> tuple[int | None, str | None]:
    """`stated_enrollment` over a text's sentences that state a count of people, in order."""
    for sentence in parts:
        if _PART_OF_STUDY.search(sentence):
            continue
        for rule in _TOTAL_RULES:
            if match := rule.search(sentence):
                return _as_int(match.group(1)), sentence
    return None, None


_AGE = r"(\d{1,2}(?:\.\d+)?)"
_AGE_RULES = (
    # "18 years old ≤ age ≤ 75years", "18 ≤ age ≤ 75"
    re.compile(rf"{_AGE}\s*(?:years?(?:\s+old)?)?\s*(?:≤|<=|=<)\s*age\s*(?:≤|<=|=<)\s*{_AGE}", re.IGNORECASE),
    # "aged 18 to 65 years", "age from 18 to 75 years", "ages 18-65 years", "18 to 75 years of age"
    re.compile(
        rf"\bag(?:e|ed|es)\s+(?:range\s+)?(?:from\s+|between\s+)?{_AGE}\s*(?:years?\s*)?(?:to|-|–|and)\s*{_AGE}\s*(?:years|yrs|y\b)",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:between\s+)?{_AGE}\s*(?:to|-|–|and)\s*{_AGE}\s+years\s+(?:of\s+age|old)", re.IGNORECASE),
    # "The age ranges from 18 to85 (inclusive)"
    re.compile(rf"\bage\s+ranges?\s+(?:from\s+)?{_AGE}\s*(?:to|-|–)\s*{_AGE}", re.IGNORECASE),
)


def stated_age_range(text: str | None) -> tuple[float | None, float | None, str | None]:
    """(min, max, sentence) of an age range stated in years in the criteria text."""
    if not text:
        return None, None, None
    return age_range_in(sentences(text))


# An age clause that is not the trial's own limit: it is about part of the trial, one sex,
# a condition or a laboratory threshold that depends on age.
_AGE_QUALIFIED = re.compile(
    r"\b(cohorts?|groups?|parts?|arms?|stages?|girls|boys|if|with|who|for|minors|"
    r"adolescents|children|infants|bone|platelets?|cd4|psa|scores?|mm|cells|no longer|amended|originally|"
    r"following|diagnosis|diagnosed|donors?)\b|:\s*$",
    re.IGNORECASE,
)
# A heading that names one group of participants ("INCLUSION CRITERIA - NORMAL VOLUNTEERS:",
# "SPECIFIC INCLUSION CRITERIA FOR EPILEPSY SUBJECTS:"): the criteria differ by group.
_GROUP_HEADING = re.compile(
    r"\b(?:FOR|PATIENTS|VOLUNTEERS|SUBJECTS|CONTROLS|GROUPS?|COHORTS?|MINORS|ADULTS|CHILDREN|PARTICIPANTS|"
    r"PROBANDS|RELATIVES|ALCOHOLICS)\b[A-Z0-9 ,/()-]*:"
)


def age_range_in(parts: list[str]) -> tuple[float | None, float | None, str | None]:
    """`stated_age_range` over a text's sentences, in order (those no rule and no group
    heading can match may be left out). One unqualified range for the whole trial, else nothing."""
    found: list[tuple[float, float, str]] = []
    for sentence in parts:
        if _GROUP_HEADING.search(sentence):
            return None, None, None
        for rule in _AGE_RULES:
            if match := rule.search(sentence):
                low, high = float(match.group(1)), float(match.group(2))
                if low < high:
                    found.append((low, high, sentence))
                break
    if len({(low, high) for low, high, _ in found}) != 1 or any(_AGE_QUALIFIED.search(s) for *_, s in found):
        return None, None, None
    return found[0]


# Vectorized: polars (Rust regexes) splits the texts into sentences exactly as `sentences`
# does and keeps the sentences some rule could match: they must state a count of people,
# or match an age rule (without \b, which sends polars' regex engine to its slow path, a
# rule matches more: still a safe filter). Python then applies the exact rules above to
# the few sentences left, in order, so the result is that of the scalar functions.
_PEOPLE_COUNT = rf"(?i){_NUMBER}\s+(?:\w+\s+){{0,2}}{_PEOPLE}"
_AGE_ANY_RULE = "|".join(f"(?:{rule.pattern})" for rule in _AGE_RULES).replace(r"\b", "")
_AGE_ANY_RULE = f"(?i){_AGE_ANY_RULE}"
_AGE_OR_HEADING = f"{_AGE_ANY_RULE}|(?-i:{_GROUP_HEADING.pattern.replace(chr(92) + 'b', '')})"

TEXT_FACT_COLUMNS = {
    "stated_enrollment": pl.Int64,
    "stated_enrollment_sentence": pl.String,
    "stated_min_age": pl.Float64,
    "stated_max_age": pl.Float64,
    "stated_age_sentence": pl.String,
}


def candidate_sentences(texts: pl.Series, keep: str) -> dict[int, list[str]]:
    """{row: [sentences matching `keep`, in order]} for the rows that have any."""
    sentences_by_row = (
        pl.DataFrame({"text": texts})
        .with_row_index("row")
        .filter(pl.col("text").str.contains(keep))
        .select(
            "row",
            pl.col("text")
            .str.replace_all(_PARAGRAPH_BREAK, _BREAK)
            .str.replace_all(_LIST_ITEM_BREAK, f"{_BREAK}${{1}} ")
            .str.replace_all(_WRAP, " ")
            .str.replace_all(_SENTENCE_END, f"${{1}}{_BREAK}${{2}}")
            .str.split(_BREAK)
            .alias("sentence"),
        )
        .explode("sentence")
        .with_columns(pl.col("sentence").str.strip_chars())
        .filter(pl.col("sentence").str.contains(keep))
        .group_by("row", maintain_order=True)
        .agg("sentence")
    )
    return dict(zip(sentences_by_row["row"].to_list(), sentences_by_row["sentence"].to_list(), strict=True))


def with_text_facts(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `TEXT_FACT_COLUMNS`: stated_enrollment / _sentence from brief_summary (else
    detailed_description), and stated_min_age / stated_max_age / _sentence from
    eligibility_criteria."""
    n = frame.height
    enrollment: list[tuple[int | None, str | None]] = [(None, None)] * n
    in_summary = candidate_sentences(frame["brief_summary"], _PEOPLE_COUNT)
    in_description = candidate_sentences(frame["detailed_description"], _PEOPLE_COUNT)
    for row in sorted(in_summary.keys() | in_description.keys()):
        found = enrollment_in(in_summary.get(row, []))
        enrollment[row] = found if found[0] is not None else enrollment_in(in_description.get(row, []))
    ages: list[tuple[float | None, float | None, str | None]] = [(None, None, None)] * n
    for row, parts in candidate_sentences(frame["eligibility_criteria"], _AGE_OR_HEADING).items():
        ages[row] = age_range_in(parts)
    values: dict[str, list] = {
        "stated_enrollment": [e[0] for e in enrollment],
        "stated_enrollment_sentence": [e[1] for e in enrollment],
        "stated_min_age": [a[0] for a in ages],
        "stated_max_age": [a[1] for a in ages],
        "stated_age_sentence": [a[2] for a in ages],
    }
    return frame.with_columns(pl.Series(name, values[name], dtype=dtype) for name, dtype in TEXT_FACT_COLUMNS.items())
