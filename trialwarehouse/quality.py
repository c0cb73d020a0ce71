"""Data-quality checks: Great Expectations suites from `expectations/`, run on DataFrames.

GX's SQL datasource returns empty metrics on DuckDB (see expectations/README.md), so each
suite validates a pandas DataFrame built by its SQL under `sql/checks/` (DuckDB -> Arrow ->
pandas). Failing rows become findings with a message, the evidence the rule read, and a
fingerprint that follows the finding from run to run (NEW, OPEN, RESOLVED).

Only trials touched by the run are re-checked: every measure is relative to the record's
own capture date, so an untouched trial's findings cannot change. When a check's
definition changes, every trial is re-checked. A run that loaded nothing and changed no
definition has nothing to validate and does not start GX at all.

At registry scale (hundreds of thousands of rows, a million failing ones) three things
keep this fast: GX reports failing rows as plain positions (COMPLETE format without index
columns, which costs what SUMMARY costs), the full result stays in memory while GX's store
and Data Docs get a summary of it, and findings are built column-wise with polars.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import string
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from trialwarehouse import warehouse
from trialwarehouse.logs import event
from trialwarehouse.settings import REPO_ROOT

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SUITES = ("trial_checks", "site_checks", "warehouse_integrity")
# Finding life-cycle steps, in order (sql/load/dq_<step>.sql).
LIFECYCLE_STEPS = ("update_open_findings", "insert_new_findings", "resolve_findings", "insert_dq_run_check")
FINDING_SCHEMA = {"fingerprint_source": pl.String, "nct_id": pl.String, "check_name": pl.String, "rule": pl.String,
                  "severity": pl.String, "message": pl.String, "evidence": pl.String, "version_key": pl.Int64}
# What GX's store and Data Docs keep of each expectation result: the counts and a sample.
SUMMARY_KEYS = ("element_count", "unexpected_count", "unexpected_percent", "missing_count", "missing_percent",
                "unexpected_percent_total", "unexpected_percent_nonmissing", "partial_unexpected_list",
                "partial_unexpected_counts", "partial_unexpected_index_list", "observed_value")


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
    failed: pl.DataFrame  # the input rows this rule flags
    meta: dict  # the expectation's meta: message template, subject column, input SQL
    read_columns: tuple[str, ...] = ()  # input columns the expectation itself reads


@dataclass
class QualityStats:
    evaluated_trials: int = 0
    findings_new: int = 0
    findings_open: int = 0
    findings_resolved: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    validation_json: dict = field(default_factory=dict)
    data_docs_dir: str | None = None  # GX Data Docs site built for this run (copied beside the report)
    validated: bool = True  # False when the run had nothing to check and GX was not started


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


def _input_frame(con: duckdb.DuckDBPyConnection, sql_file: str, run_id: int) -> pl.DataFrame:
    sql = warehouse.read_sql(sql_file)
    params = {"run_id": run_id} if "$run_id" in sql else {}
    with warnings.catch_warnings():
        # DuckDB suggests con.sql(), which refuses to run while the writer has a result open.
        warnings.simplefilter("ignore", UserWarning)
        return pl.from_arrow(con.execute(sql, params).to_arrow_reader().read_all())


def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return gx, context


def _summarized(result):
    """The suite result as GX's store and Data Docs keep it: counts and a sample of failing
    values per expectation, not the full lists (those can hold a million entries)."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    results = [
        ExpectationValidationResult(
            success=r.success, expectation_config=r.expectation_config, meta=r.meta, exception_info=r.exception_info,
            result={k: v for k, v in (r.result or {}).items() if k in SUMMARY_KEYS},
        )
        for r in result.results
    ]
    return ExpectationSuiteValidationResult(
        success=result.success, results=results, suite_name=result.suite_name, statistics=result.statistics,
        meta=result.meta, batch_id=result.batch_id,
    )


def _for_gx(frame: pl.DataFrame, gx_suite) -> "pandas.DataFrame":  # noqa: F821
    """The columns the suite's expectations name (as a column or inside a row condition),
    as plain NumPy-backed pandas: GX filters and copies the whole frame once per row
    condition, so every column it does not need, or an Arrow-backed one, costs per rule."""
    mentioned = json.dumps([e.kwargs for e in gx_suite.expectation_configurations])
    columns = [c for c in frame.columns if re.search(rf"\b{re.escape(c)}\b", mentioned)]
    return frame.select(columns).to_pandas(use_pyarrow_extension_array=False)


