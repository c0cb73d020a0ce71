"""A fingerprint of every table of a warehouse: row count and an order-independent hash of all rows.

Two warehouses with the same fingerprint hold the same content. A refactoring that must not
change behaviour builds the warehouse from ../shared/data before and after and compares:

    .venv/bin/python -m bench.fingerprint [RAW_DIR]

Left out of the hash are the columns that differ between two identical builds by nature:
when a run started and ended, where its files were (absolute paths) and the file system's
own stat of the landing files.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from trialwarehouse import warehouse
from trialwarehouse.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
# Per table: the columns that vary from one identical build to the next.
VARYING = {
    "etl_run": {"started_at", "finished_at", "raw_dir", "software_version"},
    "etl_file_stat": {"mtime_ns", "ctime_ns", "inode"},
    "etl_quarantine": {"quarantine_path"},
    # Numbered in the order the check inputs list failing rows, and sql/checks/site_facts.sql
    # orders sites by name only: two sites of one trial with the same name (another city)
    # swap keys from one build to the next. The findings themselves (fingerprint, rule,
    # message, evidence) stay in the hash.
    "dq_finding": {"finding_key"},
}


def fingerprint(path: Path) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of the sorted row hashes)} for every base table of the warehouse."""
    con = warehouse.connect(path, read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND NOT internal ORDER BY 1"
            ).fetchall()
        ]
        result = {}
        for table in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
                ).fetchall()
                if r[0] not in VARYING.get(table, set())
            ]
            # Identifiers come from the warehouse's own catalog, quoted.
            row = "row(" + ", ".join(f'"{c}"' for c in columns) + ")"
            found = con.execute(
                f"SELECT count(*), md5(coalesce(string_agg(h, ',' ORDER BY h), '')) "
                f"FROM (SELECT md5(CAST({row} AS VARCHAR)) AS h FROM {table})"
            ).fetchall()
            result[table] = (int(found[0][0]), str(found[0][1]))
        return result
    finally:
        con.close()


def build(raw_dir: Path, warehouse: Path, checks: bool = True) -> Path:
    """The run sequence over `raw_dir`, as the test of the shared data runs it (no Prefect)."""
    from trialwarehouse.nightly.sequence import run_night

    run_night(Settings(raw_dir=raw_dir, warehouse=warehouse), checks=checks, report_and_email=False)
    return warehouse


def lines(prints: dict[str, tuple[int, str]]) -> list[str]:
    return [f"{table:<32} {rows:>8} {digest}" for table, (rows, digest) in sorted(prints.items())]


def main(raw_dir: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="tw-fingerprint-") as folder:
        warehouse = build(Path(raw_dir) if raw_dir else SHARED_DATA, Path(folder) / "trials.duckdb")
        print("\n".join(lines(fingerprint(warehouse))))


if __name__ == "__main__":
    main(*sys.argv[1:])
