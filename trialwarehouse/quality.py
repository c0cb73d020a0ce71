"""Data-quality checks: Great Expectations suites from `expectations/`, run on DataFrames.

GX's SQL datasource returns empty metrics on DuckDB (see expectations/README.md), so each
suite validates a pandas DataFrame built by its SQL under `sql/checks/` (DuckDB -> Arrow ->
pandas). Failing rows become findings with a message, the evidence the rule read, and a
fingerprint that follows the finding from run to run (NEW, OPEN, RESOLVED).

Only trials touched by the run are re-checked: every measure is relative to the record's
own capture date, so an untouched trial's findings cannot change. When a check's
definition changes, every trial is re-checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from transforms.text_facts import with_text_facts
from trialwarehouse import warehouse
from trialwarehouse.logs import event
from trialwarehouse.settings import REPO_ROOT

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SUITES = ("trial_checks", "site_checks", "warehouse_integrity")
# Finding life-cycle steps, in order (sql/load/dq_<step>.sql).
LIFECYCLE_STEPS = ("update_open_findings", "insert_new_findings", "resolve_findings", "carry_open_findings",
                   "insert_dq_run_check")
FINDING_COLUMNS = ("fingerprint", "nct_id", "check_name", "rule", "severity", "message", "evidence", "version_key")


class IntegrityError(RuntimeError):
    """Warehouse integrity checks failed: the night's warehouse must not be published."""

    def __init__(self, messages: list[str]):
        super().__init__("warehouse integrity checks failed: " + "; ".join(messages[:10]))
        self.messages = messages


@dataclass
class RuleOutcome:
    suite: str
    check: str
    rule: str
    severity: str
    evaluated: int
    failed_rows: list[dict]
    meta: dict  # the expectation's meta: message template, subject column, input SQL


@dataclass
class QualityStats:
    evaluated_trials: int = 0
    findings_new: int = 0
    findings_open: int = 0
    findings_resolved: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    validation_json: dict = field(default_factory=dict)
    data_docs_dir: str | None = None  # GX Data Docs site built for this run (copied beside the report)


def load_suite(name: str) -> dict:
    return json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _definition_hash(suite: dict, check: str) -> str:
    rules = [x for x in suite["expectations"] if x["meta"]["check"] == check]
    return hashlib.sha256(json.dumps([rules, suite["meta"]["checks"][check]], sort_keys=True).encode()).hexdigest()


def register_checks(con: duckdb.DuckDBPyConnection, suites: dict[str, dict]) -> bool:
    """Refresh dq_check from the suites; True when any definition is new or changed."""
    changed = False
    for name, suite in suites.items():
        for check, info in suite["meta"]["checks"].items():
            digest = _definition_hash(suite, check)
            known = con.execute("SELECT definition_hash FROM dq_check WHERE check_name = ?", [check]).fetchone()
            changed |= known is None or known[0] != digest
            con.execute(
                "INSERT OR REPLACE INTO dq_check VALUES (?, ?, ?, ?, ?, ?, ?)",
                [check, info["severity"], info["explanation"], info["fields"], name,
                 bool(suite["meta"]["blocks_publication"]), digest],
            )
    return changed


def _input_frame(con: duckdb.DuckDBPyConnection, sql_file: str, run_id: int):
    sql = warehouse.read_sql(sql_file)
    params = {"run_id": run_id} if "$run_id" in sql else {}
    with warnings.catch_warnings():
        # DuckDB suggests con.sql(), which refuses to run while the writer has a result open.
        warnings.simplefilter("ignore", UserWarning)
        frame = pl.from_arrow(con.execute(sql, params).to_arrow_reader().read_all())
    if "eligibility_criteria" in frame.columns:
        # The long texts are only read for the counts and ages they state; dropping them
        # keeps the pandas copy GX validates small.
        frame = with_text_facts(frame).drop("brief_summary", "detailed_description", "eligibility_criteria")
    return frame.with_row_index("row_id")


def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return gx, context


