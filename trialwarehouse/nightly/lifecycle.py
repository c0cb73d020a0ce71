"""A run's beginning and end: register it in a writable copy of the warehouse, then swap the
copy in (completed) or discard it (failed). The file mechanics (and why the copy costs
what the night changes) are in `files`."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.checks.gx_process import GxProcess
from trialwarehouse.logs import event
from trialwarehouse.nightly import files, runlog
from trialwarehouse.nightly.quarantine_folders import fresh_run_folder, set_aside_failed
from trialwarehouse.nightly.results import IngestStats, PublishStats
from trialwarehouse.settings import Settings
from trialwarehouse.version import software_version


@dataclass
class RunContext:
    settings: Settings
    raw_dir: Path
    run_id: int
    started: float
    building: Path
    con: duckdb.DuckDBPyConnection
    lock_handle: IO[str]
    quarantine_dir: Path
    staging_dir: Path
    # Great Expectations' process, from the night's first parse job (when it parses here) or
    # its checks, to the end of its checks (`trialwarehouse.checks.gx_process`).
    gx: GxProcess | None = None

    @property
    def live(self) -> Path:
        return self.settings.warehouse

    def start_gx(self) -> GxProcess:
        if self.gx is None:
            self.gx = GxProcess()
        return self.gx

    def stop_gx(self) -> None:
        gx, self.gx = self.gx, None
        if gx is not None:
            gx.close()


def _import_unfinished_runs(con: duckdb.DuckDBPyConnection, live: Path) -> None:
    for run_id, events in runlog.unfinished_runs(live):
        started = events["started"]
        failed = events.get("failed", {})
        con.execute(
            "INSERT INTO etl_run (run_id, started_at, finished_at, status, raw_dir, error, software_version) "
            "VALUES (?, ?, ?, 'failed', ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                run_id,
                started["at"],
                failed.get("at"),
                started.get("raw_dir"),
                failed.get("error", "interrupted: the process ended before the run finished"),
                started.get("version"),
            ],
        )


def open_run(settings: Settings, raw_dir: Path) -> RunContext:
    """Take the writer lock, copy the live warehouse and register the run in the copy."""
    live = settings.warehouse
    lock = files.acquire_writer_lock(live)
    try:
        shutil.rmtree(files.staging_root(live), ignore_errors=True)  # a killed run's leftovers: never reused
        copy_started = time.monotonic()
        building, copied_bytes = files.copy_for_writing(live)
        copy_seconds = time.monotonic() - copy_started
        con = warehouse.connect(building, memory_limit=settings.duckdb_memory_limit)
        schema = warehouse.ensure_schema(con)
        _import_unfinished_runs(con, live)
        # Single writer (lock above), so max + 1 is safe; failed and killed runs were
        # imported just above, so their ids are never reused.
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_run").fetchall()[0][0]
        runlog.log_event(live, "started", run_id, raw_dir=str(raw_dir), version=software_version())
        con.execute(
            "INSERT INTO etl_run (run_id, started_at, status, raw_dir, software_version, schema_fingerprint) "
            "VALUES (?, now(), 'running', ?, ?, ?)",
            [run_id, str(raw_dir), software_version(), schema],
        )
        quarantine_dir = fresh_run_folder(settings.resolved_quarantine_dir(), run_id)
        event(
            "open-run",
            run_id,
            warehouse=live,
            raw_dir=raw_dir,
            warehouse_bytes=live.stat().st_size if live.exists() else 0,
            copied_bytes=copied_bytes,
            copy_seconds=copy_seconds,
        )
        staging_dir = files.staging_root(live) / f"run-{run_id:06d}"
        return RunContext(settings, raw_dir, run_id, time.monotonic(), building, con, lock, quarantine_dir, staging_dir)
    except BaseException:
        lock.close()
        raise


def complete_run(ctx: RunContext, ingest_stats: IngestStats, publish_stats: PublishStats) -> float:
    """Record the run's counts, then atomically swap the built warehouse in."""
    seconds = time.monotonic() - ctx.started
    ctx.con.execute(
        """
        UPDATE etl_run SET finished_at = now(), status = 'completed',
            files_seen = ?, files_loaded = ?, files_unchanged = ?, files_quarantined = ?,
            records_seen = ?, records_loaded = ?, records_rejected = ?,
            versions_added = ?, trials_new = ?, trials_changed = ?, trials_unchanged = ?
        WHERE run_id = ?
        """,
        [
            ingest_stats.files_seen,
            ingest_stats.files_loaded,
            ingest_stats.files_unchanged,
            ingest_stats.files_quarantined,
            ingest_stats.records_seen,
            ingest_stats.records_loaded,
            ingest_stats.records_rejected,
            publish_stats.versions_added,
            publish_stats.trials_new,
            publish_stats.trials_changed,
            publish_stats.trials_unchanged,
            ctx.run_id,
        ],
    )
    swap_started = time.monotonic()
    files.swap_in(ctx.con, ctx.building, ctx.live)
    swap_seconds = time.monotonic() - swap_started
    shutil.rmtree(ctx.staging_dir, ignore_errors=True)
    runlog.log_event(ctx.live, "completed", ctx.run_id)
    ctx.lock_handle.close()
    event(
        "complete-run",
        ctx.run_id,
        status="completed",
        warehouse_bytes=ctx.live.stat().st_size,
        checkpoint_and_swap_seconds=swap_seconds,
        seconds=seconds,
    )
    return seconds


def abort_run(ctx: RunContext, error: BaseException) -> None:
    """Discard the building copy; the failure is logged and lands in etl_run next run."""
    try:
        ctx.stop_gx()
        ctx.con.close()
    except duckdb.Error:
        pass
    finally:
        _discard(ctx, error)


def _discard(ctx: RunContext, error: BaseException) -> None:
    try:
        files.remove_building(ctx.building)
        shutil.rmtree(ctx.staging_dir, ignore_errors=True)
        runlog.log_event(ctx.live, "failed", ctx.run_id, error=f"{type(error).__name__}: {error}")
        set_aside_failed(ctx.quarantine_dir)
        event("abort-run", ctx.run_id, status="failed", error=f"{type(error).__name__}: {error}")
    finally:
        ctx.lock_handle.close()
