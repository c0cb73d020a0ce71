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


def sql_cell(column: str) -> str:
    """The SQL expression of `neutralize` for one text column; `column` comes from our own
    allowlist of column names, never from record content."""
    quoted = '"' + column.replace('"', '""') + '"'
    return (
        f"CASE WHEN left({quoted}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {quoted} ELSE {quoted} END"
    )


def neutralized_query(query: str, text_columns: Sequence[str]) -> str:
    """`query` with its text columns neutralized, column order and row order kept."""
    if not text_columns:
        return query
    replaced = ", ".join(f'{sql_cell(c)} AS "{c}"' for c in text_columns)
    return f"SELECT * REPLACE ({replaced}) FROM ({query})"
