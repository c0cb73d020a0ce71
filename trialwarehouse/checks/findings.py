"""Findings: the failing rows of one rule turned into rows of dq_finding, column-wise with
polars (a million findings stay cheap), each with a message, the evidence the rule read and a
fingerprint source that follows the finding from run to run."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass

import polars as pl

FINDING_SCHEMA = {
    "fingerprint_source": pl.String,
    "nct_id": pl.String,
    "check_name": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "message": pl.String,
    "evidence": pl.String,
    "version_key": pl.Int64,
}


@dataclass
class RuleOutcome:
    suite: str
    check: str
    rule: str
    severity: str
    evaluated: int
    failed: pl.DataFrame  # the input rows this rule flags
    meta: dict  # the expectation's meta: message template, subject column, input SQL
    read_columns: tuple[str, ...] = ()  # input columns the expectation itself reads
    order: tuple[int, int] = (0, 0)  # (input, rule) numbers in the suite: findings keep this order
    rows: tuple[int, ...] = ()  # positions of the failing rows in the whole input


def _message(template: str, columns: list[str]) -> pl.Expr:
    """The message template ("{column}" placeholders) as one string expression; a missing
    value shows as "not given" (curators read no NULL) and a placeholder the input lacks as "?"."""
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            parts.append(pl.col(name).cast(pl.String).fill_null("not given") if name in columns else pl.lit("?"))
    return pl.concat_str(parts) if parts else pl.lit("")


def _evidence_columns(suite: dict, outcome: RuleOutcome, subject: str, detail: list[str]) -> list[str]:
    """What the rule read and what its message shows, not every input column: the evidence
    of a million findings must stay readable and small."""
    placeholders = [name for _, name, _, _ in string.Formatter().parse(outcome.meta["message"]) if name]
    wanted = [
        subject,
        *detail,
        "version_key",
        *outcome.read_columns,
        *placeholders,
        *suite["meta"]["checks"][outcome.check]["fields"],
    ]
    return list(dict.fromkeys(c for c in wanted if c in outcome.failed.columns))


def findings_frame(suite: dict, outcome: RuleOutcome) -> pl.DataFrame:
    """The findings of one rule, one row per failing input row (`FINDING_SCHEMA`). The
    fingerprint is the MD5 of `fingerprint_source`, taken in DuckDB when they are staged."""
    rows = outcome.failed
    if rows.is_empty():
        return pl.DataFrame(schema=FINDING_SCHEMA)
    subject = outcome.meta.get("subject_column") or suite["meta"]["subject_column"]
    detail = [c for c in suite["meta"]["detail_columns"] if c in rows.columns]
    fields = suite["meta"]["checks"][outcome.check]["fields"]
    evidence = _evidence_columns(suite, outcome, subject, detail)
    identity = [
        pl.lit(outcome.check),
        pl.lit(outcome.rule),
        pl.col(subject).cast(pl.String).fill_null("None"),
        *[pl.col(c).cast(pl.String).fill_null("None") for c in detail],
    ]
    return rows.select(
        pl.concat_str(identity, separator="|").alias("fingerprint_source"),
        pl.col(subject).cast(pl.String).alias("nct_id"),
        pl.lit(outcome.check).alias("check_name"),
        pl.lit(outcome.rule).alias("rule"),
        pl.lit(outcome.severity).alias("severity"),
        _message(outcome.meta["message"], rows.columns).alias("message"),
        pl.concat_str(
            [
                pl.lit('{"fields":' + json.dumps(fields) + ',"values":'),
                pl.struct(evidence).struct.json_encode(),
                pl.lit("}"),
            ]
        ).alias("evidence"),
        (pl.col("version_key").cast(pl.Int64) if "version_key" in rows.columns else pl.lit(None, pl.Int64)).alias(
            "version_key"
        ),
    )
