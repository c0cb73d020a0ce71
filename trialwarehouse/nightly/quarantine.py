"""Refused inputs: a copy of their bytes with the reason beside it, and a row in etl_quarantine."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from trialwarehouse.nightly.quarantine_folders import quarantine_name
from trialwarehouse.nightly.sources import RawFile


def quarantine_copy(folder: Path, raw: RawFile, member: str, data: bytes | None, reason: str) -> str | None:
    """Keep a copy of refused bytes with the reason beside it; the raw file stays untouched."""
    folder.mkdir(parents=True, exist_ok=True)
    flat = quarantine_name(raw.relative, member)
    target: Path | None = folder / flat
    if data is None and not member:
        try:
            shutil.copyfile(raw.path, folder / flat)
        except OSError as gone:  # deleted or unreadable since it was parsed: the reason says so
            reason = f"{reason} (no copy kept: {gone.strerror})"
            target = None
    elif data is not None:
        (folder / flat).write_bytes(data)
    else:
        target = None
    reason_file = folder / (flat + ".reason.txt")
    reason_file.write_text(
        f"source: {raw.relative}\nmember: {member}\nsha256: {raw.sha256}\nreason: {reason}\n", encoding="utf-8"
    )
    return str(target) if target else None


def record_quarantine(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    raw: RawFile,
    member: str,
    index: int,
    reason: str,
    copy_path: str | None,
) -> None:
    con.execute(
        "INSERT INTO etl_quarantine VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [run_id, raw.relative, member, index, reason, copy_path, raw.sha256],
    )


def quarantined_inputs(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict]:
    rows = con.execute(
        "SELECT path, member, record_index, reason, quarantine_path FROM etl_quarantine WHERE run_id = ? ORDER BY ALL",
        [run_id],
    ).fetchall()
    keys = ("path", "member", "record_index", "reason", "quarantine_path")
    return [dict(zip(keys, row, strict=True)) for row in rows]