def validate_suite(suite: dict, frames: dict[str, pl.DataFrame], session=None) -> tuple[list[RuleOutcome], dict]:
    """Run one suite; each expectation validates the frame of its input SQL. Results also go
    to the session's Data Docs site (one GX context per run)."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx, context = session or _gx_context()
    source = context.data_sources.add_pandas(f"{suite['name']}_frames")
    outcomes: list[RuleOutcome] = []
    reports: dict = {}
    by_input: dict[str, list[dict]] = {}
    for expectation in suite["expectations"]:
        input_sql = expectation["meta"].get("input_sql") or suite["meta"]["input_sql"]
        by_input.setdefault(input_sql, []).append(expectation)
    for index, (input_sql, expectations) in enumerate(by_input.items()):
        frame = frames[input_sql]
        batch = source.add_dataframe_asset(f"input_{index}").add_batch_definition_whole_dataframe("all")
        gx_suite = gx.ExpectationSuite(name=f"{suite['name']}_{index}", meta={"input_sql": input_sql})
        for expectation in expectations:
            gx_suite.add_expectation_configuration(
                ExpectationConfiguration(type=expectation["type"], kwargs=expectation["kwargs"], meta=expectation["meta"])
            )
        gx_suite = context.suites.add(gx_suite)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite['name']}_{index}", data=batch, suite=gx_suite)
        )
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"{suite['name']}_{index}", validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data-docs")],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
        ))
        pandas_frame = frame.to_pandas(use_pyarrow_extension_array=False)
        with warnings.catch_warnings():
            # String row conditions are deprecated for GX 2.0; GX is pinned to 1.24 here.
            warnings.simplefilter("ignore", DeprecationWarning)
            run = checkpoint.run(batch_parameters={"dataframe": pandas_frame})
        result = next(iter(run.run_results.values()))
        reports[input_sql] = result.to_json_dict()
        rows = frame.to_dicts()
        for outcome in result.results:
            meta = outcome.expectation_config.meta
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise RuntimeError(f"check {meta['check']}/{meta['rule']} could not run: "
                                   f"{outcome.exception_info.get('exception_message')}")
            failing = [rows[int(item["row_id"])] for item in (outcome.result.get("unexpected_index_list") or [])]
            evaluated = int(outcome.result.get("element_count") or len(rows))
            outcomes.append(RuleOutcome(suite["name"], meta["check"], meta["rule"], meta["severity"], evaluated, failing,
                                        dict(meta)))
    return outcomes, reports


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class _Blank(dict):
    def __missing__(self, key):
        return "?"


def _finding(suite: dict, outcome: RuleOutcome, row: dict) -> dict:
    subject_column = outcome.meta.get("subject_column") or suite["meta"]["subject_column"]
    fields = suite["meta"]["checks"][outcome.check]["fields"]
    read = {k: _plain(v) for k, v in row.items() if k != "row_id"}  # long texts were dropped from the frame
    shown = _Blank({k: ("NULL" if v is None else v) for k, v in read.items()})
    detail = [str(row.get(c)) for c in suite["meta"]["detail_columns"] if c in row]
    subject = str(row.get(subject_column))
    fingerprint = hashlib.md5("|".join([outcome.check, outcome.rule, subject, *detail]).encode()).hexdigest()
    evidence = {"fields": fields, "values": read}
    return {
        "fingerprint": fingerprint,
        "nct_id": subject,
        "check_name": outcome.check,
        "rule": outcome.rule,
        "severity": outcome.severity,
        "message": outcome.meta["message"].format_map(shown),
        "evidence": json.dumps(evidence, default=str, ensure_ascii=False),
        "version_key": row.get("version_key"),
    }


def check_integrity(con: duckdb.DuckDBPyConnection, run_id: int, session=None) -> tuple[list[RuleOutcome], dict]:
    suite = load_suite("warehouse_integrity")
    inputs = {x["meta"]["input_sql"] for x in suite["expectations"]}
    frames = {sql: _input_frame(con, sql, run_id) for sql in inputs}
    outcomes, report = validate_suite(suite, frames, session)
    failures = [_finding(suite, o, row)["message"] for o in outcomes for row in o.failed_rows]
    if failures:
        raise IntegrityError(failures)
    return outcomes, report


def _define_scope(con: duckdb.DuckDBPyConnection, everything: bool) -> int:
    if everything:
        con.execute("CREATE OR REPLACE TEMP TABLE dq_scope AS SELECT nct_id FROM dim_trial")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE dq_scope AS SELECT DISTINCT nct_id FROM stg_versions")
    return con.execute("SELECT count(*) FROM dq_scope").fetchone()[0]


def run_checks(con: duckdb.DuckDBPyConnection, run_id: int) -> QualityStats:
    """Integrity first (raises IntegrityError), then the curator checks and their findings' life."""
    started = time.monotonic()
    stats = QualityStats()
    session = _gx_context()
    integrity_outcomes, integrity_report = check_integrity(con, run_id, session)
    suites = {name: load_suite(name) for name in SUITES}
    changed = register_checks(con, suites)
    stats.evaluated_trials = _define_scope(con, everything=changed)
    findings: list[dict] = []
    outcomes: list[RuleOutcome] = list(integrity_outcomes)
    stats.validation_json = {"warehouse_integrity": integrity_report}
    for name in ("trial_checks", "site_checks"):
        suite = suites[name]
        frames = {suite["meta"]["input_sql"]: _input_frame(con, suite["meta"]["input_sql"], run_id)}
        suite_outcomes, report = validate_suite(suite, frames, session)
        stats.validation_json[name] = report
        outcomes += suite_outcomes
        findings += [_finding(suite, o, row) for o in suite_outcomes for row in o.failed_rows]
    _persist(con, run_id, findings, outcomes, stats)
    stats.data_docs_dir = _data_docs_dir(session[1])
    event("check-quality", run_id, trials_checked=stats.evaluated_trials, new=stats.findings_new,
          open=stats.findings_open, resolved=stats.findings_resolved, seconds=time.monotonic() - started)
    return stats


