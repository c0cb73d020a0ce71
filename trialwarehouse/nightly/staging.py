"""Parse raw files and stage their records: normalized frames in batches, written as Parquet.

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
from transforms.frames import build_frames, records_to_raw
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
    """Raw files to parse together: one file, or several small ones in a row whose records
    share batches (a landing folder of single-trial XML files would otherwise pay polars'
    fixed cost of a batch, 0.14 s, once per trial). `ordinal` (the job's place in the run)
    makes record_seq unique across the run: ordinal * 2**32 + the record's position in
    the job."""

    raws: tuple[RawFile, ...]
    ordinal: int
    batch_size: int
    staging_dir: Path | None  # None: keep the frames in the result instead of writing them

    @property
    def first_seq(self) -> int:
        return self.ordinal << 32


@dataclass
class ParsedFile:
    """What one raw file gave: its records' count, what was refused, the formats seen."""

    raw: RawFile
    accepted: int = 0
    record_rejects: list[tuple[str, int, str]] = field(default_factory=list)  # (member, index, reason)
    refused: list[RefusedUnit] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)


@dataclass
class ParsedJob:
    """The files of one job, in order, and the batches their records were staged in."""

    files: list[ParsedFile]
    batches: list[dict[str, pl.DataFrame]] = field(default_factory=list)  # when not written to the staging folder
    staged: list[Path] = field(default_factory=list)  # Parquet files written to the staging folder

    @property
    def accepted(self) -> int:
        return sum(parsed.accepted for parsed in self.files)


# Which of the batch's three streams an extraction feeds. A batch holds one stream only:
# its record_seq then follows the order records were read in, file after file, as it does
# when each file is parsed alone (the earliest of identical versions keeps its source).
_FRAMES, _DICTS, _RECORDS = "frames", "dicts", "records"


class _Batcher:
    """Collects the records of a job's files and turns them into normalized frames once
    per `batch_size` records: one polars read for all pending API v2 study dicts, one
    conversion for all pending XML / page records, one normalization for the batch."""

    def __init__(self, job: ParseJob, result: ParsedJob, first_seq: int, tag: str):
        self.job, self.result, self.first_seq, self.tag = job, result, first_seq, tag
        self.study_frames: list[pl.DataFrame] = []
        self.study_dicts: list[tuple[int, dict]] = []
        self.study_members: list[str] = []
        self.records: list[dict] = []
        self.row_files: list[ParsedFile] = []  # the file of each pending row, in record_seq order
        self.stream: str | None = None
        self.accepted = 0
        self.batches_written = 0

    @property
    def rows(self) -> int:
        return len(self.row_files)

    def add(self, parsed: ParsedFile, member: str, extraction: Extraction) -> None:
        if extraction.study_frame is not None:
            # An NDJSON file arrives as one frame of all its studies (a pull file holds 10,000):
            # normalized batch_size at a time, so memory follows the batch, not the file.
            frame = extraction.study_frame.with_columns(pl.lit(member).alias("source_member"))
            for start in range(0, frame.height, self.job.batch_size):
                part = frame.slice(start, self.job.batch_size)
                self._enter(_FRAMES)  # again after each flush: the slices left are pending frames
                self.study_frames.append(part)
                self.row_files += [parsed] * part.height
                if self.rows >= self.job.batch_size:
                    self.flush()
        if extraction.study_dicts:
            self._enter(_DICTS)
            self.study_dicts += extraction.study_dicts
            self.study_members += [member] * len(extraction.study_dicts)
            self.row_files += [parsed] * len(extraction.study_dicts)
        if extraction.records:
            self._enter(_RECORDS)
            for position, record in enumerate(extraction.records):
                record["source_member"] = member
                record["source_format"] = extraction.detected_format
                if record.get("record_index") is None:
                    record["record_index"] = position
                self.records.append(record)
            self.row_files += [parsed] * len(extraction.records)
        if self.rows >= self.job.batch_size:
            self.flush()

    def _enter(self, stream: str) -> None:
        if self.stream not in (None, stream):
            self.flush()
        self.stream = stream

    def flush(self) -> None:
        if not self.rows:
            return
        first_seq = self.first_seq + self.accepted
        # One stream a batch (`_enter`). Were records ever pending beside frames or dicts, one
        # kind would be lost: refuse instead, and the job's files are parsed again one by one.
        if self.records and (self.study_frames or self.study_dicts):
            raise ValueError("a batch holds records of two kinds of input")
        if self.records:
            for offset, record in enumerate(self.records):
                record["record_seq"] = first_seq + offset
            raw = records_to_raw(self.records)
        else:
            raw = api_v2_batch(self.study_frames, self.study_dicts, self.study_members, first_seq)
        position = raw["versions"].get_column("record_seq") - first_seq
        raw["versions"] = raw["versions"].with_columns(
            pl.Series("source_path", [p.raw.relative for p in self.row_files]).gather(position),
            pl.Series("source_sha256", [p.raw.sha256 for p in self.row_files]).gather(position),
        )
        frames = build_frames(raw)
        if self.job.staging_dir is None:
            self.result.batches.append(frames)
        else:
            tag = f"{self.tag}-{self.batches_written:05d}"
            self.result.staged += write_staged(frames, self.job.staging_dir, tag)
            self.batches_written += 1
        for parsed in self.row_files:
            parsed.accepted += 1
        self.accepted += self.rows
        self.study_frames, self.study_dicts, self.study_members, self.records = [], [], [], []
        self.row_files, self.stream = [], None


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


