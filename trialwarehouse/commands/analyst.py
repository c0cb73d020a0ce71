"""Analysts' tools: read-only SQL with formatted output, and flat-file exports.

Read-only means read-only three times over:
- every statement is classified by DuckDB's own parser (`duckdb.extract_statements` and its
  statement types, never a text prefix) and only reads are run, so a write gets a clear
  message instead of a database error; an EXPLAIN is judged by the statement it explains
  (`EXPLAIN ANALYZE` runs it);
- the warehouse is opened with `read_only=True`;
- the connection has `enable_external_access = false` and a locked configuration, so no
  statement, whatever it is, can read or write a file outside the warehouse (`COPY ... TO`,
  `read_text`, `read_csv`, `glob`, `ATTACH`, `INSTALL`) or turn that setting back on.
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
import pyarrow.parquet as pq

from trialwarehouse import warehouse
from trialwarehouse.csvsafe import neutralize_rows, neutralized_query

READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT}  # DESCRIBE, SHOW, SUMMARIZE and FROM-first parse as SELECT
# Settings of every analyst connection: no file outside the warehouse, and no way back.
ANALYST_CONFIG = {"enable_external_access": False}
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


def _explained(statement) -> duckdb.Statement | None:
    """The statement an EXPLAIN wraps, found with DuckDB's tokenizer and parser: the first
    token from which the rest of the text parses as one statement (after EXPLAIN, an
    optional ANALYZE or option list never parses on its own)."""
    query = statement.query
    for position, _kind in duckdb.tokenize(query)[1:]:
        try:
            inner = duckdb.extract_statements(query[position:])
        except duckdb.Error:
            continue
        if len(inner) == 1:
            return inner[0]
    return None


def _refusal(kind: str) -> WriteRefused:
    return WriteRefused(
        f"refused: {kind} statements change data or files; trialwarehouse sql only reads "
        "(SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN of those)"
    )


def check_read_only(sql: str) -> list[str]:
    """The statements of `sql`, or WriteRefused naming the first one that is not a read."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ValueError(f"SQL does not parse: {exc}") from exc
    if not statements:
        raise ValueError("no SQL statement given")
    for statement in statements:
        judged: duckdb.Statement | None = statement
        while judged is not None and judged.type == duckdb.StatementType.EXPLAIN:
            judged = _explained(judged)
        if judged is None:
            raise _refusal("EXPLAIN of unrecognized")
        if judged.type not in READ_ONLY_STATEMENTS:
            raise _refusal(judged.type.name if judged is statement else f"EXPLAIN {judged.type.name}")
    return [s.query for s in statements]


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The analysts' connection: read-only, no file access beyond the warehouse, settings locked."""
    if not path.exists():
        raise FileNotFoundError(f"warehouse not found: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"warehouse path is a folder, not a DuckDB file: {path}")
    try:
        con = warehouse.connect(path, read_only=True, config=dict(ANALYST_CONFIG))
    except duckdb.Error as exc:
        raise NotAWarehouse(f"{path} is not a readable DuckDB warehouse ({_first_line(exc)})") from exc
    con.execute("SET lock_configuration = true")
    return con


class NotAWarehouse(ValueError):
    """The warehouse file exists but DuckDB cannot open it (corrupted, or another file)."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def run_queries(con: duckdb.DuckDBPyConnection, sql: str) -> list[QueryResult]:
    """Every statement of `sql` checked first, then run in turn; one result each."""
    results = []
    for statement in check_read_only(sql):
        relation = con.sql(statement)
        table = relation.to_arrow_table() if relation is not None else pa.table({})
        # Materialized before the next statement runs: a pending result would hold the connection.
        results.append(QueryResult(list(table.column_names), [tuple(r.values()) for r in table.to_pylist()], table))
    return results


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    """The result of the last statement of `sql` (each one runs, in turn)."""
    return run_queries(con, sql)[-1]


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
    # RFC 4180 line ends: with "\n" alone, csv leaves a cell holding "\r" unquoted.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.columns)
    writer.writerows(neutralize_rows(result.rows))
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
        return text.rstrip("\r\n")
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return None


def public_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the schema (allowlist from our own DDL, never user input)."""
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    present |= {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    return [name for name in (*warehouse.VIEWS, *warehouse.TABLES) if name in present]


def open_for_export(path: Path) -> duckdb.DuckDBPyConnection:
    """The export's connection: read-only, and allowed to write files, because DuckDB itself
    writes them (`COPY ... TO`). Only `export_warehouse`'s own statements run on it, never
    an analyst's SQL (that goes through `open_read_only`)."""
    if not path.exists():
        raise FileNotFoundError(f"warehouse not found: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"warehouse path is a folder, not a DuckDB file: {path}")
    try:
        return warehouse.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise NotAWarehouse(f"{path} is not a readable DuckDB warehouse ({_first_line(exc)})") from exc


def _text_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND data_type = 'VARCHAR' "
            "ORDER BY column_index",
            [name],
        ).fetchall()
    ]


def export_warehouse(
    con: duckdb.DuckDBPyConnection, target: Path, fmt: str = "parquet", dictionary: Path | None = None
) -> list[Path]:
    """Write every public view and table as files, plus the data dictionary. DuckDB writes
    them itself (`COPY ... TO`, streaming within its memory limit), so no table passes
    through Python; CSV text cells are neutralized in the query (`csvsafe.neutralized_query`).
    Paths are bound as parameters; names come from the schema's allowlist."""
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in public_objects(con):
        query = f"SELECT * FROM {name}"  # name from the allowlist above, never user input
        if fmt == "csv":
            path = target / f"{name}.csv"
            con.execute(
                f"COPY ({neutralized_query(query, _text_columns(con, name))}) TO ? (FORMAT csv, HEADER)", [str(path)]
            )
        elif name in PARTITIONS and con.execute(f"SELECT EXISTS ({query})").fetchone() == (True,):
            path = target / name
            shutil.rmtree(path, ignore_errors=True)
            # The partition column is the table's own (allowlist above), never record content.
            con.execute(
                f"COPY ({query}) TO ? (FORMAT parquet, PARTITION_BY ({PARTITIONS[name]}), OVERWRITE_OR_IGNORE)",
                [str(path)],
            )
        else:
            path = target / f"{name}.parquet"
            con.execute(f"COPY ({query}) TO ? (FORMAT parquet)", [str(path)])
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
        writer.writerows(neutralize_rows(columns))
    written.append(dictionary_csv)
    if dictionary and dictionary.exists():
        shutil.copyfile(dictionary, target / "schema.md")
        written.append(target / "schema.md")
    return written
