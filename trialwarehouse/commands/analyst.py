"""Analysts' tools: read-only SQL with formatted output, and flat-file exports.

Read-only means read-only twice over: the warehouse is opened with `read_only=True`, and
every statement is checked against an allowlist of statement types before it runs, so a
write gets a clear message instead of a database error.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from trialwarehouse import warehouse

READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# Exported as files; the facts that grow with the registry are split by a low-cardinality column.
PARTITIONS = {"fct_trial_version": "overall_status", "v_trial_versions": "overall_status"}
TABLE_CELL_WIDTH = 60


class WriteRefused(ValueError):
    """A statement that would change the warehouse (or the disk) was refused."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    arrow: pa.Table


def check_read_only(sql: str) -> list[str]:
    """The statements of `sql`, or WriteRefused naming the first one that is not a read."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.ParserException as exc:
        raise ValueError(f"SQL does not parse: {exc}") from exc
    if not statements:
        raise ValueError("no SQL statement given")
    for statement in statements:
        if statement.type not in READ_ONLY_STATEMENTS:
            kind = statement.type.name
            raise WriteRefused(
                f"refused: {kind} statements change data or files; trialwarehouse sql only reads "
                "(SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN)"
            )
    return [s.query for s in statements]


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise FileNotFoundError(f"warehouse not found: {path}")
    return warehouse.connect(path, read_only=True)


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    statements = check_read_only(sql)
    for statement in statements[:-1]:
        con.execute(statement)
    relation = con.sql(statements[-1])
    if relation is None:
        return QueryResult([], [], pa.table({}))
    table = relation.to_arrow_table()
    return QueryResult(list(table.column_names), [tuple(r.values()) for r in table.to_pylist()], table)


def _display(value) -> str:
    if value is None:
        return "NULL"
    text = str(value).replace("\n", " ")
    return text if len(text) <= TABLE_CELL_WIDTH else text[: TABLE_CELL_WIDTH - 1] + "…"


def format_table(result: QueryResult) -> str:
    """An aligned text table; long cells are shortened for display only."""
    cells = [[_display(v) for v in row] for row in result.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    numeric = [
        all(isinstance(row[i], (int, float, Decimal)) or row[i] is None for row in result.rows) and result.rows
        for i in range(len(result.columns))
    ]

    def line(values: list[str]) -> str:
        return " | ".join(
            v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    out = [line(result.columns), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    out.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(out)


def _json_value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def format_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows(result.rows)
    return buffer.getvalue()


def format_json(result: QueryResult) -> str:
    return json.dumps(
        [{c: _json_value(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows],
        indent=1,
        ensure_ascii=False,
    )


def write_result(result: QueryResult, fmt: str, output: Path | None) -> str | None:
    """Render `result`; returns the text to print, or None when a file was written."""
    if fmt == "parquet":
        if output is None:
            raise ValueError("--format parquet needs --output FILE")
        pq.write_table(result.arrow, output)
        return None
    text = {"table": format_table, "csv": format_csv, "json": format_json}[fmt](result)
    if output is None:
        return text.rstrip("\n")
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return None


def public_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the schema (allowlist from our own DDL, never user input)."""
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    present |= {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    return [name for name in (*warehouse.VIEWS, *warehouse.TABLES) if name in present]


def export_warehouse(
    con: duckdb.DuckDBPyConnection, target: Path, fmt: str = "parquet", dictionary: Path | None = None
) -> list[Path]:
    """Write every public view and table as files, plus the data dictionary."""
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in public_objects(con):
        query = f"SELECT * FROM {name}"  # name from the allowlist above, never user input
        if fmt == "csv":
            path = target / f"{name}.csv"
            result = con.execute(query)
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow([d[0] for d in result.description])
                writer.writerows(result.fetchall())
            written.append(path)
            continue
        table = con.sql(query).to_arrow_table()
        if name in PARTITIONS and table.num_rows:
            path = target / name
            shutil.rmtree(path, ignore_errors=True)
            ds.write_dataset(
                table,
                path,
                format="parquet",
                partitioning=[PARTITIONS[name]],
                partitioning_flavor="hive",
                existing_data_behavior="overwrite_or_ignore",
            )
        else:
            path = target / f"{name}.parquet"
            pq.write_table(table, path)
        written.append(path)
    columns = con.execute(
        """
        SELECT table_name, column_name, data_type, comment
        FROM duckdb_columns() WHERE NOT internal ORDER BY table_name, column_index
        """
    ).fetchall()
    dictionary_csv = target / "data_dictionary.csv"
    with dictionary_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["table", "column", "type", "meaning"])
        writer.writerows(columns)
    written.append(dictionary_csv)
    if dictionary and dictionary.exists():
        shutil.copyfile(dictionary, target / "schema.md")
        written.append(target / "schema.md")
    return written
