"""Type checks of the API v2 fields the warehouse types: a wrong type is said, not guessed.

Without them, an enrollment of "abc", a date of 2023-13-45 or `phases: 3` were stored as
NULL without a word (issue 19). A record with one of these is refused, record by record,
with a reason naming the field; the rest of its file loads. Pure: a dict in, reasons out.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

_PARTIAL_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
# statusModule fields holding a date, as `<name>Struct.date` or as a plain string.
_DATE_STRUCTS = (
    "startDateStruct",
    "primaryCompletionDateStruct",
    "completionDateStruct",
    "studyFirstPostDateStruct",
    "resultsFirstPostDateStruct",
    "lastUpdatePostDateStruct",
)
_DATE_STRINGS = ("statusVerifiedDate", "studyFirstSubmitDate", "lastUpdateSubmitDate", "resultsFirstSubmitDate")


def _date_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"{value!r} is not a date string"
    match = _PARTIAL_DATE.match(value)
    if not match:
        return f"{value!r} is not a YYYY, YYYY-MM or YYYY-MM-DD date"
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return f"{value!r} is not a calendar date"
    return None


def type_problems(study: dict) -> list[str]:
    """What is mistyped in one API v2 study, as `field: problem` lines (empty when fine)."""
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        return []
    problems: list[str] = []
    status = protocol.get("statusModule")
    if isinstance(status, dict):
        for name in _DATE_STRUCTS:
            struct = status.get(name)
            if struct is None:
                continue
            value = struct.get("date") if isinstance(struct, dict) else struct
            problem = "not an object with a date" if not isinstance(struct, dict) else _date_problem(value)
            if value is not None and problem:
                problems.append(f"statusModule.{name}.date: {problem}")
        for name in _DATE_STRINGS:
            if status.get(name) is not None and (problem := _date_problem(status[name])):
                problems.append(f"statusModule.{name}: {problem}")
    design = protocol.get("designModule")
    if isinstance(design, dict):
        enrollment = design.get("enrollmentInfo")
        count = enrollment.get("count") if isinstance(enrollment, dict) else None
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            problems.append(f"designModule.enrollmentInfo.count: {count!r} is not a whole number of participants")
        phases = design.get("phases")
        if phases is not None and not (isinstance(phases, list) and all(isinstance(p, str) for p in phases)):
            problems.append(f"designModule.phases: {phases!r} is not a list of phase names")
    return problems


def _frame_date_valid(text: pl.Expr) -> pl.Expr:
    full = (
        pl.when(text.str.len_chars() == 4)
        .then(text + "-01-01")
        .when(text.str.len_chars() == 7)
        .then(text + "-01")
        .otherwise(text)
    )
    return text.is_null() | (
        text.str.contains(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
        & full.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_not_null()
    )


def frame_type_problems(frame: pl.DataFrame) -> pl.DataFrame:
    """`type_problems` for studies already read as a frame (the NDJSON fast path, where
    numbers and lists were typed by the reader): (record_index, reason) of every study
    with a date that is not a calendar date."""
    status = pl.col("protocolSection").struct.field("statusModule")
    checks = []
    schema = frame.schema.get("protocolSection")
    status_fields = {f.name: f.dtype for f in schema.fields} if isinstance(schema, pl.Struct) else {}
    status_dtype = status_fields.get("statusModule")
    present = {f.name: f.dtype for f in status_dtype.fields} if isinstance(status_dtype, pl.Struct) else {}
    for name in _DATE_STRUCTS:
        if isinstance(present.get(name), pl.Struct):
            text = status.struct.field(name).struct.field("date")
            checks.append(pl.when(~_frame_date_valid(text)).then(pl.format(f"statusModule.{name}.date: {{}}", text)))
    for name in _DATE_STRINGS:
        if present.get(name) == pl.String:
            text = status.struct.field(name)
            checks.append(pl.when(~_frame_date_valid(text)).then(pl.format(f"statusModule.{name}: {{}}", text)))
    if not checks:
        return pl.DataFrame(schema={"record_index": pl.Int64, "reason": pl.String})
    reasons = pl.concat_str(checks, separator="; ", ignore_nulls=True)
    return (
        frame.select(pl.col("record_index").cast(pl.Int64), reasons.alias("reason"))
        .filter(pl.col("reason").is_not_null() & (pl.col("reason") != ""))
        .with_columns(("wrong type, record refused: " + pl.col("reason") + " is not a calendar date").alias("reason"))
    )
