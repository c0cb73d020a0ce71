"""The report's CSV files, written by DuckDB straight from the warehouse: every reported
finding of a portfolio in triage order, tonight's NEW ones, and the counts per lead sponsor.
Record text is neutralized for spreadsheets (`trialwarehouse.csvsafe`)."""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from trialwarehouse.atomic import write_bytes_atomically
from trialwarehouse.csvsafe import sql_text
from trialwarehouse.nightly.report_data import EVERYTHING, TRIAGE_ORDER, WITH_TEXT, Portfolio, ReportedFindings

# The findings CSV's columns: (expression over WITH_TEXT, header). Curators open it in a
# spreadsheet, so every text cell is neutralized, in the select list itself: the CSV's ORDER BY
# then orders what is written (wrapped in a query around it, `neutralized_query`, the order was
# lost: at 570k trials most rows were out of place).
_FINDINGS_COLUMNS = [
    ("r.finding_key", "finding_id"),
    ("r.state", "state"),
    ("r.severity", "severity"),
    ('r."check"', "check"),
    ("r.rule", "rule"),
    ("r.nct_id", "nct_id"),
    ("t.registry_url", "registry_url"),
    ("d.message", "message"),
    ("d.evidence", "evidence"),
    ("r.first_seen_run", "first_seen_run"),
    ("r.weight", "check_weight"),
    ("r.brief_title", "brief_title"),
    ("r.lead_sponsor", "lead_sponsor"),
]
_NUMBERS = {"finding_id", "first_seen_run", "check_weight"}
_FINDINGS_SELECT = ", ".join(
    f'{expression if header in _NUMBERS else sql_text(expression)} AS "{header}"'
    for expression, header in _FINDINGS_COLUMNS
)


def write_sponsor_counts_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    portfolio: Portfolio = EVERYTHING,
    reported: ReportedFindings | None = None,
) -> Path:
    """Open findings per lead sponsor (all of them; the page shows the most affected), by
    severity, most errors first."""
    if reported is None:
        with ReportedFindings(con, portfolio) as derived:
            return write_sponsor_counts_csv(con, path, portfolio, derived)
    sponsor = "coalesce(lead_sponsor, '(no lead sponsor)')"
    query = f"""
        SELECT {sql_text(sponsor)} AS lead_sponsor, count(DISTINCT nct_id) AS trials,
               count(*) AS findings, count(*) FILTER (WHERE severity = 'error') AS errors,
               count(*) FILTER (WHERE severity = 'warning') AS warnings,
               count(*) FILTER (WHERE severity = 'info') AS info, count(*) FILTER (WHERE state = 'NEW') AS new
        FROM {reported.table} GROUP BY {sponsor} ORDER BY errors DESC, findings DESC, trials DESC, {sponsor}
        """
    return _write_csv(con, query, [], path)


def write_findings_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    only_new: bool = False,
    portfolio: Portfolio = EVERYTHING,
    reported: ReportedFindings | None = None,
) -> Path:
    """Every reported finding of the portfolio (or tonight's NEW ones) as CSV, in triage
    order, written by DuckDB straight from the warehouse: a million findings never pass
    through Python. NEW ones keep the order they have among all (a trial's place is its
    place among every trial)."""
    if reported is None:
        with ReportedFindings(con, portfolio) as derived:
            return write_findings_csv(con, path, only_new, portfolio, derived)
    only = " WHERE r.state = 'NEW'" if only_new else ""
    query = f"SELECT {_FINDINGS_SELECT} FROM {WITH_TEXT.format(r=reported.table)}{only} {TRIAGE_ORDER}"
    if only_new:
        return _write_csv(con, query, [], path)
    return _write_csv_unless_unchanged(con, query, reported, path)


# What makes a row of the findings CSV and its place: equal fingerprints, equal files.
_CSV_CONTENT = ", ".join([*(expression for expression, _ in _FINDINGS_COLUMNS), "r.position", "r.triage_key"])
_RUN_PREFIX = re.compile(r"^run-\d+-")


