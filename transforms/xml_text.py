"""Text of legacy ClinicalTrials.gov XML elements, shared by the protocol and results extractors."""

from __future__ import annotations

import textwrap

from transforms.canonical import clean_text


def block_text(value: str | None) -> str | None:
    """Free text from a textblock: CR/CRLF to LF, the export's indentation removed."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(textwrap.dedent(text))
