"""Record text in GX's validation results, escaped.

The results are filed beside the report (`run-NNNNNN.gx-validation.json`), where GX's own
renderers can read them; GX 1.24's Data Docs renderer writes the sample of failing values
(`partial_unexpected_list`, `partial_unexpected_counts`, `observed_value`) into its HTML
pages as they are: a `why_stopped` of `<img src=x onerror=...>` became script in a
validation page. Every text value kept in the results is HTML-escaped; counts and
positions are kept.
"""

from __future__ import annotations

import html

VALUE_KEYS = ("partial_unexpected_list", "observed_value")


def _escaped(value: object) -> object:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def escaped_result(result: dict) -> dict:
    """An expectation result's summary with every record value HTML-escaped."""
    kept = dict(result)
    for key in VALUE_KEYS:
        if key in kept:
            kept[key] = _escaped(kept[key])
    if kept.get("partial_unexpected_counts"):
        kept["partial_unexpected_counts"] = [
            {**entry, "value": _escaped(entry.get("value"))} for entry in kept["partial_unexpected_counts"]
        ]
    return kept
