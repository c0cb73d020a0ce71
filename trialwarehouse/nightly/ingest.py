"""Ingest: read every new raw file of the landing folder, stage its records as Parquet, and
quarantine what cannot be used. Parsing itself (`staging.parse_raw_files`) can run elsewhere;
this module is the single writer that registers the files."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb
import polars as pl

from transforms.frames import build_frames
from trialwarehouse import warehouse
from trialwarehouse.logs import Progress, event
from trialwarehouse.nightly.lifecycle import RunContext
from trialwarehouse.nightly.pulls import record_pulls
from trialwarehouse.nightly.quarantine import quarantine_copy, record_quarantine
from trialwarehouse.nightly.results import IngestStats
from trialwarehouse.nightly.sources import FileStat, RawFile, describe_raw_file, display_name, scan_landing
from trialwarehouse.nightly.staging import ParsedFile, ParsedJob, ParseJob, parse_raw_files, write_staged

ParseFiles = Callable[[Iterable[ParseJob]], Iterator[ParsedJob]]

# Files below this size are parsed in jobs of several, up to this many bytes (or
# TW_BATCH_SIZE files) a job: their records then share batches. A folder of single-trial
# XML files (the registry's legacy dump unpacked) took 0.14 s a file parsed one by one.
SMALL_JOB_BYTES = 8 * 1024 * 1024
# Fanned out, each job is a Prefect task run: about 0.4 s of a parse worker's CPU (a client,
# its TLS context, settings rebuilt) and 0.14 s of the server's apiece, py-spy on a 100k full
# load, against 2 s to parse a file of 2,000 studies. So a fan-out's jobs hold several files
# while much is left to read, up to this many bytes, and shrink to one file each towards the
# end (guided self-scheduling), where a big job would leave the other workers idle.
FAN_OUT_JOB_BYTES = 256 * 1024 * 1024


def parse_sequentially(jobs: Iterable[ParseJob]) -> Iterator[ParsedJob]:
    """The default: parse one job after the other, in this process."""
    return (parse_raw_files(job) for job in jobs)


def ingest(
    ctx: RunContext,
    parse_files: ParseFiles = parse_sequentially,
    workers_stage: bool = True,
    on_new_file: Callable[[], object] | None = None,
    spread_over: int = 1,
) -> IngestStats:
    """Read every new raw file, stage its records, quarantine what cannot be used.

    `parse_files` yields one ParsedJob per job, in order; the nightly flow can pass one
    that parses on a Prefect task runner (processes, or a Dask cluster), while DuckDB stays
    the single writer here. Parsers write their batches to the run's staging folder, unless
    `workers_stage` is False (workers on other machines): then this process writes them.
    `on_new_file` is called once, as the first parse job is made (its files not read before).
    `spread_over`: how many workers `parse_files` parses on at once (`job_bytes`).
    """
    started = time.monotonic()
    stats = IngestStats()
    record_pulls(ctx.con, ctx.raw_dir, ctx.run_id)
    landing = scan_landing(ctx.raw_dir)
    paths = landing.files
    stats.skipped = [{"path": entry.relative, "reason": entry.reason} for entry in landing.skipped]
    known_stats = _known_file_stats(ctx.con)
    known_files = dict(ctx.con.execute("SELECT sha256, source_file_key FROM dim_source_file").fetchall())
    progress = Progress("ingest", ctx.run_id, len(paths))
    seen: list[RawFile] = []
    repeats: list[RawFile] = []
    run_files = RunFiles()

    def new_files() -> Iterator[ParseJob]:
        """Jobs for the files not read before, made as the files are hashed: the parsers start
        on the first job while the next files are still being hashed. Files in a row make one
        job of up to `job_bytes`; a file of that size or more is a job of its own."""
        tonight: set[str] = set()  # the same bytes twice tonight are read once
        small: list[RawFile] = []
        small_bytes = jobs = 0
        # Only a fan-out sizes its jobs by what is left (`job_bytes`): one process need not stat it.
        unread = _unread_bytes(paths, ctx.raw_dir, known_stats) if spread_over > 1 else 0

        def job(raws: list[RawFile]) -> ParseJob:
            nonlocal jobs
            if not jobs and on_new_file is not None:
                on_new_file()
            jobs += 1
            return ParseJob(tuple(raws), jobs - 1, ctx.settings.batch_size, ctx.staging_dir if workers_stage else None)

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
            target = job_bytes(unread, spread_over)
            if raw.stat is None or _stat_of(known_stats, raw.relative) != raw.stat:  # as `_unread_bytes` counts
                unread -= raw.size
            if raw.sha256 in known_files:
                run_files.add(raw.relative, known_files[raw.sha256], "unchanged", 0)
            elif raw.sha256 in tonight:
                repeats.append(raw)
            else:
                tonight.add(raw.sha256)
                if raw.size >= target:
                    if small:
                        yield job(small)
                        small, small_bytes = [], 0
                    yield job([raw])
                    continue
                small.append(raw)
                small_bytes += raw.size
                if small_bytes >= target or len(small) >= ctx.settings.batch_size:
                    yield job(small)
                    small, small_bytes = [], 0
                continue
            stats.files_unchanged += 1
            progress.advance()
        if small:
            yield job(small)

    for parsed_job in parse_files(new_files()):
        for number, frames in enumerate(parsed_job.batches):  # parsed where the staging folder is out of reach
            write_staged(frames, ctx.staging_dir, f"{parsed_job.files[0].raw.sha256[:16]}-{number:05d}")
        for parsed in parsed_job.files:
            _stage_parsed(ctx, parsed, stats, run_files)
            progress.advance(records=parsed.accepted)
    for raw in repeats:
        key = ctx.con.execute("SELECT source_file_key FROM dim_source_file WHERE sha256 = ?", [raw.sha256]).fetchall()[
            0
        ][0]
        run_files.add(raw.relative, key, "unchanged", 0)
    run_files.insert(ctx)
    _remember_file_stats(ctx, seen)
    stats.files_skipped = len(stats.skipped)
    # The frames of an empty batch give the shape of a table no staged file holds.
    warehouse.attach_staging(ctx.con, ctx.staging_dir, lambda: build_frames([]))
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


def job_bytes(unread: int, spread_over: int) -> int:
    """How many bytes of files the next parse job gathers, with `unread` bytes of new files
    still to read on `spread_over` workers: a quarter of each worker's share, between
    SMALL_JOB_BYTES and FAN_OUT_JOB_BYTES; in one process, SMALL_JOB_BYTES."""
    if spread_over <= 1:
        return SMALL_JOB_BYTES
    return max(SMALL_JOB_BYTES, min(FAN_OUT_JOB_BYTES, unread // (4 * spread_over)))


def _stat_of(known: dict[str, tuple[FileStat, str]], relative: str) -> FileStat | None:
    entry = known.get(relative)
    return entry[0] if entry else None


def _unread_bytes(paths: list[Path], raw_dir: Path, known: dict[str, tuple[FileStat, str]]) -> int:
    """Bytes of the landing files not read before, as far as their stat tells (a file that
    is gone counts nothing: the loop says why)."""
    total = 0
    for path in paths:
        try:
            stat = FileStat.of(path)
        except OSError:
            continue
        if _stat_of(known, display_name(path.relative_to(raw_dir).as_posix())) != stat:
            total += stat.size
    return total


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
    _insert_rows(ctx, frame, "INSERT OR REPLACE INTO etl_file_stat SELECT *, ? FROM rows")


def _insert_rows(ctx: RunContext, frame: pl.DataFrame, insert: str) -> None:
    """Run `insert` (run id bound to its one `?`) reading `frame` as the view `rows`."""
    ctx.con.register("rows", frame)
    try:
        ctx.con.execute(insert, [ctx.run_id]).fetchall()
    finally:
        ctx.con.unregister("rows")


def _stage_parsed(ctx: RunContext, parsed: ParsedFile, stats: IngestStats, run_files: RunFiles) -> None:
    """Quarantine, stage and register one parsed file."""
    raw = parsed.raw
    for refused in parsed.refused:
        copy = quarantine_copy(ctx.quarantine_dir, raw, refused.member, refused.data, refused.reason)
        record_quarantine(ctx.con, ctx.run_id, raw, refused.member, -1, refused.reason, copy)
    for member, index, reason in parsed.record_rejects:
        record_quarantine(ctx.con, ctx.run_id, raw, member, index, reason, None)
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
    ).fetchall()[0][0]
    run_files.add(raw.relative, key, action, parsed.accepted)


class RunFiles:
    """What the run did with each file it saw, written to etl_run_file in one statement at the
    end of ingest (an INSERT a file took 0.22 s of the sample's quiet night, 15 files)."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, str, int]] = {}

    def add(self, relative: str, key: int, action: str, records: int) -> None:
        self.rows.setdefault(relative, (key, action, records))  # a path's first outcome stands

    def insert(self, ctx: RunContext) -> None:
        frame = pl.DataFrame(
            [(path, *row) for path, row in self.rows.items()],
            schema={"path": pl.String, "source_file_key": pl.Int64, "action": pl.String, "records": pl.Int32},
            orient="row",
        )
        insert = (
            "INSERT INTO etl_run_file SELECT ?, path, source_file_key, action, records FROM rows ON CONFLICT DO NOTHING"
        )
        _insert_rows(ctx, frame, insert)
