"""Parse one raw file into normalized frames, away from the database.

This is the embarrassingly parallel part of a run: it reads a file (or an archive's
members), recognizes and extracts every record, and normalizes them in batches with
polars. It never touches DuckDB, so it can run in another process or on a Dask worker;
`pipeline.ingest` stages the results in file order, with DuckDB as the single writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from transforms.detect import UnusableInput, extract
from transforms.frames import build_frames
from trialwarehouse.sources import RawFile, iter_units


@dataclass
class RefusedUnit:
    """A whole file or archive member that could not be used, with its bytes for quarantine
    (None: copy the raw file itself, or nothing to copy for an unreadable archive)."""

    member: str
    reason: str
    data: bytes | None


@dataclass
class ParsedFile:
    raw: RawFile
    batches: list[dict[str, pl.DataFrame]] = field(default_factory=list)  # record_seq local to the file
    accepted: int = 0
    record_rejects: list[tuple[str, int, str]] = field(default_factory=list)  # (member, index, reason)
    refused: list[RefusedUnit] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)


def parse_raw_file(raw: RawFile, batch_size: int) -> ParsedFile:
    parsed = ParsedFile(raw)
    pending: list[dict] = []
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
        parsed.formats[extraction.detected_format] = parsed.formats.get(extraction.detected_format, 0) + len(extraction.records)
        parsed.record_rejects += [(unit.member, index, reason) for index, reason in extraction.rejects]
        for position, record in enumerate(extraction.records):
            record["source_path"] = raw.relative
            record["source_member"] = unit.member
            record["source_sha256"] = raw.sha256
            record["source_format"] = extraction.detected_format
            if record.get("record_index") is None:
                record["record_index"] = position
            record["record_seq"] = parsed.accepted
            parsed.accepted += 1
            pending.append(record)
            if len(pending) >= batch_size:
                parsed.batches.append(build_frames(pending))
                pending = []
    if pending:
        parsed.batches.append(build_frames(pending))
    return parsed