def _write_csv_unless_unchanged(
    con: duckdb.DuckDBPyConnection, query: str, reported: ReportedFindings, path: Path
) -> Path:
    """Write the CSV of every reported finding, unless the last report's is the same file:
    then link to it. On a quiet night after a quiet night nothing is opened, resolved,
    accepted or turns from NEW to OPEN, and rewriting every open finding of the warehouse
    (380 MB at 570k trials, 3 s) is what made the night grow with the warehouse. The
    fingerprint hashes every value of every row and the query's own text (a new version's
    CSV layout is written afresh); it is kept beside the reports, one per kind of CSV."""
    kind = _RUN_PREFIX.sub("", path.name)
    if kind == path.name:  # not a run's report file: nothing to compare with
        return _write_csv(con, query, [], path)
    sidecar = path.parent / f".{kind}.last"
    if reported.rows("SELECT count(*) FROM {r} WHERE state = 'NEW'")[0][0]:
        # A NEW finding is listed as NEW by the night that first saw it alone: no earlier file
        # holds this one's rows, and no later night's will (the finding is OPEN by then). The
        # fingerprint of every row (0.5 s at 570k trials) would be of no use to anyone.
        sidecar.unlink(missing_ok=True)
        return _write_csv(con, query, [], path)
    rows, digest = reported.rows(f"SELECT count(*), bit_xor(hash({_CSV_CONTENT})) FROM {WITH_TEXT}")[0]
    layout = hashlib.sha256(query.replace(reported.table, "{r}").encode()).hexdigest()[:16]
    fingerprint = f"{layout}-{rows}-{digest}"
    last = sidecar.read_text(encoding="utf-8").split("\n") if sidecar.is_file() else []
    previous = path.parent / last[0] if len(last) == 3 else None
    # The last file is linked only as it was written (same size and modification time).
    if previous is not None and last[1] == fingerprint and previous != path and _stamp(previous) == last[2]:
        try:
            path.unlink(missing_ok=True)
            os.link(previous, path)
            return path
        except OSError:  # a file system without links: write it
            pass
    _write_csv(con, query, [], path)
    write_bytes_atomically(sidecar, f"{path.name}\n{fingerprint}\n{_stamp(path)}".encode())
    return path


def _stamp(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return ""
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def _write_csv(con: duckdb.DuckDBPyConnection, query: str, params: list, path: Path) -> Path:
    """Write the rows of `query`, in its order, as CSV (header first, DuckDB's quoting).

    DuckDB runs the query (its sort spills past the connection's memory limit) and hands
    its rows over in small Arrow batches, in order; polars writes each batch, on a second
    thread while DuckDB makes the next. DuckDB's own ordered COPY was slower: on two
    threads it held sorted batches that arrive before their turn, past the report's 512MB,
    and on one thread it took 4.9 s for the 484,007 findings at 570k trials, against 2.7 s
    this way (medians of 3, side by side); the files are byte for byte the same."""
    path.unlink(missing_ok=True)  # it may be a link to an earlier report's file: never write through it
    reader = con.sql(query, params=params or None).to_arrow_reader(_CSV_BATCH_ROWS)
    with path.open("wb") as out, ThreadPoolExecutor(max_workers=1) as writer:
        pending = None  # the batch being written
        for batch in reader:
            frame = pl.DataFrame(batch)
            if pending is not None:
                pending.result()  # one batch in hand, one being written: memory stays flat
            pending = writer.submit(frame.write_csv, out, include_header=pending is None)
        if pending is None:  # no rows: the header alone
            # Not schema.empty_table(): pyarrow imports pandas for it, 0.26 s of a quiet night.
            pl.DataFrame(pa.Table.from_batches([], schema=reader.schema)).write_csv(out)
        else:
            pending.result()
    return path


# Rows per batch handed from DuckDB to the CSV writer: about 16 MB of findings.
_CSV_BATCH_ROWS = 20_000
