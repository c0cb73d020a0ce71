"""Trial web pages (text or saved HTML) -> canonical records."""
from __future__ import annotations


def recognize_layout(text: str) -> str | None:
    return None


def extract_page(text: str, layout: str) -> dict:
    raise NotImplementedError
