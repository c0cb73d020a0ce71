"""CSV cells that a spreadsheet would run as a formula are neutralized.

Record text reaches the CSV files people open in Excel or LibreOffice (`export --format
csv`, `sql --format csv`, the findings CSV of the report). A cell starting with `=`, `+`,
`-`, `@`, a tab or a carriage return is read as a formula there (OWASP "CSV Injection"),
so such text cells get a leading `'`: the spreadsheet shows the text, and runs nothing.
Only text is touched: a negative number stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """`value`, or `'` + value when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralize_rows(rows: Iterable[Sequence[object]]) -> Iterable[list[object]]:
    for row in rows:
        yield [neutralize(v) for v in row]


def sql_text(expression: str) -> str:
    """The SQL expression of `neutralize` for one text expression of our own queries (a
    qualified column, a coalesce over one), never record content."""
    return (
        f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def sql_cell(column: str) -> str:
    """`sql_text` for one column named from our own allowlist of column names."""
    return sql_text('"' + column.replace('"', '""') + '"')


def neutralized_query(query: str, text_columns: Sequence[str]) -> str:
    """`query` with its text columns neutralized, column order kept. Not for a query whose
    row order matters: the query around it does not keep an ORDER BY inside (DuckDB on two
    threads returned 2,048-row blocks out of order from 200,000 rows up, measured); an
    ordered query neutralizes its own select list with `sql_text`."""
    if not text_columns:
        return query
    replaced = ", ".join(f'{sql_cell(c)} AS "{c}"' for c in text_columns)
    return f"SELECT * REPLACE ({replaced}) FROM ({query})"
