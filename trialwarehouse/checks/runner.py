"""Running the checks of a run: which trials are in scope, the suites validated in three
phases (inputs exported, validated, findings persisted), integrity before everything.

Each suite validates DataFrames built by its SQL under `sql/checks/` (`gx.py` says why).
Failing rows become findings (`findings.py`) whose fingerprint follows them from run to run
(NEW, OPEN, RESOLVED). Only trials touched by the run are re-checked: every measure is
relative to the record's own capture date, so an untouched trial's findings cannot change.
When a check's definition changes, every trial is re-checked. A run that loaded nothing and
changed no definition has nothing to validate: GX validates nothing (a quiet night never starts
it; one whose new files were all refused ends the process it started for them, unused).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from trialwarehouse import warehouse
from trialwarehouse.checks import gx
from trialwarehouse.checks.findings import FINDING_SCHEMA, RuleOutcome, findings_frame
from trialwarehouse.checks.gx import gx_context, validate_suite
from trialwarehouse.checks.suites import SUITES, by_input, load_suite, register_checks
from trialwarehouse.logs import Progress, event

# Finding life-cycle steps, in order (sql/load/dq_<step>.sql).
LIFECYCLE_STEPS = ("update_open_findings", "insert_new_findings", "resolve_findings", "insert_dq_run_check")


class IntegrityError(RuntimeError):
    """Warehouse integrity checks failed: the night's warehouse must not be published."""

    def __init__(self, messages: list[str]):
        super().__init__("warehouse integrity checks failed: " + "; ".join(messages[:10]))
        self.messages = messages


@dataclass
class QualityStats:
    evaluated_trials: int = 0
    findings_new: int = 0
    findings_open: int = 0
    findings_resolved: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    validation_json: dict = field(default_factory=dict)
    validated: bool = True  # False when the run had nothing to check and GX validated nothing


# Below every key and run id: "from the first row on"; above them all: "no row".
_EVERY_ROW, _NO_ROW = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class CheckScope:
    """What a run's checks read. The curator checks read the trials in the temporary table
    dq_scope; the integrity checks read those trials and the rows the run wrote: the rows of
    versions keyed `first_version_key` or later (a run writes rows for its new versions only,
    keyed after every stored one) and the sightings of runs from `first_sighting_run_id` on.
    Over the whole warehouse both start at the first row."""

    run_id: int
    trials: int
    first_version_key: int
    first_sighting_run_id: int

    def parameters(self) -> dict[str, int]:
        return {
            "run_id": self.run_id,
            "first_version_key": self.first_version_key,
            "first_sighting_run_id": self.first_sighting_run_id,
        }


def _export_input(con: duckdb.DuckDBPyConnection, sql_file: str, scope: CheckScope, path: Path) -> Path:
    """The rows of one check input, written by DuckDB straight to Parquet: streamed, so a
    registry-sized input never sits in memory."""
    statement, params = warehouse.single_statement(sql_file, scope.parameters())
    # COPY takes no bound file name: the target is our own work folder, quoted.
    target = "'" + str(path).replace("'", "''") + "'"
    # The new line ends a comment the statement may close with.
    con.execute(f"COPY ({statement}\n) TO {target} (FORMAT parquet)", params).fetchall()
    return path


def _export_inputs(con: duckdb.DuckDBPyConnection, suite: dict, scope: CheckScope, work: Path) -> dict[str, Path]:
    return {
        sql: _export_input(con, sql, scope, work / f"{suite['name']}-{number}.parquet")
        for number, sql in enumerate(sorted(by_input(suite)))
    }


def check_integrity(con: duckdb.DuckDBPyConnection, run_id: int, session=None) -> dict:
    """The integrity suite alone, over the whole warehouse (raises IntegrityError); returns
    its GX results."""
    suite = load_suite("warehouse_integrity")
    scope = _define_scope(con, run_id, everything=True)
    with tempfile.TemporaryDirectory(prefix="tw-integrity-") as folder:
        inputs = _export_inputs(con, suite, scope, Path(folder))
        outcome = check_suite(session or gx_context(), suite, inputs, Path(folder), None, gx.CHUNK_ROWS)
    if outcome.failures:
        raise IntegrityError(outcome.failures)
    return outcome.report


