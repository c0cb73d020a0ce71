"""Record text reaches people as CSV cells and HTML pages: never as a formula or a script
(issue 19). One real record carries a spreadsheet formula and an HTML event handler."""

import csv
import json
import shutil

import duckdb
import pytest
from conftest import run_pipeline
from hostile import SCRIPT_REASON, hostile_landing

from trialwarehouse import csvsafe
from trialwarehouse.nightly import report


@pytest.fixture(scope="module")
def checked_night(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    summary = run_pipeline(hostile_landing(root / "landing"), root / "wh" / "trials.duckdb", checks=True)
    return root, summary


def test_validation_results_hold_record_text_escaped(checked_night):
    # GX's renderers write the sample of failing values into HTML as it is; the results (filed
    # beside the report as run-NNNNNN.gx-validation.json) keep record text escaped.
    _, summary = checked_night
    filed = json.dumps(summary.quality.validation_json)
    assert "<img src=x" not in filed
    assert "&lt;img src=x onerror=alert(document.domain)&gt;" in filed


def test_findings_csv_neutralizes_formula_cells(checked_night, tmp_path):
    root, summary = checked_night
    copy = tmp_path / "trials.duckdb"
    shutil.copyfile(root / "wh" / "trials.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        # A check whose message starts with record text (as "{overall_status} ..." templates do).
        con.execute("UPDATE dq_finding SET message = '=1+1 ' || message WHERE rule = 'reason_while_open'")
        con.execute("UPDATE dq_finding SET message = '-' || message WHERE rule = 'completion_passed'")
        report.write_findings_csv(con, tmp_path / "findings.csv")
    finally:
        con.close()
    with open(tmp_path / "findings.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_rule = {r["rule"]: r for r in rows}
    # One finding per problem (issue 16): the ACTUAL primary completion of an open trial is
    # its own check, so the stale-status rules no longer repeat it.
    # (their order is the report's triage order, tested with the report)
    assert sorted(r["rule"] for r in rows) == [
        "completion_passed",
        "reason_while_open",
        "recruiting_after_primary_completion",
    ]
    assert by_rule["reason_while_open"]["message"] == (
        f'\'=1+1 A reason for stopping is set while the status is RECRUITING: "{SCRIPT_REASON}"'
    )
    assert by_rule["completion_passed"]["message"].startswith(
        "'-RECRUITING, but the study completion 2015-09-15 passed"
    )
    assert by_rule["recruiting_after_primary_completion"]["message"].startswith(
        "RECRUITING, but the primary completion"
    )
    assert by_rule["reason_while_open"]["finding_id"].isdigit()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+33 1 23", "'+33 1 23"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralize(value, expected):
    assert csvsafe.neutralize(value) == expected


def test_sql_neutralization_matches_python():
    con = duckdb.connect()
    values = ["=SUM(A1)", "+1", "-x", "@c", "\tx", "\rx", "a=b", "", None]
    con.execute("CREATE TABLE t (v VARCHAR, n INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [[v, i] for i, v in enumerate(values)])
    got = con.execute(csvsafe.neutralized_query("SELECT v, n FROM t ORDER BY n", ["v"])).fetchall()
    assert got == [(csvsafe.neutralize(v), i) for i, v in enumerate(values)]