# What a parser may raise on an input no rule foresaw; it costs only that input.
_INPUT_FAILURES = (
    ArchiveTooLarge,
    OSError,
    RecursionError,
    MemoryError,
    ValueError,
    TypeError,
    pl.exceptions.PolarsError,
)


def parse_raw_files(job: ParseJob) -> ParsedJob:
    """Parse the job's files. Whatever one input does (an archive bomb, a file deleted under
    the run, a record no parser foresaw), it costs only that file: refused whole, with the
    reason, and the night goes on. When files parsed together fail, each is parsed again on
    its own, so the others still load."""
    try:
        try:
            return _parse(job, job.raws, job.first_seq, f"{job.ordinal:07d}")
        except _INPUT_FAILURES as exc:
            _unstage(job, f"{job.ordinal:07d}")
            if len(job.raws) == 1:
                return ParsedJob([_refused_whole(job.raws[0], exc)])
        result = ParsedJob([])
        first_seq = job.first_seq
        for index, raw in enumerate(job.raws):
            tag = f"{job.ordinal:07d}-f{index:05d}"
            try:
                alone = _parse(job, (raw,), first_seq, tag)
            except _INPUT_FAILURES as exc:
                _unstage(job, tag)
                alone = ParsedJob([_refused_whole(raw, exc)])
            first_seq += alone.accepted
            result.files += alone.files
            result.batches += alone.batches
            result.staged += alone.staged
        return result
    finally:
        # A parse worker then idles (between files; a Dask worker until the flow ends, a
        # process-pool worker is stopped after the last file) without the parser's memory:
        # measured 323 -> 197 MB per worker.
        release_parser()


def _unstage(job: ParseJob, tag: str) -> None:
    """Batches staged before a failure must not be published."""
    if job.staging_dir is not None:
        for staged in job.staging_dir.glob(f"*-{tag}-*.parquet"):
            staged.unlink(missing_ok=True)


def _refused_whole(raw: RawFile, exc: BaseException) -> ParsedFile:
    reason = str(exc) if isinstance(exc, ArchiveTooLarge) else f"{type(exc).__name__}: {exc}"
    parsed = ParsedFile(raw)
    parsed.refused.append(RefusedUnit("", f"file refused whole: {reason}"[:2000], None))
    return parsed


def _parse(job: ParseJob, raws: tuple[RawFile, ...], first_seq: int, tag: str) -> ParsedJob:
    result = ParsedJob([ParsedFile(raw) for raw in raws])
    batcher = _Batcher(job, result, first_seq, tag)
    for parsed in result.files:
        for unit in iter_units(parsed.raw.path):
            if isinstance(unit, tuple):
                member, reason = unit
                parsed.refused.append(RefusedUnit(member, reason, None))
                continue
            try:
                extraction = extract(unit.data)
            except UnusableInput as exc:
                parsed.refused.append(RefusedUnit(unit.member, str(exc), unit.data if unit.member else None))
                continue
            parsed.formats[extraction.detected_format] = parsed.formats.get(extraction.detected_format, 0) + len(
                extraction
            )
            parsed.record_rejects += [(unit.member, index, reason) for index, reason in extraction.rejects]
            batcher.add(parsed, unit.member, extraction)
    batcher.flush()
    return result