def _define_scope(con: duckdb.DuckDBPyConnection, run_id: int, everything: bool) -> CheckScope:
    if everything:
        con.execute("CREATE OR REPLACE TEMP TABLE dq_scope AS SELECT nct_id FROM dim_trial")
    elif not warehouse.has_staged_versions(con):  # a night that staged no record
        con.execute("CREATE OR REPLACE TEMP TABLE dq_scope (nct_id VARCHAR)")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE dq_scope AS SELECT DISTINCT nct_id FROM stg_versions")
    # Drained with fetchall: DuckDB 2 refuses new work on the connection otherwise.
    trials = con.execute("SELECT count(*) FROM dq_scope").fetchall()[0][0]
    if everything:
        return CheckScope(run_id, trials, _EVERY_ROW, _EVERY_ROW)
    if not trials:  # a night that loaded nothing: nothing to look up (nothing is validated)
        return CheckScope(run_id, trials, _NO_ROW, _NO_ROW)
    # The run's first new version; without one, past the last stored version: no row.
    first_new = con.execute(
        "SELECT coalesce(min(version_key) FILTER (WHERE first_seen_run_id = ?), max(version_key) + 1, 1) "
        "FROM fct_trial_version",
        [run_id],
    ).fetchall()[0][0]
    return CheckScope(run_id, trials, first_new, run_id)


@dataclass
class SuiteOutcome:
    """What validating one suite gives back, from GX's process or this one."""

    report: dict  # GX's result of each input, as JSON
    tallies: dict[tuple[str, str, str], list[int]]  # (check, rule, severity) -> [rows evaluated, failed]
    failures: list[str]  # the integrity suite's failing rows, as messages (findings suites write theirs)


def check_suite(
    session, suite: dict, inputs: dict[str, Path], work: Path, suite_number: int | None, chunk_rows: int
) -> SuiteOutcome:
    """Validate one suite in the GX `session`, `chunk_rows` input rows at a time. A findings
    suite (`suite_number`, 0 for the first) writes its findings to Parquet in `work` as it
    goes, so nothing grows with N in memory; the integrity suite (None) returns its failures.
    Runs in GX's process (`gx_process`) or in this one: what goes in and out is plain data."""
    tallies: dict[tuple[str, str, str], list[int]] = {}
    failures: list[str] = []
    written = 0

    def take(outcome: RuleOutcome) -> None:
        nonlocal written
        tally = tallies.setdefault((outcome.check, outcome.rule, outcome.severity), [0, 0])
        tally[0] += outcome.evaluated
        tally[1] += outcome.failed.height
        frame = findings_frame(suite, outcome)
        if suite_number is None:
            failures.extend(frame["message"].to_list())
        elif frame.height:
            # `position` orders findings by suite, input, rule and row of the whole input,
            # so their keys do not depend on how the input was chunked.
            input_number, rule_number = outcome.order
            prefix = ((suite_number * 64 + input_number) * 1024 + rule_number) << 36
            numbered = frame.with_columns((pl.Series(outcome.rows, dtype=pl.Int64) + prefix).alias("position"))
            numbered.write_parquet(work / f"findings-{suite_number:02d}-{written:012d}.parquet")
            written += frame.height

    report = validate_suite(suite, inputs, session, take, chunk_rows)
    return SuiteOutcome(report, tallies, failures)


def _in_this_process(session) -> Callable[..., SuiteOutcome]:
    return lambda function, *args: function(session, *args)


@dataclass
class CheckRun:
    """One run's checks between their three phases: inputs exported (from the committed load of
    the building copy), validated, persisted."""

    con: duckdb.DuckDBPyConnection
    run_id: int
    started: float
    stats: QualityStats
    suites: dict[str, dict]
    work: Path | None = None  # None: nothing to validate
    inputs: dict[str, dict[str, Path]] = field(default_factory=dict)
    tallies: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)


