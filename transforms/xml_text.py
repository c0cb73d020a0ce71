"""Text of legacy ClinicalTrials.gov XML elements, shared by the protocol and results extractors."""

from __future__ import annotations

import re
import textwrap

from lxml import etree

from transforms.canonical import clean_text


def block_text(value: str | None) -> str | None:
    """Free text from a textblock: CR/CRLF to LF, the export's indentation removed."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(textwrap.dedent(text))


def element_text(node: etree._Element | None, path: str) -> str | None:
    """The block text of the first element at `path` under `node`; null when either is missing."""
    if node is None:
        return None
    found = node.find(path)
    if found is None:
        return None
    return block_text("".join(found.itertext()))


def attribute_text(node: etree._Element, name: str) -> str | None:
    """The attribute `name` of `node`, cleaned."""
    return clean_text(node.get(name))


def own_text(node: etree._Element) -> str | None:
    """All the text inside `node`, cleaned."""
    return clean_text("".join(node.itertext()))


def position_text(value: int | None) -> str | None:
    """A 0-based position as the canonical record holds it: text."""
    return None if value is None else str(value)


_GROUP_PREFIX = {"P": "FG", "B": "BG", "O": "OG", "E": "EG"}
_GROUP_ID = re.compile(r"^([PBOE])(\d+)$")


def group_id(value: str | None) -> str | None:
    """A results group id in API v2 spelling: "P1" -> "FG000", "O12" -> "OG011"; anything
    else is kept as given."""
    text = clean_text(value)
    match = _GROUP_ID.match(text or "")
    if not match:
        return text
    return f"{_GROUP_PREFIX[match.group(1)]}{int(match.group(2)) - 1:03d}"