def _validate(gx_session, batch, gx_suite, frame: pl.DataFrame, run_name: str):
    """Validate one DataFrame with GX and file a summary in GX's store for Data Docs.

    GX's `Validator` runs the suite directly: `ValidationDefinition.run` would store the
    full result (every failing row) and serialize it several times. GX is pinned (1.24.1)
    and tests/test_quality.py exercises this path end to end."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.validator.v1_validator import Validator

    _, context = gx_session
    # Row positions are the pandas index: COMPLETE without index columns lists failing rows
    # by position at SUMMARY's cost (with index columns GX builds a dict per failing row).
    validator = Validator(batch_definition=batch, batch_parameters={"dataframe": _for_gx(frame, gx_suite)},
                          result_format={"result_format": "COMPLETE"})
    with warnings.catch_warnings():
        # String row conditions are deprecated for GX 2.0; GX is pinned to 1.24 here.
        warnings.simplefilter("ignore", DeprecationWarning)
        result = validator.validate_expectation_suite(gx_suite)
    summary = _summarized(result)
    suite_id = ExpectationSuiteIdentifier(name=gx_suite.name)
    context.validation_results_store.store_validation_results(
        suite_validation_result=summary,
        suite_validation_result_identifier=ValidationResultIdentifier(
            expectation_suite_identifier=suite_id, run_id=RunIdentifier(run_name=run_name),
            batch_identifier=validator.active_batch_id),
        expectation_suite_identifier=suite_id,
    )
    return result, summary


def validate_suite(suite: dict, frames: dict[str, pl.DataFrame], session=None,
                   run_name: str = "trialwarehouse") -> tuple[list[RuleOutcome], dict]:
    """Run one suite; each expectation validates the frame of its input SQL."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    session = session or _gx_context()
    gx, context = session
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
        result, summary = _validate(session, batch, gx_suite, frame, run_name)
        reports[input_sql] = summary.to_json_dict()
        for outcome in result.results:
            meta = outcome.expectation_config.meta
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise RuntimeError(f"check {meta['check']}/{meta['rule']} could not run: "
                                   f"{outcome.exception_info.get('exception_message')}")
            positions = outcome.result.get("unexpected_index_list") or []
            evaluated = int(outcome.result.get("element_count") or frame.height)
            kwargs = outcome.expectation_config.kwargs
            read = tuple(kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(kwargs.get(k), str))
            outcomes.append(RuleOutcome(suite["name"], meta["check"], meta["rule"], meta["severity"], evaluated,
                                        frame[positions], dict(meta), read))
    return outcomes, reports


def _message(template: str, columns: list[str]) -> pl.Expr:
    """The message template ("{column}" placeholders) as one string expression; NULL shows
    as NULL and a placeholder the input lacks as "?"."""
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            parts.append(pl.col(name).cast(pl.String).fill_null("NULL") if name in columns else pl.lit("?"))
    return pl.concat_str(parts) if parts else pl.lit("")


def _evidence_columns(suite: dict, outcome: RuleOutcome, subject: str, detail: list[str]) -> list[str]:
    """What the rule read and what its message shows, not every input column: the evidence
    of a million findings must stay readable and small."""
    placeholders = [name for _, name, _, _ in string.Formatter().parse(outcome.meta["message"]) if name]
    wanted = [subject, *detail, "version_key", *outcome.read_columns, *placeholders,
              *suite["meta"]["checks"][outcome.check]["fields"]]
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
    identity = [pl.lit(outcome.check), pl.lit(outcome.rule), pl.col(subject).cast(pl.String).fill_null("None"),
                *[pl.col(c).cast(pl.String).fill_null("None") for c in detail]]
    return rows.select(
        pl.concat_str(identity, separator="|").alias("fingerprint_source"),
        pl.col(subject).cast(pl.String).alias("nct_id"),
        pl.lit(outcome.check).alias("check_name"),
        pl.lit(outcome.rule).alias("rule"),
        pl.lit(outcome.severity).alias("severity"),
        _message(outcome.meta["message"], rows.columns).alias("message"),
        pl.concat_str([pl.lit('{"fields":' + json.dumps(fields) + ',"values":'),
                       pl.struct(evidence).struct.json_encode(), pl.lit("}")]).alias("evidence"),
        (pl.col("version_key").cast(pl.Int64) if "version_key" in rows.columns else pl.lit(None, pl.Int64))
        .alias("version_key"),
    )


def check_integrity(con: duckdb.DuckDBPyConnection, run_id: int, session=None) -> tuple[list[RuleOutcome], dict]:
    suite = load_suite("warehouse_integrity")
    outcomes, report = validate_suite(suite, _inputs(con, suite, run_id), session, f"run-{run_id:06d}")
    failures = [m for o in outcomes for m in findings_frame(suite, o)["message"].to_list()]
    if failures:
        raise IntegrityError(failures)
    return outcomes, report


def _define_scope(con: duckdb.DuckDBPyConnection, everything: bool) -> int:
    if everything:
        con.execute("CREATE OR REPLACE TEMP TABLE dq_scope AS SELECT nct_id FROM dim_trial")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE dq_scope AS SELECT DISTINCT nct_id FROM stg_versions")
    return con.execute("SELECT count(*) FROM dq_scope").fetchall()[0][0]  # drained: DuckDB 2 refuses new work otherwise


