"""Parse one raw file and stage its records: normalized frames in batches, written as Parquet.

This is the embarrassingly parallel part of a run: it reads a file (or an archive's
members), recognizes and extracts every record, and normalizes them in batches with
polars. It never touches the warehouse, so it can run in another process or on a Dask
worker. Each batch is written as Parquet, one file per staging table, into the run's
staging folder: the writer (DuckDB, the single writer) reads them all at publication, in
parallel and only the columns each step needs, and nothing big crosses between processes.
A worker that cannot see the staging folder (a remote Dask cluster) hands the frames back
instead, and the writer stages them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from transforms.ctgov_json_reader import release_parser
from transforms.extract import Extraction, UnusableInput, api_v2_batch, extract
from transforms.frames import build_frames, concat_raw, records_to_raw
from trialwarehouse.nightly.sources import ArchiveTooLarge, RawFile, iter_units


@dataclass
class RefusedUnit:
    """A whole file or archive member that could not be used, with its bytes for quarantine
    (None: copy the raw file itself, or nothing to copy for an unreadable archive)."""

    member: str
    reason: str
    data: bytes | None


@dataclass(frozen=True)
class ParseJob:
    """One raw file to parse. `ordinal` (the file's place in the run) makes record_seq
    unique across the run: ordinal * 2**32 + the record's position in the file."""

    raw: RawFile
    ordinal: int
    batch_size: int
    staging_dir: Path | None  # None: keep the frames in the result instead of writing them

    @property
    def first_seq(self) -> int:
        return self.ordinal << 32


@dataclass
class ParsedFile:
    raw: RawFile
    batches: list[dict[str, pl.DataFrame]] = field(default_factory=list)  # when not written to the staging folder
    staged: list[Path] = field(default_factory=list)  # Parquet files written to the staging folder
    accepted: int = 0
    record_rejects: list[tuple[str, int, str]] = field(default_factory=list)  # (member, index, reason)
    refused: list[RefusedUnit] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)


class _Batcher:
    """Collects the records of one raw file and turns them into normalized frames once per
    `batch_size` records: one polars read for all pending API v2 study dicts, one
    conversion for all pending XML / page records, one normalization for the batch."""

    def __init__(self, job: ParseJob, parsed: ParsedFile):
        self.raw, self.batch_size, self.parsed, self.job = job.raw, job.batch_size, parsed, job
        self.study_frames: list[pl.DataFrame] = []
        self.study_dicts: list[tuple[int, dict]] = []
        self.study_members: list[str] = []
        self.records: list[dict] = []
        self.rows = 0
        self.batches_written = 0

    def add(self, member: str, extraction: Extraction) -> None:
        if extraction.study_frame is not None:
            # An NDJSON file arrives as one frame of all its studies (a pull file holds 10,000):
            # normalized batch_size at a time, so memory follows the batch, not the file.
            frame = extraction.study_frame.with_columns(pl.lit(member).alias("source_member"))
            for start in range(0, frame.height, self.batch_size):
                part = frame.slice(start, self.batch_size)
                self.study_frames.append(part)
                self.rows += part.height
                if self.rows >= self.batch_size:
                    self.flush()
        self.study_dicts += extraction.study_dicts
        self.study_members += [member] * len(extraction.study_dicts)
        for position, record in enumerate(extraction.records):
            record["source_member"] = member
            record["source_format"] = extraction.detected_format
            if record.get("record_index") is None:
                record["record_index"] = position
            self.records.append(record)
        self.rows += len(extraction.study_dicts) + len(extraction.records)
        if self.rows >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        first_seq = self.job.first_seq + self.parsed.accepted
        parts: list[dict[str, pl.DataFrame]] = []
        if self.study_frames or self.study_dicts:
            parts.append(api_v2_batch(self.study_frames, self.study_dicts, self.study_members, first_seq))
        if self.records:
            start = first_seq + (parts[0]["versions"].height if parts else 0)
            for offset, record in enumerate(self.records):
                record["record_seq"] = start + offset
            parts.append(records_to_raw(self.records))
        raw = concat_raw(parts) if len(parts) > 1 else parts[0]
        raw["versions"] = raw["versions"].with_columns(
            pl.lit(self.raw.relative).alias("source_path"), pl.lit(self.raw.sha256).alias("source_sha256")
        )
        frames = build_frames(raw)
        if self.job.staging_dir is None:
            self.parsed.batches.append(frames)
        else:
            tag = f"{self.job.ordinal:07d}-{self.batches_written:05d}"
            self.parsed.staged += write_staged(frames, self.job.staging_dir, tag)
            self.batches_written += 1
        self.parsed.accepted += self.rows
        self.study_frames, self.study_dicts, self.study_members, self.records, self.rows = [], [], [], [], 0


def write_staged(frames: dict[str, pl.DataFrame], staging_dir: Path, tag: str) -> list[Path]:
    """One Parquet file per staging table: `<table>-<tag>.parquet`. LZ4 keeps them small at
    little cost; the writer reads them back at several hundred MB/s."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        path = staging_dir / f"{name}-{tag}.parquet"
        frame.write_parquet(path, compression="lz4", statistics=False)
        paths.append(path)
    return paths


def parse_raw_file(job: ParseJob) -> ParsedFile:
    """Parse one file. Whatever one input does (an archive bomb, a file deleted under the
    run, a record no parser foresaw), it costs only that file: refused whole, with the
    reason, and the night goes on."""
    try:
        return _parse_raw_file(job)
    except (
        ArchiveTooLarge,
        OSError,
        RecursionError,
        MemoryError,
        ValueError,
        TypeError,
        pl.exceptions.PolarsError,
    ) as exc:
        return _refused_whole(job, f"{type(exc).__name__}: {exc}" if not isinstance(exc, ArchiveTooLarge) else str(exc))
    finally:
        # A parse worker then idles (between files; a Dask worker until the flow ends, a
        # process-pool worker is stopped after the last file) without the parser's memory:
        # measured 323 -> 197 MB per worker.
        release_parser()


def _refused_whole(job: ParseJob, reason: str) -> ParsedFile:
    if job.staging_dir is not None:  # batches staged before the failure must not be published
        for staged in job.staging_dir.glob(f"*-{job.ordinal:07d}-*.parquet"):
            staged.unlink(missing_ok=True)
    parsed = ParsedFile(job.raw)
    parsed.refused.append(RefusedUnit("", f"file refused whole: {reason}"[:2000], None))
    return parsed


def _parse_raw_file(job: ParseJob) -> ParsedFile:
    raw = job.raw
    parsed = ParsedFile(raw)
    batcher = _Batcher(job, parsed)
    for unit in iter_units(raw.path):
        if isinstance(unit, tuple):
            member, reason = unit
            parsed.refused.append(RefusedUnit(member, reason, None))
            continue
        try:
            extraction = extract(unit.data)
        except UnusableInput as exc:
            parsed.refused.append(RefusedUnit(unit.member, str(exc), unit.data if unit.member else None))
            continue
        parsed.formats[extraction.detected_format] = parsed.formats.get(extraction.detected_format, 0) + len(extraction)
        parsed.record_rejects += [(unit.member, index, reason) for index, reason in extraction.rejects]
        batcher.add(unit.member, extraction)
    batcher.flush()
    return parsed
