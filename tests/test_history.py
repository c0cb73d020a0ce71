"""Every version of every trial: timelines, change events, point-in-time, load order, kills, readers.

Real series from ../shared/data/SNAPSHOT_PAIRS.tsv: AACT fixture history 2016-2018
(NCT02591810 NOT_YET_RECRUITING -> WITHDRAWN, NCT02586688 RECRUITING -> ACTIVE_NOT_RECRUITING)
and the gyxcit JSON pages captured on three dates.
"""

import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_pipeline, shared_path, snapshot

AACT_HISTORY = "data/ctti-clinicaltrials__aact/history"


def _nights(tmp_path: Path, files: list[Path]) -> list[Path]:
    """One landing folder per file, as if each arrived on its own night."""
    folders = []
    for index, source in enumerate(files):
        night = tmp_path / f"night{index:02d}"
        night.mkdir(parents=True)
        shutil.copy(source, night / source.name)
        folders.append(night)
    return folders


def _series(nct: str) -> list[Path]:
    return sorted(shared_path(f"{AACT_HISTORY}/{nct}").glob("*.xml"))


def _load_nights(tmp_path: Path, files: list[Path], name: str) -> Path:
    wh = tmp_path / f"{name}.duckdb"
    for night in _nights(tmp_path / name, files):
        run_pipeline(night, wh)
    return wh


def _timeline(con, nct):
    return con.execute(
        "SELECT overall_status, valid_from, valid_to, days_in_status FROM v_status_history WHERE nct_id = ? ORDER BY span_number",
        [nct],
    ).fetchall()


def _changes(con, nct):
    return con.execute(
        "SELECT field, old_value, new_value, changed_between FROM v_trial_changes WHERE nct_id = ? AND field = 'overall_status'",
        [nct],
    ).fetchall()


def test_status_history_nct02591810_withdrawn(tmp_path, read_warehouse):
    con = read_warehouse(_load_nights(tmp_path, _series("NCT02591810"), "ordered"))
    # Read from the raw files: last_update 2015-12-10 "Not yet recruiting" (captures 2017-01/08),
    # last_update 2017-10-02 "Withdrawn" (captures 2017-10-20, 2018-05-11).
    timeline = _timeline(con, "NCT02591810")
    assert [(s, f) for s, f, _, _ in timeline] == [
        ("NOT_YET_RECRUITING", date(2015, 12, 10)),
        ("WITHDRAWN", date(2017, 10, 2)),
    ]
    assert timeline[0][2] == date(2017, 10, 2) and timeline[0][3] == 662
    assert timeline[1][2] is None
    assert _changes(con, "NCT02591810") == [
        ("overall_status", "NOT_YET_RECRUITING", "WITHDRAWN", "2015-12-10..2017-10-02")
    ]


def test_status_history_nct02586688_active_not_recruiting(tmp_path, read_warehouse):
    con = read_warehouse(_load_nights(tmp_path, _series("NCT02586688"), "ordered"))
    statuses = [s for s, _, _, _ in _timeline(con, "NCT02586688")]
    assert statuses == ["RECRUITING", "ACTIVE_NOT_RECRUITING"]
    assert _changes(con, "NCT02586688") == [
        ("overall_status", "RECRUITING", "ACTIVE_NOT_RECRUITING", "2017-09-26..2018-02-02")
    ]
    # Captures with equal last-update dates but other content are kept and flagged.
    flagged = con.execute(
        "SELECT count(*) FROM fct_trial_version WHERE nct_id = 'NCT02586688' AND same_last_update_as_previous"
    ).fetchone()[0]
    versions = con.execute("SELECT count(*) FROM fct_trial_version WHERE nct_id = 'NCT02586688'").fetchone()[0]
    assert versions >= 4 and flagged >= 1


def test_load_order_does_not_change_the_history(tmp_path):
    files = _series("NCT02591810") + _series("NCT02586688")
    ordered = _load_nights(tmp_path, sorted(files, key=lambda p: p.name), "ordered")
    reversed_ = _load_nights(tmp_path, sorted(files, key=lambda p: p.name, reverse=True), "reversed")

    def history(path):
        con = duckdb.connect(str(path), read_only=True)
        try:
            versions = con.execute(
                "SELECT nct_id, version_number, content_hash, valid_from, valid_to, is_current FROM fct_trial_version ORDER BY ALL"
            ).fetchall()
            changes = con.execute(
                "SELECT nct_id, field, old_value, new_value, old_valid_from, new_valid_from FROM fct_trial_change ORDER BY ALL"
            ).fetchall()
            return versions, changes
        finally:
            con.close()

    assert history(ordered) == history(reversed_)


def test_known_changes_keep_the_run_that_detected_them(tmp_path, read_warehouse):
    files = _series("NCT02591810")
    wh = _load_nights(tmp_path, files, "ordered")
    con = read_warehouse(wh)
    withdrawn_run = con.execute(
        "SELECT detected_in_run FROM v_trial_changes WHERE nct_id = 'NCT02591810' AND field = 'overall_status'"
    ).fetchone()[0]
    # The night that brought the 2017-10-20 capture (the third file) saw the withdrawal.
    assert withdrawn_run == 3


