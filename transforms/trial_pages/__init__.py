"""Trial web pages (plain-text render or saved HTML) -> canonical records.

Three layouts, recognized by their structure and parsed by headings, labels and table
rows, never by the wording of one record, one module each: `modern` (the current trial
page), `classic` (the classic study page) and `archive` (the archived page of one version).
HTML input other than an archived page is turned into the text render once, with a real
HTML parser (lxml): table cells end with " | " and rows with a new line.
"""

from __future__ import annotations

import re

from transforms.trial_pages.archive import extract_archive_page, is_archive_page, is_archive_text
from transforms.trial_pages.classic import extract_classic
from transforms.trial_pages.modern import extract_modern
from transforms.trial_pages.text import html_to_text, looks_like_html, normalized_lines

__all__ = ["html_to_text", "read_page"]


def read_page(text: str) -> tuple[str, dict] | None:
    """(layout, record) of a page: 'modern', 'classic' or 'archive'; None when the page is
    not a known layout."""
    if looks_like_html(text):
        if is_archive_page(text):
            return "archive", extract_archive_page(text)
        text = html_to_text(text)
    elif is_archive_text(text):
        return "archive", extract_archive_page(text)
    lines = normalized_lines(text)
    stripped = [line.strip() for line in lines]
    line_set = set(stripped)
    if any(re.match(r"^NCT ID:\s*", line) for line in stripped[:20]) and (
        {"Basic Information", "Study Design", "Eligibility Criteria"} & line_set
    ):
        return "modern", extract_modern(lines)
    if any(re.match(r"^ClinicalTrials\.gov Identifier\s*:", line) for line in stripped) and any(
        re.match(r"^(Recruitment Status|Study Type)\s*:", line) for line in stripped
    ):
        return "classic", extract_classic(lines)
    return None