@contextmanager
def prepared(con: duckdb.DuckDBPyConnection, run_id: int, work_dir: Path | None = None) -> Iterator[CheckRun]:
    """Register the suites and export every input (to Parquet in `work_dir`, or a temporary
    folder, removed on leaving). Only trials touched by the run, and the rows it wrote, are in
    scope, unless a check's definition changed (`CheckScope`); a run that loaded nothing and
    changed no definition exports nothing."""
    stats = QualityStats()
    suites = {name: load_suite(name) for name in SUITES}
    changed = register_checks(con, suites)
    scope = _define_scope(con, run_id, everything=changed)
    stats.evaluated_trials = scope.trials
    started = time.monotonic()
    if not stats.evaluated_trials and not changed:
        stats.validated = False  # nothing loaded, no definition changed: nothing to validate
        yield CheckRun(con, run_id, started, stats, suites)
        return
    if work_dir:
        work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tw-checks-", dir=work_dir) as folder:
        work = Path(folder)
        inputs = {name: _export_inputs(con, suite, scope, work) for name, suite in suites.items()}
        event("check-quality", run_id, stage="inputs-exported", seconds=time.monotonic() - started)
        yield CheckRun(con, run_id, started, stats, suites, work, inputs)


# Integrity first: a broken warehouse stops the night before any finding is written.
VALIDATION_ORDER = ("warehouse_integrity", "trial_checks", "site_checks", "result_checks")


def validate(check: CheckRun, in_gx: Callable[..., SuiteOutcome] | None = None) -> None:
    """Integrity first (raises IntegrityError), then the curator checks. `in_gx(function,
    *args)` calls `function(session, *args)` where a GX session lives (`GxProcess.run`);
    without it, this process makes a session of its own."""
    if check.work is None:
        return
    run = in_gx or _in_this_process(gx_context())
    progress = Progress("checks", check.run_id, len(VALIDATION_ORDER), unit="suites")
    findings_suites = 0
    for name in VALIDATION_ORDER:
        integrity = name == "warehouse_integrity"
        number = None if integrity else findings_suites
        outcome: SuiteOutcome = run(
            check_suite, check.suites[name], check.inputs[name], check.work, number, gx.CHUNK_ROWS
        )
        for key, (evaluated, failed) in outcome.tallies.items():
            tally = check.tallies.setdefault(key, [0, 0])
            tally[0] += evaluated
            tally[1] += failed
        if outcome.failures:
            raise IntegrityError(outcome.failures)
        check.stats.validation_json[name] = outcome.report
        findings_suites += not integrity
        progress.advance()
    progress.done()


def persist(check: CheckRun) -> QualityStats:
    """The findings' life cycle (NEW, OPEN, RESOLVED) and the per-rule counts, in the warehouse."""
    stats = check.stats
    if check.work is not None:
        event("check-quality", check.run_id, stage="validated", seconds=time.monotonic() - check.started)
    _persist(check.con, check.run_id, check.work, check.tallies, stats)
    if not stats.validated:
        event(
            "check-quality",
            check.run_id,
            trials_checked=0,
            open=stats.findings_open,
            seconds=time.monotonic() - check.started,
        )
        return stats
    event(
        "check-quality",
        check.run_id,
        trials_checked=stats.evaluated_trials,
        new=stats.findings_new,
        open=stats.findings_open,
        resolved=stats.findings_resolved,
        seconds=time.monotonic() - check.started,
    )
    return stats


def _persist(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    work: Path | None,
    tallies: dict[tuple[str, str, str], list[int]],
    stats: QualityStats,
) -> None:
    files = sorted(work.glob("findings-*.parquet")) if work else []
    if work and files:
        source = "read_parquet('" + str(work / "findings-*.parquet").replace("'", "''") + "')"
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
            for (check, rule, severity), (evaluated, failed) in tallies.items()
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
