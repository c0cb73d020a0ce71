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
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from trialwarehouse import warehouse
from trialwarehouse.docs_safe import escaped_result
from trialwarehouse.logs import event
from trialwarehouse.settings import REPO_ROOT

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SUITES = ("trial_checks", "site_checks", "warehouse_integrity")
# Finding life-cycle steps, in order (sql/load/dq_<step>.sql).
LIFECYCLE_STEPS = ("update_open_findings", "insert_new_findings", "resolve_findings", "insert_dq_run_check")
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
# What GX's store and Data Docs keep of each expectation result: the counts and a sample.
SUMMARY_KEYS = (
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "missing_percent",
    "unexpected_percent_total",
    "unexpected_percent_nonmissing",
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "observed_value",
)


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
    order: tuple[int, int] = (0, 0)  # (input, rule) numbers in the suite: findings keep this order
    rows: tuple[int, ...] = ()  # positions of the failing rows in the whole input


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
                [
                    check,
                    info["severity"],
                    info["explanation"],
                    info["fields"],
                    name,
                    bool(suite["meta"]["blocks_publication"]),
                    digest,
                ],
            )
    return changed


# Input rows validated at a time: memory stays bounded whatever the number of trials.
CHUNK_ROWS = 100_000


def _export_input(con: duckdb.DuckDBPyConnection, sql_file: str, run_id: int, path: Path) -> Path:
    """The rows of one check input, written by DuckDB straight to Parquet: streamed, so a
    registry-sized input never sits in memory (and, inside the publication's transaction,
    it sees the load not committed yet)."""
    statement = warehouse.single_statement(sql_file)
    params = {"run_id": run_id} if "$run_id" in statement else {}
    # COPY takes no bound file name: the target is our own work folder, quoted.
    target = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"COPY ({statement}) TO {target} (FORMAT parquet)", params).fetchall()
    return path


def _chunks(path: Path) -> Iterator[tuple[int, pl.DataFrame]]:
    """(offset, rows) of an exported input, CHUNK_ROWS at a time; one empty chunk if none."""
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    for offset in range(0, max(rows, 1), CHUNK_ROWS):
        yield offset, pl.scan_parquet(path).slice(offset, CHUNK_ROWS).collect()


def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return gx, context


def _summarized(result, offset: int):
    """A chunk's suite result as GX's store and Data Docs keep it: counts and a sample of
    failing values per expectation (with positions in the whole input), not the full lists
    (those can hold a million entries)."""
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

    results = []
    for r in result.results:
        kept = escaped_result({k: v for k, v in (r.result or {}).items() if k in SUMMARY_KEYS})  # record text
        if kept.get("partial_unexpected_index_list"):
            kept["partial_unexpected_index_list"] = [int(i) + offset for i in kept["partial_unexpected_index_list"]]
        results.append(
            ExpectationValidationResult(
                success=r.success,
                expectation_config=r.expectation_config,
                meta=r.meta,
                exception_info=r.exception_info,
                result=kept,
            )
        )
    return results, result


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _merged(chunks: list) -> ExpectationSuiteValidationResult:  # noqa: F821
    """One suite result from the chunks' summaries, as GX would report the whole input:
    counts added up, percentages recomputed, the first examples kept."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    first_results, first_suite = chunks[0]
    merged = []
    for position, template in enumerate(first_results):
        parts = [results[position] for results, _ in chunks]
        total = sum(p.result.get("element_count") or 0 for p in parts)
        unexpected = sum(p.result.get("unexpected_count") or 0 for p in parts)
        missing = sum(p.result.get("missing_count") or 0 for p in parts)
        examples = [v for p in parts for v in p.result.get("partial_unexpected_list") or []][:20]
        indexes = [v for p in parts for v in p.result.get("partial_unexpected_index_list") or []][:20]
        counts: dict[str, list] = {}
        for value in examples:
            counts.setdefault(repr(value), [value, 0])[1] += 1
        result = dict(template.result)
        result.update(
            element_count=total,
            unexpected_count=unexpected,
            missing_count=missing,
            missing_percent=_percent(missing, total),
            unexpected_percent=_percent(unexpected, total - missing),
            unexpected_percent_total=_percent(unexpected, total),
            unexpected_percent_nonmissing=_percent(unexpected, total - missing),
            partial_unexpected_list=examples,
            partial_unexpected_index_list=indexes,
            partial_unexpected_counts=[{"value": v, "count": n} for v, n in counts.values()],
        )
        merged.append(
            ExpectationValidationResult(
                success=all(p.success for p in parts),
                expectation_config=template.expectation_config,
                meta=template.meta,
                exception_info=template.exception_info,
                result={k: v for k, v in result.items() if k in template.result},
            )
        )
    successful = sum(1 for r in merged if r.success)
    statistics = {
        "evaluated_expectations": len(merged),
        "successful_expectations": successful,
        "unsuccessful_expectations": len(merged) - successful,
        "success_percent": _percent(successful, len(merged)),
    }
    return ExpectationSuiteValidationResult(
        success=successful == len(merged),
        results=merged,
        suite_name=first_suite.suite_name,
        statistics=statistics,
        meta=first_suite.meta,
        batch_id=first_suite.batch_id,
    )


def _store(context, gx_suite, result, run_name: str) -> None:
    """File a suite result in GX's validation store, where Data Docs find it."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    suite_id = ExpectationSuiteIdentifier(name=gx_suite.name)
    context.validation_results_store.store_validation_results(
        suite_validation_result=result,
        suite_validation_result_identifier=ValidationResultIdentifier(
            expectation_suite_identifier=suite_id,
            run_id=RunIdentifier(run_name=run_name),
            batch_identifier=result.batch_id,
        ),
        expectation_suite_identifier=suite_id,
    )


