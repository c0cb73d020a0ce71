"""The steps of one run. `flows/nightly.py` wires them into a Prefect flow.

A run never writes the live warehouse file. It copies it to `<warehouse>.building`,
loads into the copy, and atomically renames the copy over the live file when the run
completes. A crash at any point therefore leaves the live warehouse exactly as it was,
and analysts reading the live file are never blocked by the writer.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from transforms.frames import build_frames
from trialwarehouse import warehouse
from trialwarehouse.logs import Progress, event
from trialwarehouse.parsing import ParsedFile, ParseJob, parse_raw_file, write_staged
from trialwarehouse.pull import STATE_DIR, pending_manifests
from trialwarehouse.quarantine import fresh_run_folder, quarantine_name, set_aside_failed
from trialwarehouse.settings import Settings
from trialwarehouse.sources import FileStat, RawFile, describe_raw_file, display_name, scan_landing
from trialwarehouse.version import software_version


class WarehouseBusy(RuntimeError):
    """Another run holds the writer lock of this warehouse."""


@dataclass
class IngestStats:
    files_seen: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    files_quarantined: int = 0
    records_seen: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    files_skipped: int = 0  # symlinks, hidden files, *.part/*.tmp, files gone before they were read
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"} of each


@dataclass
class PublishStats:
    versions_added: int = 0
    trials_new: int = 0
    trials_changed: int = 0
    trials_unchanged: int = 0


@dataclass
class RunSummary:
    run_id: int
    status: str
    warehouse: str
    report: str | None
    raw_dir: str
    seconds: float
    ingest: IngestStats
    publish: PublishStats
    quarantined: list[dict] = field(default_factory=list)
    error: str | None = None
    quality: object | None = None  # quality.QualityStats
    email: str | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        if isinstance(data.get("quality"), dict):
            data["quality"].pop("validation_json", None)  # kept in its own file
            data["quality"].pop("data_docs_dir", None)  # a temporary folder, copied beside the report
        return data


@dataclass
class RunContext:
    settings: Settings
    raw_dir: Path
    run_id: int
    started: float
    building: Path
    con: duckdb.DuckDBPyConnection
    lock_handle: object
    quarantine_dir: Path
    staging_dir: Path

    @property
    def live(self) -> Path:
        return self.settings.warehouse


AUTO_PROCESS_BYTES = 256 * 1024 * 1024


def choose_task_runner(settings: Settings, raw_dir: Path | None = None) -> Settings:
    """Settings with `task_runner` "auto" resolved. Starting parse workers costs a few
    seconds of imports, repaid only on big nights (a first full load, a bulk download):
    a pool of processes from 256 MB of raw files on, the flow's own process below."""
    if settings.task_runner != "auto":
        return settings
    landing = raw_dir or settings.raw_dir
    size = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) if landing.is_dir() else 0
    runner = "process" if size >= AUTO_PROCESS_BYTES and settings.workers > 1 else "local"
    return settings.model_copy(update={"task_runner": runner})


def building_path(live: Path) -> Path:
    return live.with_name(live.name + ".building")


def staging_root(live: Path) -> Path:
    """Parquet files of the records parsed by a run, until it publishes (or fails)."""
    return live.with_name(live.name + ".staging")


def run_log_path(live: Path) -> Path:
    """Append-only log of run starts and ends, beside the warehouse.

    The live warehouse is only ever replaced whole, so a run that fails or is killed
    cannot write its own row there. It leaves lines here instead, and the next run
    copies them into etl_run (a killed run shows up as failed, "interrupted").
    """
    return live.with_name(live.name + ".runs.jsonl")


def _log_run_event(live: Path, event: dict) -> None:
    with run_log_path(live).open("a", encoding="utf-8") as log:
        log.write(json.dumps(event, default=str) + "\n")
        log.flush()
        os.fsync(log.fileno())


