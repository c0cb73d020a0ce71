"""Polars expressions shared by the API v2 mappings (protocol and results sections)."""

from __future__ import annotations

import polars as pl


def at(*path: str) -> pl.Expr:
    """The field at `path` inside nested struct columns (column, then field names)."""
    expr = pl.col(path[0])
    for name in path[1:]:
        expr = expr.struct.field(name)
    return expr


def clean(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; blank becomes null. Never truncates."""
    text = expr.str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)