def test_trial_as_of_a_past_date(tmp_path, read_warehouse):
    con = read_warehouse(_load_nights(tmp_path, _series("NCT02591810"), "ordered"))
    assert con.execute(
        "SELECT overall_status FROM trial_as_of(DATE '2016-06-30') WHERE nct_id = 'NCT02591810'"
    ).fetchall() == [("NOT_YET_RECRUITING",)]
    assert con.execute(
        "SELECT overall_status FROM trial_as_of(DATE '2018-01-01') WHERE nct_id = 'NCT02591810'"
    ).fetchall() == [("WITHDRAWN",)]
    assert con.execute("SELECT count(*) FROM trial_as_of(DATE '2010-01-01')").fetchone()[0] == 0


def test_pages_that_differ_only_in_capture_are_one_version(tmp_path, read_warehouse):
    # gyxcit: three captures of the same query; the 6 overlapping trials differ only in versionHolder.
    pages = sorted(shared_path("data/gyxcit__ClinicalTrialsMatching/history").glob("*.json"))
    con = read_warehouse(_load_nights(tmp_path, pages, "gyx"))
    assert con.execute("SELECT count(*) FROM dim_trial").fetchone()[0] == 294
    assert con.execute("SELECT count(*) FROM fct_trial_version").fetchone()[0] == 294
    repeated = con.execute(
        "SELECT count(*) FROM (SELECT version_key FROM fct_record_sighting GROUP BY 1 HAVING count(*) > 1)"
    ).fetchone()[0]
    assert repeated == 6


def _pipeline_process(raw_dir: Path, wh: Path) -> subprocess.Popen:
    code = (
        "import sys; sys.path.insert(0, 'tests'); from conftest import run_pipeline; from pathlib import Path; "
        f"run_pipeline(Path({str(raw_dir)!r}), Path({str(wh)!r}), batch_size=200)"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("kill_after", [None, 0.5, 1.5, 3.0])
def test_killed_run_leaves_the_warehouse_unchanged_and_next_run_completes(tmp_path, kill_after):
    """kill_after None: killed while copying the warehouse, before the run registered;
    otherwise that many seconds into the load."""
    wh = tmp_path / "trials.duckdb"
    run_pipeline(_nights(tmp_path / "first", _series("NCT02591810")[:1])[0], wh)
    before = snapshot(wh)
    big = tmp_path / "big"
    big.mkdir()
    shutil.copy(shared_path("data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip"), big)
    shutil.copy(shared_path("data/reesewang25__enrollment_and_studylength/AllPublicXML_subset_20230203.tar.gz"), big)
    process = _pipeline_process(big, wh)
    run_log = tmp_path / "trials.duckdb.runs.jsonl"
    building = tmp_path / "trials.duckdb.building"

    def registered() -> bool:
        return run_log.exists() and '"run_id": 2' in run_log.read_text()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if building.exists() if kill_after is None else registered():
            break
        time.sleep(0.01)
    time.sleep(kill_after or 0)
    assert process.poll() is None, "the load finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert snapshot(wh) == before
    summary = run_pipeline(big, wh)
    assert summary.publish.trials_new > 7000
    con = duckdb.connect(str(wh), read_only=True)
    try:
        runs = con.execute("SELECT status, error FROM etl_run ORDER BY run_id").fetchall()
    finally:
        con.close()
    assert runs[0][0] == "completed" and runs[-1][0] == "completed"
    if kill_after is not None:  # a registered run that was killed is recorded as interrupted
        assert runs[1] == ("failed", "interrupted: the process ended before the run finished")


def test_analyst_reads_while_a_load_runs(tmp_path):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(_nights(tmp_path / "first", _series("NCT02591810")[:1])[0], wh)
    big = tmp_path / "big"
    big.mkdir()
    shutil.copy(shared_path("data/reesewang25__enrollment_and_studylength/AllPublicXML_subset_20230203.tar.gz"), big)
    reader = (
        "import duckdb, sys, time\n"
        "seen = set()\n"
        "end = time.monotonic() + 120\n"
        "while time.monotonic() < end:\n"
        f"    con = duckdb.connect({str(wh)!r}, read_only=True)\n"
        "    seen.add(con.execute('SELECT count(*) FROM v_trial_current').fetchone()[0])\n"
        "    con.close()\n"
        "    if len(seen) > 1: break\n"
        "    time.sleep(0.05)\n"
        "print(sorted(seen))\n"
    )
    analyst = subprocess.Popen(
        [sys.executable, "-c", reader], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(0.5)
    summary = run_pipeline(big, wh)
    out, err = analyst.communicate(timeout=150)
    assert analyst.returncode == 0, err
    # The analyst only ever saw the warehouse before the load (1 trial) or after it.
    assert out.strip() == f"[1, {1 + summary.publish.trials_new}]"