def _for_gx(frame: pl.DataFrame, gx_suite) -> pandas.DataFrame:  # noqa: F821
    """The columns the suite's expectations name (as a column or inside a row condition),
    as plain NumPy-backed pandas: GX filters and copies the whole frame once per row
    condition, so every column it does not need, or an Arrow-backed one, costs per rule."""
    mentioned = json.dumps([e.kwargs for e in gx_suite.expectation_configurations])
    columns = [c for c in frame.columns if re.search(rf"\b{re.escape(c)}\b", mentioned)]
    return frame.select(columns).to_pandas(use_pyarrow_extension_array=False)


def _run(batch, gx_suite, frame: pl.DataFrame):
    """Validate one chunk with GX, keeping the full result in memory.

    GX's `Validator` runs the suite directly: `ValidationDefinition.run` would store the
    full result (every failing row) and serialize it several times. GX is pinned (1.24.1)
    and tests/test_quality.py exercises this path end to end."""
    from great_expectations.validator.v1_validator import Validator

    # Row positions are the pandas index: COMPLETE without index columns lists failing rows
    # by position at SUMMARY's cost (with index columns GX builds a dict per failing row).
    validator = Validator(
        batch_definition=batch,
        batch_parameters={"dataframe": _for_gx(frame, gx_suite)},
        result_format={"result_format": "COMPLETE"},
    )
    with warnings.catch_warnings():
        # String row conditions are deprecated for GX 2.0; GX is pinned to 1.24 here.
        warnings.simplefilter("ignore", DeprecationWarning)
        return validator.validate_expectation_suite(gx_suite)


def _by_input(suite: dict) -> dict[str, list[dict]]:
    by_input: dict[str, list[dict]] = {}
    for expectation in suite["expectations"]:
        input_sql = expectation["meta"].get("input_sql") or suite["meta"]["input_sql"]
        by_input.setdefault(input_sql, []).append(expectation)
    return by_input


