"""What the page layouts share: HTML turned into the text render, lines, markdown
unescaping, and the labels every layout spells the same way."""

from __future__ import annotations

import re

import lxml.html

NCT = re.compile(r"\bNCT\d{8}\b")
ARM_TYPES = r"(Experimental|Active Comparator|Placebo Comparator|Sham Comparator|No Intervention|Other)"

# ---------------------------------------------------------------- text from HTML

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "dt",
    "dd",
}
_CELL_TAGS = {"td", "th"}


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page, one block per line, table cells ending in " | "."""
    try:
        root = lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "br":
            parts.append("\n\x00\n")  # an explicit line break is the only blank line kept
        elif tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _CELL_TAGS:
            parts.append(" | ")
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(root)
    text = "".join(parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    # Block boundaries are line ends, not paragraphs: keep only the <br> blank lines.
    kept = [("" if line == "\x00" else line) for line in lines if line]
    return "\n".join(kept)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2048].lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or "<body" in head or "<html" in head


def normalized_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [line.rstrip() for line in text.split("\n")]


def unescape_markdown(text: str | None) -> str | None:
    """The renders escape markdown characters: "1\\*10\\^6" -> "1*10^6", "\\>7" -> ">7"."""
    if text is None:
        return None
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!^<>|~])", r"\1", text)


def split_address(line: str) -> dict[str, str | None]:
    # "City, State, Country" or "City, Country" or "City, State, Zip, Country".
    parts = [p.strip() for p in line.split(",") if p.strip()]
    address: dict[str, str | None] = {"city": None, "state": None, "zip": None, "country": None}
    if not parts:
        return address
    if len(parts) > 1 and re.search(r"\d", parts[-1]):
        # The classic page puts the postal code last: "Wuhan, Hubei, China, 430081".
        address["zip"] = parts.pop()
    address["country"] = parts[-1]
    address["city"] = parts[0] if len(parts) > 1 else None
    middle = parts[1:-1]
    zips = [p for p in middle if re.search(r"\d", p)]
    states = [p for p in middle if not re.search(r"\d", p)]
    address["state"] = states[0] if states else None
    address["zip"] = address["zip"] or (zips[0] if zips else None)
    return address
