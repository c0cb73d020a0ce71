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
    # One reference to the trimmed text: `when(text...).then(text)` trims every cell twice
    # (polars does not share the two), and this runs on every field a study is read into.
    return expr.str.strip_chars().replace({"": None})


def clean_list(expr: pl.Expr) -> pl.Expr:
    """Cleaned, non-blank texts; a missing list is an empty one, as in the other formats."""
    return expr.list.eval(clean(pl.element())).list.drop_nulls().fill_null(pl.lit([], dtype=pl.List(pl.String)))


def joined(expr: pl.Expr) -> pl.Expr:
    """Cleaned, non-blank texts of a list joined by "; "; none: null."""
    # Only an empty list joins to "" (no text left is blank), and one reference to the
    # cleaned list cleans it once.
    return clean_list(expr).list.join("; ").replace({"": None})


def ordinal_in_runs(key: str) -> pl.Expr:
    """0-based position of each row among the consecutive rows with the same `key` (never
    null): a child's ordinal within its record, on a frame sorted by record first. The same numbers
    as `int_range(len()).over(key)` on such a frame, without its grouping by hash (four to
    seven times the cost, on every child table of every batch)."""
    row = pl.int_range(pl.len(), dtype=pl.Int32)
    run_start = pl.when(pl.col(key) != pl.col(key).shift(1)).then(row).fill_null(strategy="forward").fill_null(0)
    return row - run_start
