"""The warehouse file's life during a write: one writer (a lock), a copy to write into, and
an atomic swap of the copy over the live file.

A write never touches the live warehouse file. It copies it to `<warehouse>.building`,
writes into the copy, and atomically renames the copy over the live file when it is done.
A crash at any point therefore leaves the live warehouse exactly as it was, and analysts
reading the live file are never blocked by the writer.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import IO

import duckdb


class WarehouseBusy(RuntimeError):
    """Another run holds the writer lock of this warehouse."""


def building_path(live: Path) -> Path:
    return live.with_name(live.name + ".building")


def staging_root(live: Path) -> Path:
    """Parquet files of the records parsed by a run, until it publishes (or fails)."""
    return live.with_name(live.name + ".staging")


def acquire_writer_lock(live: Path) -> IO[str]:
    """One writer per warehouse: a second run exits with a clear message instead of racing."""
    live.parent.mkdir(parents=True, exist_ok=True)
    handle = open(live.with_name(live.name + ".lock"), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise WarehouseBusy(
            f"another run is writing {live} (lock held on {live.name}.lock); try again when it ends"
        ) from None
    return handle


def remove_building(building: Path) -> None:
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)


def copy_for_writing(live: Path) -> Path:
    """Every write goes to a copy of the live file (call with the writer lock held)."""
    building = building_path(live)
    remove_building(building)  # a leftover from a killed run is discarded, never reused
    if live.exists():
        shutil.copyfile(live, building)
    return building


def swap_in(con: duckdb.DuckDBPyConnection, building: Path, live: Path) -> None:
    """Make the copy durable, then replace the live file with it in one atomic rename:
    readers see the old file or the new one, never a mix."""
    con.execute("CHECKPOINT")
    con.close()
    _fsync(building)
    os.replace(building, live)
    _fsync(live.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
