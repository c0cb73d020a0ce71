"""Read API v2 studies into a polars frame shaped by `STUDY_SCHEMA`.

DuckDB's JSON reader (yyjson) fills the nested columns about four times faster than polars'
own NDJSON reader on real 16 KB studies (0.06 against 0.26 ms a study on one core), so an
in-memory DuckDB is used as the parser: bytes in, a polars frame out. It never touches the
warehouse. Studies the fast reader cannot take as they are go through `conform` first.
Its one I/O is a private scratch copy of the bytes, removed after the read (`_readable`).
"""

from __future__ import annotations

import io
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import orjson
import polars as pl
from polars._typing import PolarsDataType

from transforms.ctgov_json_schema import IDENTIFICATION, STUDY_DTYPE, STUDY_SCHEMA
from transforms.struct_paths import at, clean


class UnreadableStudies(ValueError):
    """NDJSON that the fast reader cannot take as it is (a line that is not a JSON object,
    invalid JSON, or a value whose shape contradicts the schema)."""


def _duckdb_type(dtype: PolarsDataType) -> str:
    if isinstance(dtype, pl.Struct):
        return "STRUCT(" + ", ".join(f'"{f.name}" {_duckdb_type(f.dtype)}' for f in dtype.fields) + ")"
    if isinstance(dtype, pl.List):
        return _duckdb_type(dtype.inner) + "[]"
    return "VARCHAR"


_DUCKDB_COLUMNS = {name: _duckdb_type(dtype) for name, dtype in STUDY_SCHEMA.items()}
_NON_BLANK_LINE = re.compile(rb"^[ \t\r]*\S", re.MULTILINE)
_parsers = threading.local()
# After reading this much, the parser is closed at once rather than at the end of the job:
# the 110 MB DuckDB keeps after 2,000 studies are then free while the batches are normalized
# (the parse worker's peak). Below it, a new connection (15 ms) would cost more than it frees.
RELEASE_AFTER_BYTES = 4 * 1024 * 1024


def _parser() -> duckdb.DuckDBPyConnection:
    # One in-memory DuckDB per thread; one thread each: parsing is spread over processes.
    if not hasattr(_parsers, "con"):
        _parsers.con = duckdb.connect(":memory:", config={"threads": 1})
    return _parsers.con


def release_parser() -> None:
    """Close this thread's parser: DuckDB keeps the memory of its last read (about 110 MB
    after 2,000 studies) while the connection lives; the next read opens a new one."""
    con = getattr(_parsers, "con", None)
    if con is not None:
        del _parsers.con
        con.close()


@contextmanager
def _readable(data: bytes) -> Iterator[str | io.BytesIO]:
    """The bytes where DuckDB reads them fastest: a private scratch file. DuckDB reads a
    Python file object through fsspec, call by call: 0.28 s for 2,000 studies (47 MB), against
    0.17 s for the same bytes in a file, plus 0.02 s to write it. Where no scratch file can be
    written (no writable temp folder, a full disk), the file object: slower, never refused."""
    scratch = None
    try:
        scratch = tempfile.NamedTemporaryFile(prefix="tw-studies-", suffix=".ndjson")  # noqa: SIM115 (closed below)
        scratch.write(data)
        scratch.flush()
    except OSError:
        if scratch is not None:
            scratch.close()
        scratch = None
    if scratch is None:
        yield io.BytesIO(data)
        return
    with scratch:
        yield scratch.name


def _read_ndjson(ndjson: bytes, maximum_object_size: int | None) -> pl.DataFrame:
    options: dict[str, object] = {"columns": _DUCKDB_COLUMNS, "format": "newline_delimited"}
    if maximum_object_size:
        options["maximum_object_size"] = maximum_object_size
    with _readable(ndjson) as source:
        return _parser().read_json(source, **options).pl()  # type: ignore[arg-type]


def _read_ndjson_or_refuse(ndjson: bytes) -> pl.DataFrame:
    try:
        return _read_ndjson(ndjson, None)
    except duckdb.Error as exc:
        if "maximum_object_size" not in str(exc):
            raise UnreadableStudies(str(exc).splitlines()[0]) from exc
        # One study over DuckDB's 16 MB default (a record with a huge text): read again with
        # room for the longest line, asked only then, so the usual buffer stays small.
        longest = max(len(line) for line in ndjson.split(b"\n"))
        try:
            return _read_ndjson(ndjson, longest + 1024)
        except duckdb.Error as again:
            raise UnreadableStudies(str(again).splitlines()[0]) from again


def read_studies(ndjson: bytes) -> pl.DataFrame:
    """One row per non-blank line of NDJSON studies, shaped by `STUDY_SCHEMA`. Raises
    UnreadableStudies when a line cannot be read as it is; `conform` makes it readable."""
    try:
        frame = _read_ndjson_or_refuse(ndjson)
    finally:
        if len(ndjson) >= RELEASE_AFTER_BYTES:  # read or refused: its memory is not kept
            release_parser()
    # The reader skips a line holding a bare number or null: count lines so none is lost.
    lines = ndjson.count(b"\n") + (not ndjson.endswith(b"\n"))
    if frame.height != lines and frame.height != len(_NON_BLANK_LINE.findall(ndjson)):
        raise UnreadableStudies(f"{frame.height} studies read from {lines} lines")
    # One chunk: every struct.field on a multi-chunk nested column costs ~10 ms per 2,000
    # studies, against ~1 ms once rechunked.
    return frame.rechunk()


def conform(value: object, dtype: PolarsDataType = STUDY_DTYPE) -> object:
    """Drop what cannot be read as `dtype` (an object where a list is expected, text where
    an object is expected) and every field the schema does not name. Scalars are left to
    polars, so a conformed study reads exactly like the same study on the fast path."""
    if isinstance(dtype, pl.Struct):
        if not isinstance(value, dict):
            return None
        return {f.name: conform(value.get(f.name), f.dtype) for f in dtype.fields if value.get(f.name) is not None}
    if isinstance(dtype, pl.List):
        if not isinstance(value, list):
            return None
        return [conform(item, dtype.inner) for item in value]
    return value


def studies_frame(studies: list[tuple[int, dict]]) -> pl.DataFrame:
    """(record_index, conformed study) pairs -> one polars read, with their record_index."""
    frame = read_studies(b"\n".join(orjson.dumps(study) for _, study in studies))
    return frame.with_columns(pl.Series("record_index", [index for index, _ in studies], dtype=pl.Int64))


def stack_studies(frame: pl.DataFrame | None, dicts: list[tuple[int, dict]]) -> pl.DataFrame:
    """An NDJSON frame and/or conformed study dicts, as one frame of studies."""
    parts = [frame] if frame is not None else []
    if dicts:
        parts.append(studies_frame(dicts))
    return pl.concat([p.with_columns(pl.col("record_index").cast(pl.Int64)) for p in parts], how="diagonal_relaxed")


def dict_nct_id(study: dict) -> str | None:
    """The NCT id of a conformed study dict, as `frame_nct_ids` would read it."""
    value = ((study.get("protocolSection") or {}).get("identificationModule") or {}).get("nctId")
    if value is None:
        return None
    text = (("true" if value else "false") if isinstance(value, bool) else str(value)).strip()
    return text or None


def frame_nct_ids() -> pl.Expr:
    return clean(at(*IDENTIFICATION, "nctId"))