class _Background:
    """Run `work` in a thread; `join` waits and re-raises what it raised."""

    def __init__(self, work: Callable[[], None] | None):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True) if work else None
        if self.thread:
            self.thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # handed to join()
            self.error = exc

    def join(self) -> None:
        if self.thread:
            self.thread.join()
        if self.error:
            raise self.error


def _inputs(con: duckdb.DuckDBPyConnection, suite: dict, run_id: int) -> dict[str, pl.DataFrame]:
    sqls = {x["meta"].get("input_sql") or suite["meta"]["input_sql"] for x in suite["expectations"]}
    return {sql: _input_frame(con, sql, run_id) for sql in sorted(sqls)}


def run_checks(con: duckdb.DuckDBPyConnection, run_id: int,
               while_validating: Callable[[], None] | None = None) -> QualityStats:
    """Integrity first (raises IntegrityError), then the curator checks and their findings' life.

    Every input is read from DuckDB first; `while_validating` (the run's commit: DuckDB
    compressing and writing the load) then runs once, in a thread while GX validates, since
    GX is plain Python: on two cores the two overlap instead of following each other."""
    started = time.monotonic()
    stats = QualityStats()
    suites = {name: load_suite(name) for name in SUITES}
    changed = register_checks(con, suites)
    stats.evaluated_trials = _define_scope(con, everything=changed)
    if not stats.evaluated_trials and not changed:
        stats.validated = False  # nothing loaded, no definition changed: nothing to validate
        if while_validating:
            while_validating()
        _persist(con, run_id, [], [], stats)
        event("check-quality", run_id, trials_checked=0, open=stats.findings_open, seconds=time.monotonic() - started)
        return stats
    inputs = {name: _inputs(con, suite, run_id) for name, suite in suites.items()}
    event("check-quality", run_id, stage="inputs-read", seconds=time.monotonic() - started)
    background = _Background(while_validating)
    try:
        findings, outcomes = _validate_all(suites, inputs, run_id, stats)
    finally:
        background.join()
    event("check-quality", run_id, stage="validated", seconds=time.monotonic() - started)
    _persist(con, run_id, findings, outcomes, stats)
    event("check-quality", run_id, trials_checked=stats.evaluated_trials, new=stats.findings_new,
          open=stats.findings_open, resolved=stats.findings_resolved, seconds=time.monotonic() - started)
    return stats


def _validate_all(suites: dict, inputs: dict, run_id: int, stats: QualityStats) -> tuple[list[pl.DataFrame], list[RuleOutcome]]:
    session = _gx_context()
    run_name = f"run-{run_id:06d}"
    integrity = suites["warehouse_integrity"]
    outcomes, report = validate_suite(integrity, inputs["warehouse_integrity"], session, run_name)
    failures = [m for o in outcomes for m in findings_frame(integrity, o)["message"].to_list()]
    if failures:
        raise IntegrityError(failures)
    stats.validation_json = {"warehouse_integrity": report}
    findings: list[pl.DataFrame] = []
    for name in ("trial_checks", "site_checks"):
        suite_outcomes, report = validate_suite(suites[name], inputs[name], session, run_name)
        stats.validation_json[name] = report
        outcomes += suite_outcomes
        findings += [findings_frame(suites[name], o) for o in suite_outcomes]
    session[1].build_data_docs()
    stats.data_docs_dir = _data_docs_dir(session[1])
    return findings, outcomes


def _persist(con, run_id: int, findings: list[pl.DataFrame], outcomes: list[RuleOutcome], stats: QualityStats) -> None:
    frame = pl.concat([pl.DataFrame(schema=FINDING_SCHEMA), *findings], how="vertical").with_row_index("position")
    con.register("dq_batch", frame)
    try:
        # One row per fingerprint: the first rule output that raised it.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE stg_dq_finding AS
            SELECT md5(fingerprint_source) AS fingerprint, * EXCLUDE (fingerprint_source)
            FROM dq_batch
            QUALIFY row_number() OVER (PARTITION BY md5(fingerprint_source) ORDER BY position) = 1
            """
        )
    finally:
        con.unregister("dq_batch")
    checks = pl.DataFrame(
        [(o.check, o.rule, o.severity, o.evaluated, o.failed.height) for o in outcomes],
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
    stats.by_severity = dict(con.execute(
        "SELECT severity, count(*) FROM dq_finding WHERE resolved_run_id IS NULL AND accepted_at IS NULL GROUP BY 1"
    ).fetchall())
    stats.findings_open = sum(stats.by_severity.values())


def _data_docs_dir(context) -> str | None:
    for site in context.get_docs_sites_urls():
        url = site.get("site_url") or ""
        if url.startswith("file://"):
            return str(Path(url.removeprefix("file://")).parent)
    return None


def write_validation_results(stats: QualityStats, path: Path) -> Path:
    path.write_text(json.dumps(stats.validation_json, indent=1, default=str), encoding="utf-8")
    return path
