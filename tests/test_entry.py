"""One entry for every night (`trialwarehouse.nightly.entry`, `flows.entry`): `run` and the
scheduled deployment check the same things before anything starts, catch up a night that was
published but never reported, and answer a failure with the same line and exit status.
The nights run the real command (or the deployment's flow) in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import run_pipeline
from hostile import hostile_landing

from trialwarehouse.nightly import entry, runlog
from trialwarehouse.nightly.entry import NightFailed
from trialwarehouse.settings import Settings


def _environment(home: Path, **tw) -> dict[str, str]:
    return {**os.environ, "PREFECT_HOME": str(home / "prefect"), **{f"TW_{k.upper()}": str(v) for k, v in tw.items()}}


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def _events(warehouse: Path) -> list[tuple[str, int]]:
    lines = runlog.run_log_path(warehouse).read_text().splitlines()
    return [(e["event"], e["run_id"]) for e in map(json.loads, lines)]


@pytest.mark.prefect
def test_a_published_night_whose_report_fails_exits_9_and_the_next_run_reports_it(tmp_path, smtp_collector):
    port, collector = smtp_collector.port, smtp_collector
    landing = hostile_landing(tmp_path / "landing")
    wh = tmp_path / "wh" / "trials.duckdb"
    reports = tmp_path / "reports"
    # The report page's name is taken by a folder: writing the page fails after the swap.
    blocker = reports / "run-000001.html"
    blocker.mkdir(parents=True)
    command = [sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(landing), "--warehouse", str(wh)]
    command += ["--report-dir", str(reports), "--smtp-host", "127.0.0.1", "--smtp-port", str(port)]
    command += ["--mail-to", "curator@example.org"]
    env = _environment(tmp_path)

    first = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert first.returncode == 9, first.stderr[-3000:]
    assert _errors(first.stderr) == [
        "error: run 1 was published (the warehouse holds tonight's data), but its report or email failed: "
        f"IsADirectoryError: [Errno 21] Is a directory: '{blocker}'; the next run produces them"
    ]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT run_id, status FROM etl_run").fetchall() == [(1, "completed")]
    finally:
        con.close()
    assert collector.messages == []
    assert _events(wh) == [("started", 1), ("completed", 1)]

    blocker.rmdir()
    second = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert (
        f"run 1 was published but never reported: report {reports / 'run-000001.html'}; "
        "email sent 1 message(s) to 1 recipient(s)" in second.stderr.splitlines()
    )
    assert "run 2: completed" in second.stdout
    assert (reports / "run-000001.html").is_file() and (reports / "run-000002.html").is_file()
    late = collector.messages[0]
    assert late["Subject"] == "[trialwarehouse] run 1: 3 new findings (3 open: 0 errors, 2 warnings) (reported late)"
    assert all(m["To"] == "curator@example.org" for m in collector.messages)
    assert ("email", 1) in _events(wh) and _events(wh)[-1] == ("email", 2)
    assert _events(wh).index(("email", 1)) < _events(wh).index(("started", 2))  # reported before run 2 began


def test_the_scheduled_entry_refuses_a_missing_landing_folder_as_run_does(tmp_path, monkeypatch):
    from flows.scheduled import scheduled_nightly

    wh = tmp_path / "wh" / "trials.duckdb"
    monkeypatch.setenv("TW_RAW_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("TW_WAREHOUSE", str(wh))
    with pytest.raises(NightFailed) as failed:
        scheduled_nightly.fn()  # the deployment's entry, without the flow run around it
    assert failed.value.exit_code == 2
    assert (
        str(failed.value) == f"landing folder does not exist: {tmp_path / 'nowhere'} (give --raw-dir or set TW_RAW_DIR)"
    )
    assert not wh.exists() and not runlog.run_log_path(wh).exists()  # no run id spent


@pytest.mark.prefect
def test_the_scheduled_deployment_reports_an_unreported_night_before_its_own(tmp_path, smtp_collector):
    port, collector = smtp_collector.port, smtp_collector
    landing = hostile_landing(tmp_path / "landing")
    wh = tmp_path / "wh" / "trials.duckdb"
    run_pipeline(landing, wh, checks=True)  # stops right after the swap: published, never reported
    env = _environment(tmp_path, raw_dir=landing, warehouse=wh, smtp_host="127.0.0.1", smtp_port=port)
    env["TW_MAIL_TO"] = "curator@example.org"
    done = subprocess.run(
        [sys.executable, "-c", "from flows.scheduled import scheduled_nightly; scheduled_nightly()"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "run 1 was published but never reported: report " in done.stderr
    reports = wh.parent / "reports"
    assert (reports / "run-000001.html").is_file() and (reports / "run-000002.html").is_file()
    assert collector.messages[0]["Subject"].endswith("(reported late)")
    assert "run 1:" in collector.messages[0]["Subject"]
    events = _events(wh)
    assert events.index(("email", 1)) < events.index(("started", 2)) and events[-1] == ("email", 2)


def test_a_catch_up_that_fails_again_stops_before_tonights_run(tmp_path):
    landing = hostile_landing(tmp_path / "landing")
    wh = tmp_path / "wh" / "trials.duckdb"
    run_pipeline(landing, wh, checks=True)  # published, never reported
    blocker = wh.parent / "reports" / "run-000001.html"
    blocker.mkdir(parents=True)  # the report still cannot be written
    said: list[str] = []
    with pytest.raises(NightFailed) as failed:
        entry.before_the_night(Settings(raw_dir=landing, warehouse=wh), None, said.append)
    assert failed.value.exit_code == 9
    assert str(failed.value) == (
        "run 1 was published but never reported, and its report or email failed again: IsADirectoryError: "
        f"[Errno 21] Is a directory: '{blocker}'; tonight's run was not started; fix this and run again"
    )
    assert said == [] and _events(wh) == [("started", 1), ("completed", 1)]  # no run 2, no email event