def _import_unfinished_runs(con: duckdb.DuckDBPyConnection, live: Path) -> None:
    path = run_log_path(live)
    if not path.exists():
        return
    runs: dict[int, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a kill; the run still has its "started" line
        runs.setdefault(int(event["run_id"]), {}).update({event["event"]: event})
    for run_id, events in sorted(runs.items()):
        if "completed" in events or "started" not in events:  # "email" events are read by `status`
            continue
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


def acquire_writer_lock(live: Path):
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


def _remove_building(building: Path) -> None:
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _copy_for_writing(live: Path) -> Path:
    """Every write goes to a copy of the live file (call with the writer lock held)."""
    building = building_path(live)
    _remove_building(building)  # a leftover from a killed run is discarded, never reused
    if live.exists():
        shutil.copyfile(live, building)
    return building


def _swap_in(con: duckdb.DuckDBPyConnection, building: Path, live: Path) -> None:
    """Make the copy durable, then replace the live file with it in one atomic rename:
    readers see the old file or the new one, never a mix."""
    con.execute("CHECKPOINT")
    con.close()
    _fsync(building)
    os.replace(building, live)
    _fsync(live.parent)


def open_run(settings: Settings, raw_dir: Path) -> RunContext:
    """Take the writer lock, copy the live warehouse and register the run in the copy."""
    live = settings.warehouse
    lock = acquire_writer_lock(live)
    try:
        shutil.rmtree(staging_root(live), ignore_errors=True)  # a killed run's leftovers: never reused
        building = _copy_for_writing(live)
        con = warehouse.connect(building, memory_limit=settings.duckdb_memory_limit)
        warehouse.apply_schema(con)
        _import_unfinished_runs(con, live)
        # Single writer (lock above), so max + 1 is safe; failed and killed runs were
        # imported just above, so their ids are never reused.
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_run").fetchone()[0]
        _log_run_event(
            live,
            {
                "event": "started",
                "run_id": run_id,
                "at": utc_now().isoformat(),
                "raw_dir": str(raw_dir),
                "version": software_version(),
            },
        )
        con.execute(
            "INSERT INTO etl_run (run_id, started_at, status, raw_dir, software_version) VALUES (?, now(), 'running', ?, ?)",
            [run_id, str(raw_dir), software_version()],
        )
        quarantine_dir = fresh_run_folder(settings.resolved_quarantine_dir(), run_id)
        event(
            "open-run",
            run_id,
            warehouse=live,
            raw_dir=raw_dir,
            copied_bytes=live.stat().st_size if live.exists() else 0,
        )
        staging_dir = staging_root(live) / f"run-{run_id:06d}"
        return RunContext(settings, raw_dir, run_id, time.monotonic(), building, con, lock, quarantine_dir, staging_dir)
    except BaseException:
        lock.close()
        raise


def _quarantine_copy(ctx: RunContext, raw: RawFile, member: str, data: bytes | None, reason: str) -> str | None:
    """Keep a copy of refused bytes with the reason beside it; the raw file stays untouched."""
    ctx.quarantine_dir.mkdir(parents=True, exist_ok=True)
    flat = quarantine_name(raw.relative, member)
    target: Path | None = ctx.quarantine_dir / flat
    if data is None and not member:
        try:
            shutil.copyfile(raw.path, ctx.quarantine_dir / flat)
        except OSError as gone:  # deleted or unreadable since it was parsed: the reason says so
            reason = f"{reason} (no copy kept: {gone.strerror})"
            target = None
    elif data is not None:
        (ctx.quarantine_dir / flat).write_bytes(data)
    else:
        target = None
    reason_file = ctx.quarantine_dir / (flat + ".reason.txt")
    reason_file.write_text(
        f"source: {raw.relative}\nmember: {member}\nsha256: {raw.sha256}\nreason: {reason}\n", encoding="utf-8"
    )
    return str(target) if target else None


def _record_quarantine(ctx, raw: RawFile, member: str, index: int, reason: str, copy_path: str | None) -> None:
    ctx.con.execute(
        "INSERT INTO etl_quarantine VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [ctx.run_id, raw.relative, member, index, reason, copy_path, raw.sha256],
    )


def _record_pulls(ctx: RunContext) -> None:
    """Copy completed pull manifests into etl_pull and stage full-sync id lists."""
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE stg_full_sync (pull_id VARCHAR, query VARCHAR)")
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE stg_listed_ids (pull_id VARCHAR, nct_id VARCHAR)")
    for manifest in pending_manifests(ctx.raw_dir):
        inserted = ctx.con.execute(
            """
            INSERT INTO etl_pull VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING RETURNING pull_id
            """,
            [
                manifest["pull_id"],
                manifest["started_at"],
                manifest["finished_at"],
                manifest["status"],
                manifest["since"],
                manifest["query"],
                manifest["full"],
                manifest["pages"],
                manifest["studies"],
                manifest["total_count"],
                manifest["count_mismatch"],
                manifest["newest_last_update"],
                manifest["api_version"],
                manifest["data_timestamp"],
                manifest["listed_ids"],
                manifest["data_file"],
                ctx.run_id,
            ],
        ).fetchall()
        if inserted and manifest.get("full") and manifest.get("nct_ids_file"):
            listing = json.loads((ctx.raw_dir / STATE_DIR / manifest["nct_ids_file"]).read_text(encoding="utf-8"))
            ctx.con.execute("INSERT INTO stg_full_sync VALUES (?, ?)", [manifest["pull_id"], manifest["query"]])
            ctx.con.execute(
                "INSERT INTO stg_listed_ids SELECT ?, unnest(?::VARCHAR[])", [manifest["pull_id"], listing["nct_ids"]]
            )


ParseFiles = Callable[[Iterable[ParseJob]], Iterator[ParsedFile]]


def parse_sequentially(jobs: Iterable[ParseJob]) -> Iterator[ParsedFile]:
    """The default: parse one file after the other, in this process."""
    return (parse_raw_file(job) for job in jobs)


def ingest(ctx: RunContext, parse_files: ParseFiles = parse_sequentially, workers_stage: bool = True) -> IngestStats:
    """Read every new raw file, stage its records, quarantine what cannot be used.

    `parse_files` yields one ParsedFile per job, in order; the nightly flow can pass one
    that parses on a Prefect task runner (processes, or a Dask cluster), while DuckDB stays
    the single writer here. Parsers write their batches to the run's staging folder, unless
    `workers_stage` is False (workers on other machines): then this process writes them.
    """
    started = time.monotonic()
    stats = IngestStats()
    _record_pulls(ctx)
    landing = scan_landing(ctx.raw_dir)
    paths = landing.files
    stats.skipped = [{"path": entry.relative, "reason": entry.reason} for entry in landing.skipped]
    known_stats = _known_file_stats(ctx.con)
    known_files = dict(ctx.con.execute("SELECT sha256, source_file_key FROM dim_source_file").fetchall())
    progress = Progress("ingest", ctx.run_id, len(paths))
    seen: list[RawFile] = []
    repeats: list[RawFile] = []

    def new_files() -> Iterator[ParseJob]:
        """Jobs for the files not read before, made as each file is hashed: the parsers start
        on the first new file while the next ones are still being hashed."""
        tonight: set[str] = set()  # the same bytes twice tonight are read once
        for path in paths:
            try:
                raw = describe_raw_file(path, ctx.raw_dir, known_stats)
            except OSError as gone:  # deleted or made unreadable after the folder was listed
                relative = path.relative_to(ctx.raw_dir).as_posix()
                stats.skipped.append({"path": display_name(relative), "reason": f"could not be read: {gone.strerror}"})
                progress.advance()
                continue
            seen.append(raw)
            stats.files_seen += 1
            if raw.sha256 in known_files:
                _record_run_file(ctx, raw.relative, known_files[raw.sha256], "unchanged", 0)
            elif raw.sha256 in tonight:
                repeats.append(raw)
            else:
                tonight.add(raw.sha256)
                yield ParseJob(
                    raw, len(tonight) - 1, ctx.settings.batch_size, ctx.staging_dir if workers_stage else None
                )
                continue
            stats.files_unchanged += 1
            progress.advance()

    for parsed in parse_files(new_files()):
        _stage_parsed(ctx, parsed, stats)
        progress.advance(records=parsed.accepted)
    for raw in repeats:
        key = ctx.con.execute("SELECT source_file_key FROM dim_source_file WHERE sha256 = ?", [raw.sha256]).fetchone()[
            0
        ]
        _record_run_file(ctx, raw.relative, key, "unchanged", 0)
    _remember_file_stats(ctx, seen)
    stats.files_skipped = len(stats.skipped)
    # An empty night still gets (empty) staging tables, so publication steps always run.
    warehouse.attach_staging(ctx.con, ctx.staging_dir, build_frames([]))
    progress.done()
    event(
        "ingest",
        ctx.run_id,
        files=stats.files_seen,
        loaded=stats.files_loaded,
        unchanged=stats.files_unchanged,
        quarantined=stats.files_quarantined,
        records=stats.records_loaded,
        rejected=stats.records_rejected,
        seconds=time.monotonic() - started,
        skipped=stats.files_skipped,
    )
    for entry in stats.skipped:
        event("skipped", ctx.run_id, path=entry["path"], reason=entry["reason"])
    return stats


def _known_file_stats(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[FileStat, str]]:
    rows = con.execute("SELECT path, size_bytes, mtime_ns, ctime_ns, inode, sha256 FROM etl_file_stat").fetchall()
    return {path: (FileStat(size, mtime, ctime, inode), sha) for path, size, mtime, ctime, inode, sha in rows}


def _remember_file_stats(ctx: RunContext, seen: list[RawFile]) -> None:
    """Stat and hash of every file seen tonight: tomorrow, unchanged ones are not re-read."""
    frame = pl.DataFrame(
        [(r.relative, r.stat.size, r.stat.mtime_ns, r.stat.ctime_ns, r.stat.inode, r.sha256) for r in seen if r.stat],
        schema={
            "path": pl.String,
            "size_bytes": pl.Int64,
            "mtime_ns": pl.Int64,
            "ctime_ns": pl.Int64,
            "inode": pl.UInt64,
            "sha256": pl.String,
        },
        orient="row",
    )
    ctx.con.register("seen_files", frame)
    try:
        ctx.con.execute("INSERT OR REPLACE INTO etl_file_stat SELECT *, ? FROM seen_files", [ctx.run_id]).fetchall()
    finally:
        ctx.con.unregister("seen_files")


def _stage_parsed(ctx: RunContext, parsed: ParsedFile, stats: IngestStats) -> None:
    """Quarantine, stage and register one parsed file."""
    raw = parsed.raw
    for refused in parsed.refused:
        copy = _quarantine_copy(ctx, raw, refused.member, refused.data, refused.reason)
        _record_quarantine(ctx, raw, refused.member, -1, refused.reason, copy)
    for member, index, reason in parsed.record_rejects:
        _record_quarantine(ctx, raw, member, index, reason, None)
    for number, frames in enumerate(parsed.batches):  # parsed where the staging folder is out of reach
        write_staged(frames, ctx.staging_dir, f"{raw.sha256[:16]}-{number:05d}")
    for detected, count in parsed.formats.items():
        stats.formats[detected] = stats.formats.get(detected, 0) + count
    refused_records = len(parsed.refused) + len(parsed.record_rejects)
    stats.records_seen += parsed.accepted + refused_records
    stats.records_loaded += parsed.accepted
    stats.records_rejected += refused_records
    if parsed.accepted == 0:
        outcome, action = "quarantined", "quarantined"
        stats.files_quarantined += 1
    else:
        outcome, action = ("partly_rejected" if refused_records else "loaded"), "loaded"
        stats.files_loaded += 1
    detected = ",".join(sorted(f for f, n in parsed.formats.items() if n)) or "unrecognized"
    key = ctx.con.execute(
        "INSERT INTO dim_source_file (sha256, first_path, size_bytes, detected_format, outcome, records, first_seen_run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING source_file_key",
        [raw.sha256, raw.relative, raw.size, detected, outcome, parsed.accepted, ctx.run_id],
    ).fetchone()[0]
    _record_run_file(ctx, raw.relative, key, action, parsed.accepted)


def _record_run_file(ctx: RunContext, relative: str, key: int, action: str, records: int) -> None:
    ctx.con.execute(
        "INSERT INTO etl_run_file VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [ctx.run_id, relative, key, action, records],
    )


def publish(ctx: RunContext) -> PublishStats:
    """Merge staged records into the star schema in one transaction, left open: `commit`
    ends it. The checks read their inputs inside it, then commit while GX validates
    (committing a load this size is DuckDB compressing and writing it: seconds of work that
    overlap the checks). On any failure the building copy is discarded whole."""
    started = time.monotonic()
    con = ctx.con
    con.execute("BEGIN TRANSACTION")
    counts = warehouse.publish(con, ctx.run_id)
    stats = PublishStats(
        versions_added=counts.get("insert_fct_trial_version", 0), trials_new=counts.get("merge_dim_trial", 0)
    )
    if counts.get("insert_fct_record_sighting") or counts.get("insert_fct_trial_version"):
        touched, changed = con.execute(
            """
            SELECT count(DISTINCT s.nct_id),
                   count(DISTINCT s.nct_id) FILTER (WHERE v.first_seen_run_id = ? AND t.first_seen_run_id <> ?)
            FROM stg_versions AS s
            JOIN dim_trial AS t USING (nct_id)
            LEFT JOIN fct_trial_version AS v ON v.trial_key = t.trial_key AND v.first_seen_run_id = ?
            """,
            [ctx.run_id, ctx.run_id, ctx.run_id],
        ).fetchall()[0]
        stats.trials_changed = changed
        stats.trials_unchanged = touched - changed - stats.trials_new
    event(
        "publish",
        ctx.run_id,
        versions_added=stats.versions_added,
        trials_new=stats.trials_new,
        trials_changed=stats.trials_changed,
        trials_unchanged=stats.trials_unchanged,
        seconds=time.monotonic() - started,
    )
    return stats


def commit(ctx: RunContext) -> None:
    """End the transaction `publish` opened (safe to call from another thread while this
    one does Python work: DuckDB releases the GIL)."""
    started = time.monotonic()
    ctx.con.execute("COMMIT")
    event("commit", ctx.run_id, seconds=time.monotonic() - started)


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
    _swap_in(ctx.con, ctx.building, ctx.live)
    swap_seconds = time.monotonic() - swap_started
    shutil.rmtree(ctx.staging_dir, ignore_errors=True)
    _log_run_event(ctx.live, {"event": "completed", "run_id": ctx.run_id, "at": utc_now().isoformat()})
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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def abort_run(ctx: RunContext, error: BaseException) -> None:
    """Discard the building copy; the failure is logged and lands in etl_run next run."""
    try:
        ctx.con.close()
    except duckdb.Error:
        pass
    try:
        _remove_building(ctx.building)
        shutil.rmtree(ctx.staging_dir, ignore_errors=True)
        _log_run_event(
            ctx.live,
            {
                "event": "failed",
                "run_id": ctx.run_id,
                "at": utc_now().isoformat(),
                "error": f"{type(error).__name__}: {error}",
            },
        )
        set_aside_failed(ctx.quarantine_dir)
        event("abort-run", ctx.run_id, status="failed", error=f"{type(error).__name__}: {error}")
    finally:
        ctx.lock_handle.close()


def accept_findings(settings: Settings, finding_ids: list[int], note: str) -> list[int]:
    """Curators' acceptance: a small write, made like a run (lock, copy, swap) so readers
    and the nightly load are never disturbed."""
    live = settings.warehouse
    if not live.exists():
        raise FileNotFoundError(f"warehouse not found: {live}")
    lock = acquire_writer_lock(live)
    try:
        building = _copy_for_writing(live)
        con = warehouse.connect(building, memory_limit=settings.duckdb_memory_limit)
        try:
            rows = con.execute(
                "UPDATE dq_finding SET accepted_at = now(), accepted_note = ? "
                "WHERE finding_key IN (SELECT unnest(?::BIGINT[])) AND resolved_run_id IS NULL RETURNING finding_key",
                [note, finding_ids],
            ).fetchall()
        except BaseException:
            con.close()
            _remove_building(building)
            raise
        _swap_in(con, building, live)
        return [r[0] for r in rows]
    finally:
        lock.close()


def run_steps(
    settings: Settings, raw_dir: Path | None = None, parse_files: ParseFiles = parse_sequentially, checks: bool = True
) -> RunSummary:
    """The nightly flow's steps in order, without Prefect: for tests, `make bench` and
    `make docs`. `flows/nightly.py` wires the same functions as Prefect tasks."""
    from trialwarehouse import quality  # GX is heavy: imported only when checks run

    raw_dir = raw_dir or settings.raw_dir
    ctx = open_run(settings, raw_dir)
    try:
        ingested = ingest(ctx, parse_files)
        published = publish(ctx)
        if checks:
            checked = quality.run_checks(
                ctx.con, ctx.run_id, while_validating=lambda: commit(ctx), work_dir=ctx.staging_dir
            )
        else:
            commit(ctx)
            checked = None
        quarantined = quarantined_inputs(ctx.con, ctx.run_id)
        seconds = complete_run(ctx, ingested, published)
    except BaseException as error:
        abort_run(ctx, error)
        raise
    return RunSummary(
        ctx.run_id,
        "completed",
        str(settings.warehouse),
        None,
        str(raw_dir),
        seconds,
        ingested,
        published,
        quarantined,
        quality=checked,
    )


def log_email_outcome(live: Path, run_id: int, description: str, error: str | None) -> None:
    """Email delivery happens after publication, so it is logged beside the warehouse."""
    _log_run_event(
        live,
        {
            "event": "email",
            "run_id": run_id,
            "at": utc_now().isoformat(),
            "status": "failed" if error else "ok",
            "detail": description,
        },
    )


def quarantined_inputs(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict]:
    rows = con.execute(
        "SELECT path, member, record_index, reason, quarantine_path FROM etl_quarantine WHERE run_id = ? ORDER BY ALL",
        [run_id],
    ).fetchall()
    keys = ("path", "member", "record_index", "reason", "quarantine_path")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def utc_now() -> datetime:
    return datetime.now(UTC)