def _persist(con, run_id: int, findings: list[dict], outcomes: list[RuleOutcome], stats: QualityStats) -> None:
    frame = pl.DataFrame({c: [f[c] for f in findings] for c in FINDING_COLUMNS},
                         schema={"fingerprint": pl.String, "nct_id": pl.String, "check_name": pl.String, "rule": pl.String,
                                 "severity": pl.String, "message": pl.String, "evidence": pl.String, "version_key": pl.Int64})
    frame = frame.unique(subset="fingerprint", keep="first", maintain_order=True)
    con.register("dq_batch", frame)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE stg_dq_finding AS SELECT * FROM dq_batch")
    finally:
        con.unregister("dq_batch")
    checks = pl.DataFrame(
        [(o.check, o.rule, o.severity, o.evaluated, len(o.failed_rows)) for o in outcomes],
        schema={"check_name": pl.String, "rule": pl.String, "severity": pl.String, "evaluated_rows": pl.Int64,
                "failed_rows": pl.Int64},
        orient="row",
    )
    con.register("dq_rules", checks)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE stg_dq_run_check AS SELECT * FROM dq_rules")
    finally:
        con.unregister("dq_rules")
    counts = {}
    for step in LIFECYCLE_STEPS:
        counts[step] = warehouse.run_sql_file(con, f"load/dq_{step}.sql", {"run_id": run_id}) or 0
    stats.findings_new = counts["insert_new_findings"]
    stats.findings_resolved = counts["resolve_findings"]
    stats.findings_open = con.execute(
        "SELECT count(*) FROM dq_finding WHERE resolved_run_id IS NULL AND accepted_at IS NULL"
    ).fetchone()[0]
    stats.by_severity = dict(con.execute(
        "SELECT severity, count(*) FROM dq_finding WHERE resolved_run_id IS NULL AND accepted_at IS NULL GROUP BY 1"
    ).fetchall())


def _data_docs_dir(context) -> str | None:
    for site in context.get_docs_sites_urls():
        url = site.get("site_url") or ""
        if url.startswith("file://"):
            return str(Path(url.removeprefix("file://")).parent)
    return None


def write_validation_results(stats: QualityStats, path: Path) -> Path:
    path.write_text(json.dumps(stats.validation_json, indent=1, default=str), encoding="utf-8")
    return path
