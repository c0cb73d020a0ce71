"""Where a night parses its files: in the flow's own process, or fanned out to workers."""

from __future__ import annotations

from pathlib import Path

import duckdb

from trialwarehouse.nightly.sources import FileStat, display_name
from trialwarehouse.settings import Settings

AUTO_PROCESS_BYTES = 256 * 1024 * 1024


def choose_task_runner(settings: Settings, raw_dir: Path | None = None) -> Settings:
    """Settings with `task_runner` "auto" resolved. Starting parse workers costs a few
    seconds of imports, repaid only on big nights (a first full load, a bulk download):
    a pool of processes from 256 MB of files to read on, the flow's own process below. Files
    the warehouse has already read (same path and stat in `etl_file_stat`) do not count: a
    nightly pull beside a registry-sized landing folder is a small night."""
    if settings.task_runner != "auto":
        return settings
    landing = raw_dir or settings.raw_dir
    known = _known_stats(settings.warehouse)
    size = 0
    if landing.is_dir():
        for path in landing.rglob("*"):
            if path.is_file() and known.get(display_name(path.relative_to(landing).as_posix())) != FileStat.of(path):
                size += path.stat().st_size
    runner = "process" if size >= AUTO_PROCESS_BYTES and settings.workers > 1 else "local"
    return settings.model_copy(update={"task_runner": runner})


def _known_stats(live: Path) -> dict[str, FileStat]:
    """The landing files the warehouse has read, by path; none when it cannot be read."""
    if not live.is_file():
        return {}
    try:
        con = duckdb.connect(str(live), read_only=True)
    except duckdb.Error:
        return {}
    try:
        rows = con.execute("SELECT path, size_bytes, mtime_ns, ctime_ns, inode FROM etl_file_stat").fetchall()
    except duckdb.Error:  # a warehouse from before etl_file_stat: every file counts
        return {}
    finally:
        con.close()
    return {path: FileStat(size, mtime, ctime, inode) for path, size, mtime, ctime, inode in rows}
