"""Precision and recall of the data-quality checks, measured on records a curator read.

The labels in `tests/data/` are the ground truth, written by reading the raw records in
../shared/data (never by running a check):

* `dq_labels.csv`: findings judged one by one (source, nct_id, check, label true/false, reason).
* `dq_trials_read.csv`: trials read in full, one row per anomaly a curator would flag (the
  check that should raise it), or one `none` row for a trial with nothing to flag.
* `dq_precision_floor.csv`: the precision each check measured when it was last tuned, and
  the recall (row `recall_on_trials_read`); the test suite fails if one falls below it.

Every check measures against the record's own capture date (API `versionHolder`, XML
`download_date`), never the wall clock, so the numbers are the same on any day.

`python -m trialwarehouse.devtools.dq_eval` (or `make dq-eval`) loads ../shared/data into a temporary
warehouse, runs the checks, joins their findings to the labels and prints the table.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from trialwarehouse import warehouse

# A development tool: the labels live in the checkout, the records beside it (../shared).
CHECKOUT = Path(__file__).resolve().parents[2]
LABELS_DIR = CHECKOUT / "tests" / "data"
LABELS = LABELS_DIR / "dq_labels.csv"
TRIALS_READ = LABELS_DIR / "dq_trials_read.csv"
PRECISION_FLOOR = LABELS_DIR / "dq_precision_floor.csv"
SHARED_DATA = CHECKOUT.parent / "shared" / "data"
RECALL_ROW = "recall_on_trials_read"


@dataclass(frozen=True)
class CheckScore:
    check: str
    findings: int  # findings the check raises on the whole set (one per trial and check)
    judged: int  # of those, findings a curator labelled
    true_positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.judged if self.judged else None


@dataclass(frozen=True)
class Evaluation:
    checks: list[CheckScore]
    anomalies: int  # anomalies listed in the trials read in full
    anomalies_found: int  # of those, raised by the check named for them
    missed: list[tuple[str, str, str]]  # (nct_id, check, anomaly) not raised

    @property
    def recall(self) -> float | None:
        return self.anomalies_found / self.anomalies if self.anomalies else None

    def score(self, check: str) -> CheckScore | None:
        return next((c for c in self.checks if c.check == check), None)


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def precision_floors(path: Path = PRECISION_FLOOR) -> dict[str, float]:
    return {row["check"]: float(row["min_precision"]) for row in _read(path)}


def evaluate(con: duckdb.DuckDBPyConnection) -> Evaluation:
    """Join the open findings of a checked warehouse to the labels."""
    labels = {(r["nct_id"], r["check"]): r["label"] == "true" for r in _read(LABELS)}
    findings = {
        (nct, check)
        for nct, check in con.execute(
            "SELECT DISTINCT nct_id, check_name FROM dq_finding WHERE resolved_run_id IS NULL"
        ).fetchall()
    }
    registered = [name for (name,) in con.execute("SELECT check_name FROM dq_check ORDER BY 1").fetchall()]
    scores = []
    for check in registered:
        raised = {nct for nct, name in findings if name == check}
        judged = [labels[(nct, check)] for nct in raised if (nct, check) in labels]
        scores.append(CheckScore(check, len(raised), len(judged), sum(judged)))
    anomalies = [(r["nct_id"], r["anomaly_check"], r["anomaly"]) for r in _read(TRIALS_READ)]
    anomalies = [a for a in anomalies if a[1] != "none"]
    missed = [a for a in anomalies if (a[0], a[1]) not in findings]
    return Evaluation(scores, len(anomalies), len(anomalies) - len(missed), missed)


def checked_warehouse(raw_dir: Path, warehouse_path: Path) -> None:
    """Load `raw_dir` into a new warehouse and run every check."""
    from trialwarehouse.nightly.sequence import run_night
    from trialwarehouse.settings import Settings

    run_night(Settings(raw_dir=raw_dir, warehouse=warehouse_path), checks=True, report_and_email=False)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def render(result: Evaluation, floors: dict[str, float]) -> str:
    lines = [f"{'check':<40} {'findings':>8} {'judged':>6} {'true':>5} {'precision':>9} {'floor':>6}"]
    for score in result.checks:
        floor = floors.get(score.check)
        lines.append(
            f"{score.check:<40} {score.findings:>8} {score.judged:>6} {score.true_positives:>5} "
            f"{_percent(score.precision):>9} {_percent(floor):>6}"
        )
    lines.append(
        f"recall on {result.anomalies} anomalies in the trials read in full: {_percent(result.recall)} "
        f"({result.anomalies_found} raised; floor {_percent(floors.get(RECALL_ROW))})"
    )
    lines.extend(f"  missed {nct} {check}: {anomaly}" for nct, check, anomaly in result.missed)
    return "\n".join(lines)


def below_floor(result: Evaluation, floors: dict[str, float]) -> list[str]:
    """Checks whose measured precision (or the recall) fell below the recorded one."""
    failing = []
    for check, floor in floors.items():
        if check == RECALL_ROW:
            if result.recall is not None and result.recall + 1e-9 < floor:
                failing.append(f"recall {_percent(result.recall)} below the recorded {_percent(floor)}")
            continue
        score = result.score(check)
        precision = score.precision if score else None
        if precision is not None and precision + 1e-9 < floor:
            failing.append(f"{check}: precision {_percent(precision)} below the recorded {_percent(floor)}")
    return failing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=SHARED_DATA, help="records to load (default ../shared/data)")
    parser.add_argument("--warehouse", type=Path, help="checked warehouse to reuse (default: a new temporary one)")
    args = parser.parse_args(argv)
    floors = precision_floors()
    with tempfile.TemporaryDirectory(prefix="tw-dq-eval-") as folder:
        path = args.warehouse or Path(folder) / "trials.duckdb"
        if not path.exists():
            checked_warehouse(args.raw_dir, path)
        con = warehouse.connect(path, read_only=True)
        try:
            result = evaluate(con)
        finally:
            con.close()
    print(render(result, floors))
    failing = below_floor(result, floors)
    for line in failing:
        print(f"BELOW FLOOR {line}", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