def validate_suite(
    suite: dict, inputs: dict[str, Path], session, run_name: str, on_outcome: Callable[[RuleOutcome], None]
) -> dict:
    """Run one suite over its exported inputs, chunk by chunk; every rule's outcome on every
    chunk goes to `on_outcome`. Returns the GX result of each input (as JSON), also filed in
    GX's store for Data Docs."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx, context = session
    source = context.data_sources.add_pandas(f"{suite['name']}_frames")
    reports: dict = {}
    for index, (input_sql, expectations) in enumerate(_by_input(suite).items()):
        batch = source.add_dataframe_asset(f"input_{index}").add_batch_definition_whole_dataframe("all")
        gx_suite = gx.ExpectationSuite(name=f"{suite['name']}_{index}", meta={"input_sql": input_sql})
        for expectation in expectations:
            gx_suite.add_expectation_configuration(
                ExpectationConfiguration(
                    type=expectation["type"], kwargs=expectation["kwargs"], meta=expectation["meta"]
                )
            )
        gx_suite = context.suites.add(gx_suite)
        chunks = []
        for offset, frame in _chunks(inputs[input_sql]):
            result = _run(batch, gx_suite, frame)
            chunks.append(_summarized(result, offset))
            for rule_number, outcome in enumerate(result.results):
                meta = outcome.expectation_config.meta
                if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                    raise RuntimeError(
                        f"check {meta['check']}/{meta['rule']} could not run: "
                        f"{outcome.exception_info.get('exception_message')}"
                    )
                positions = outcome.result.get("unexpected_index_list") or []
                kwargs = outcome.expectation_config.kwargs
                read = tuple(kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(kwargs.get(k), str))
                on_outcome(
                    RuleOutcome(
                        suite["name"],
                        meta["check"],
                        meta["rule"],
                        meta["severity"],
                        int(outcome.result.get("element_count") or 0),
                        frame[positions],
                        dict(meta),
                        read,
                        (index, rule_number),
                        tuple(offset + int(p) for p in positions),
                    )
                )
        merged = _merged(chunks)
        _store(context, gx_suite, merged, run_name)
        reports[input_sql] = merged.to_json_dict()
    return reports


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


def _export_inputs(con: duckdb.DuckDBPyConnection, suite: dict, run_id: int, work: Path) -> dict[str, Path]:
    return {
        sql: _export_input(con, sql, run_id, work / f"{suite['name']}-{number}.parquet")
        for number, sql in enumerate(sorted(_by_input(suite)))
    }


def check_integrity(con: duckdb.DuckDBPyConnection, run_id: int, session=None) -> dict:
    """The integrity suite alone (raises IntegrityError); returns its GX results."""
    suite = load_suite("warehouse_integrity")
    with tempfile.TemporaryDirectory(prefix="tw-integrity-") as folder:
        inputs = _export_inputs(con, suite, run_id, Path(folder))
        checker = _Checker(session or _gx_context(), f"run-{run_id:06d}", Path(folder))
        return checker.integrity(suite, inputs)


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


class _Checker:
    """One GX session for a run: validates the suites chunk by chunk, turns failing rows
    into findings and writes them to Parquet as it goes (nothing grows with N in memory),
    and counts, per rule, the rows evaluated and failed."""

    def __init__(self, session, run_name: str, work: Path):
        self.session, self.run_name, self.work = session, run_name, work
        self.findings_written = 0
        self.suites_done = 0
        self.tallies: dict[tuple[str, str, str], list[int]] = {}

    def _tally(self, outcome: RuleOutcome) -> None:
        tally = self.tallies.setdefault((outcome.check, outcome.rule, outcome.severity), [0, 0])
        tally[0] += outcome.evaluated
        tally[1] += outcome.failed.height

    def integrity(self, suite: dict, inputs: dict[str, Path]) -> dict:
        failures: list[str] = []

        def collect(outcome: RuleOutcome) -> None:
            self._tally(outcome)
            failures.extend(findings_frame(suite, outcome)["message"].to_list())

        report = validate_suite(suite, inputs, self.session, self.run_name, collect)
        if failures:
            raise IntegrityError(failures)
        return report

    def findings(self, suite: dict, inputs: dict[str, Path]) -> dict:
        suite_number = self.suites_done

        def keep(outcome: RuleOutcome) -> None:
            self._tally(outcome)
            frame = findings_frame(suite, outcome)
            if frame.height:
                # `position` orders findings by suite, input, rule and row of the whole input,
                # so their keys do not depend on how the input was chunked.
                input_number, rule_number = outcome.order
                prefix = ((suite_number * 64 + input_number) * 1024 + rule_number) << 36
                numbered = frame.with_columns((pl.Series(outcome.rows, dtype=pl.Int64) + prefix).alias("position"))
                numbered.write_parquet(self.work / f"findings-{self.findings_written:012d}.parquet")
                self.findings_written += frame.height

        report = validate_suite(suite, inputs, self.session, self.run_name, keep)
        self.suites_done += 1
        return report


def run_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    while_validating: Callable[[], None] | None = None,
    work_dir: Path | None = None,
) -> QualityStats:
    """Integrity first (raises IntegrityError), then the curator checks and their findings' life.

    Every input is exported by DuckDB first (to Parquet in `work_dir`, or a temporary
    folder); `while_validating` (the run's commit: DuckDB compressing and writing the load)
    then runs once, in a thread while GX validates, since GX is plain Python: on two cores
    the two overlap instead of following each other."""
    started = time.monotonic()
    stats = QualityStats()
    suites = {name: load_suite(name) for name in SUITES}
    changed = register_checks(con, suites)
    stats.evaluated_trials = _define_scope(con, everything=changed)
    if not stats.evaluated_trials and not changed:
        stats.validated = False  # nothing loaded, no definition changed: nothing to validate
        if while_validating:
            while_validating()
        _persist(con, run_id, None, stats)
        event("check-quality", run_id, trials_checked=0, open=stats.findings_open, seconds=time.monotonic() - started)
        return stats
    if work_dir:
        work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tw-checks-", dir=work_dir) as folder:
        work = Path(folder)
        inputs = {name: _export_inputs(con, suite, run_id, work) for name, suite in suites.items()}
        event("check-quality", run_id, stage="inputs-exported", seconds=time.monotonic() - started)
        background = _Background(while_validating)
        try:
            checker = _Checker(_gx_context(), f"run-{run_id:06d}", work)
            stats.validation_json = {
                "warehouse_integrity": checker.integrity(suites["warehouse_integrity"], inputs["warehouse_integrity"])
            }
            for name in ("trial_checks", "site_checks"):
                stats.validation_json[name] = checker.findings(suites[name], inputs[name])
            checker.session[1].build_data_docs()
            stats.data_docs_dir = _data_docs_dir(checker.session[1])
        finally:
            background.join()
        event("check-quality", run_id, stage="validated", seconds=time.monotonic() - started)
        _persist(con, run_id, checker, stats)
    event(
        "check-quality",
        run_id,
        trials_checked=stats.evaluated_trials,
        new=stats.findings_new,
        open=stats.findings_open,
        resolved=stats.findings_resolved,
        seconds=time.monotonic() - started,
    )
    return stats


def _persist(con, run_id: int, checker: _Checker | None, stats: QualityStats) -> None:
    files = sorted(checker.work.glob("findings-*.parquet")) if checker else []
    if files:
        source = "read_parquet('" + str(checker.work / "findings-*.parquet").replace("'", "''") + "')"
    else:
        con.register("dq_batch", pl.DataFrame(schema={**FINDING_SCHEMA, "position": pl.Int64}))
        source = "dq_batch"
    try:
        # One row per fingerprint: the first rule output that raised it.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE stg_dq_finding AS
            SELECT md5(fingerprint_source) AS fingerprint, * EXCLUDE (fingerprint_source)
            FROM {source}
            QUALIFY row_number() OVER (PARTITION BY md5(fingerprint_source) ORDER BY position) = 1
            """
        )
    finally:
        if not files:
            con.unregister("dq_batch")
    checks = pl.DataFrame(
        [
            (check, rule, severity, evaluated, failed)
            for (check, rule, severity), (evaluated, failed) in (checker.tallies.items() if checker else [])
        ],
        schema={
            "check_name": pl.String,
            "rule": pl.String,
            "severity": pl.String,
            "evaluated_rows": pl.Int64,
            "failed_rows": pl.Int64,
        },
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
    stats.by_severity = dict(
        con.execute(
            "SELECT severity, count(*) FROM dq_finding WHERE resolved_run_id IS NULL AND accepted_at IS NULL GROUP BY 1"
        ).fetchall()
    )
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
