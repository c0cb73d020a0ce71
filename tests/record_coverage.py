"""Walk every leaf value of API v2 and legacy XML records and look for it in the warehouse form.

A leaf is a JSON scalar (its path with list positions dropped, e.g.
`resultsSection.baselineCharacteristicsModule.measures[].title`) or an XML element's text or
attribute (`clinical_results/baseline/group_list/group@group_id`). A leaf is *found* when one
of its spellings equals one of the spellings of the values the normalized frames hold for
the same record (the frames are what the load stores, column for column). Spellings fold the
differences normalization makes on purpose: white space, case, "Phase 2" -> PHASE2, dates to
ISO, "Yes" -> true, numbers, and the XML group ids (P1 -> FG000).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import orjson
from lxml import etree

from transforms.normalize import ENUM_ALIASES
from transforms.xml_text import group_id

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^A-Z0-9]+")
_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%Y-%m", "%B %Y", "%b %Y")
_YES = {"yes": "true", "no": "false", "true": "true", "false": "false"}


# Every legacy spelling the normalization maps, as one table: upper-snake -> API v2 code.
_ALIASES = {code: target for table in ENUM_ALIASES.values() for code, target in table.items() if target}
# Spellings `normalize` maps by rule rather than by table.
_ALIASES.update({"ACCEPTS_HEALTHY_VOLUNTEERS": "TRUE", "OPEN_LABEL": "NONE", "NO_MASKING": "NONE"})
# Values that mean "not given" and are stored as NULL on purpose.
NOT_GIVEN = "\x00not-given"
_NOT_GIVEN_CODES = frozenset({"N_A", "NA"})


def spellings(value: object) -> set[str]:
    """The forms a source value can take once normalized and stored."""
    if isinstance(value, str):
        return set(_text_spellings(value))
    if value is None:
        return set()
    if isinstance(value, bool):
        return {"true", "TRUE"} if value else {"false", "FALSE"}
    if isinstance(value, date | datetime):
        return {value.isoformat()[:10]}
    if isinstance(value, int | float):
        return {_number(float(value))}
    return set(_text_spellings(str(value)))


@lru_cache(maxsize=200_000)
def _text_spellings(value: str) -> frozenset[str]:
    text = _SPACE.sub(" ", value).strip()
    if not text:
        return frozenset()
    lower = text.lower()
    upper = text.upper()
    forms = {lower, _NON_WORD.sub("", upper)}
    if len(text) < 80:
        code = _NON_WORD.sub("_", upper).strip("_")
        head = _NON_WORD.sub("_", upper.split("(")[0]).strip("_")
        level = re.match(r"(SINGLE|DOUBLE|TRIPLE|QUADRUPLE)_", code)
        if level:  # "Double Blind (Subject, ...)": the masking level, as normalize.masking reads it
            forms.add(level.group(1))
        if code in _NOT_GIVEN_CODES:
            forms.add(NOT_GIVEN)
        for candidate in (code, head):
            forms.add(candidate.replace("_", ""))
            if candidate in _ALIASES:
                forms.add(_ALIASES[candidate].replace("_", ""))
    if lower in _YES:
        forms.update({_YES[lower], _YES[lower].upper()})
    try:
        forms.add(_number(float(text.replace(",", "").rstrip("%"))))
    except ValueError:
        pass
    if len(text) < 40 and any(ch.isdigit() for ch in text):
        forms.update(_dates(text))
    mapped = group_id(text)
    if mapped != text and mapped:
        forms.add(mapped.lower())
    return frozenset(forms)


def _number(value: float) -> str:
    return repr(round(value, 6))


def _dates(text: str) -> set[str]:
    cleaned = text.replace(".", "").replace(" ,", ",")
    found = set()
    for fmt in _DATE_FORMATS:
        try:
            found.add(datetime.strptime(cleaned, fmt).date().isoformat()[: 7 if "%d" not in fmt else 10])
        except ValueError:
            continue
    return found


def stored_spellings(values: Iterator[object]) -> set[str]:
    """Every spelling of every value the frames hold for one record (lists element-wise;
    month dates also by their month, so "2021-03" finds the stored 2021-03-01)."""
    forms: set[str] = {NOT_GIVEN}
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            forms |= spellings(item)
            if isinstance(item, date):
                forms.add(item.isoformat()[:7])
            if isinstance(item, str) and "/" in item:  # phases joined by "/"
                for part in item.split("/"):
                    forms |= spellings(part)
    return forms


def json_leaves(study: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(study, dict):
        for key, value in study.items():
            yield from json_leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(study, list):
        for item in study:
            yield from json_leaves(item, path + "[]")
    else:
        yield path, study


def xml_leaves(node: etree._Element, path: str = "") -> Iterator[tuple[str, object]]:
    here = f"{path}/{node.tag}" if path else str(node.tag)
    for name, value in node.attrib.items():
        yield f"{here}@{name}", value
    children = [c for c in node if isinstance(c.tag, str)]
    text = "".join(t for t in [node.text, *(c.tail for c in children)] if t).strip()
    if text and (not children or node.tag == "textblock"):
        yield here, text
    for child in children:
        yield from xml_leaves(child, here)


@dataclass
class Coverage:
    """Leaf values walked and found, per leaf path."""

    walked: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, value: object, is_found: bool) -> None:
        self.walked[path] = self.walked.get(path, 0) + 1
        if is_found:
            self.found[path] = self.found.get(path, 0) + 1
        elif path not in self.examples:
            self.examples[path] = orjson.dumps(value).decode()[:80]

    def ratio(self, prefix: tuple[str, ...] = ("",), excluded: frozenset[str] = frozenset()) -> tuple[int, int]:
        """(found, walked) over the paths starting with one of `prefix`; excluded paths count
        as neither."""
        walked = found = 0
        for path, n in self.walked.items():
            if path.startswith(prefix) and path not in excluded:
                walked += n
                found += self.found.get(path, 0)
        return found, walked

    def missing(self, excluded: frozenset[str]) -> dict[str, int]:
        return {
            path: n - self.found.get(path, 0)
            for path, n in sorted(self.walked.items())
            if path not in excluded and self.found.get(path, 0) < n
        }
