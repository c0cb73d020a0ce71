"""Clear errors, fast, before anything starts (issue 19): `run` checks arguments, paths and
the writer lock before Prefect starts; one line, the documented exit status, no run id spent.
Each case runs the real command in a subprocess, as a new user would."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_LANDING, run_pipeline
from hostile import hostile_landing

from flows.cli import main
from trialwarehouse.nightly import catchup, files, preflight, runlog
from trialwarehouse.settings import Settings


def _run(*args: str, home: Path) -> tuple[subprocess.CompletedProcess, float]:
    environment = {**os.environ, "PREFECT_HOME": str(home / "prefect"), "TW_WAREHOUSE": str(home / "default.duckdb")}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=home,
        timeout=120,
    )
    return done, time.monotonic() - started


def _no_run_spent(warehouse: Path) -> bool:
    return not runlog.run_log_path(warehouse).exists() and not warehouse.exists()


def test_a_missing_landing_folder_is_one_line_exit_2_before_prefect(tmp_path):
    wh = tmp_path / "wh" / "trials.duckdb"
    done, seconds = _run("--raw-dir", str(tmp_path / "nowhere"), "--warehouse", str(wh), home=tmp_path)
    assert done.returncode == 2
    assert (
        done.stderr
        == f"error: landing folder does not exist: {tmp_path / 'nowhere'} (give --raw-dir or set TW_RAW_DIR)\n"
    )
    assert done.stdout == ""
    assert seconds < 10  # Prefect's start-up alone took 11.7 s
    assert _no_run_spent(wh) and not (tmp_path / "prefect").exists()


def test_a_warehouse_path_under_a_file_is_one_line_exit_2(tmp_path):
    (tmp_path / "afile").write_text("x")
    wh = tmp_path / "afile" / "trials.duckdb"
    done, _ = _run("--raw-dir", str(SAMPLE_LANDING), "--warehouse", str(wh), home=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"error: warehouse {wh} cannot be created: {tmp_path / 'afile'} is a file, not a folder\n"


def test_a_corrupted_warehouse_is_named_as_the_users_file_in_run_sql_and_status(tmp_path):
    wh = tmp_path / "trials.duckdb"
    wh.write_bytes(b"\x00garbage, not a DuckDB file" * 200)
    done, _ = _run("--raw-dir", str(SAMPLE_LANDING), "--warehouse", str(wh), home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"error: {wh} is not a readable DuckDB warehouse (")
    assert "building" not in done.stderr and "Traceback" not in done.stderr
    assert not runlog.run_log_path(wh).exists()
    for command in (["sql", "SELECT 1"], ["status"]):
        result = CliRunner().invoke(main, [*command, "--warehouse", str(wh)])
        assert result.exit_code == 2, command
        assert result.output.startswith(f"error: {wh} is not a readable DuckDB warehouse ("), command
        assert result.output.count("\n") == 1, command


def test_a_busy_warehouse_answers_at_once_and_spends_no_run_id(tmp_path):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(SAMPLE_LANDING, wh)
    log_before = runlog.run_log_path(wh).read_text()
    held = files.acquire_writer_lock(wh)
    try:
        done, seconds = _run("--raw-dir", str(SAMPLE_LANDING), "--warehouse", str(wh), home=tmp_path)
    finally:
        held.close()
    assert done.returncode == 3
    assert done.stderr == (
        f"error: another run is writing {wh} (lock held on trials.duckdb.lock); try again when it ends\n"
    )
    assert seconds < 10  # it took 17 s, Prefect first
    assert runlog.run_log_path(wh).read_text() == log_before


def test_a_new_warehouse_is_announced_plainly(tmp_path):
    settings = Settings(raw_dir=SAMPLE_LANDING, warehouse=tmp_path / "typo" / "trials.duckdb")
    checked = preflight.check_run(settings)
    assert checked.new_warehouse
    assert checked.notes == [
        f"note: no warehouse at {settings.warehouse}: a new, empty warehouse will be created; the folder "
        f"{tmp_path / 'typo'} does not exist and will be created (if you meant an existing one, check "
        "--warehouse / TW_WAREHOUSE)"
    ]
    assert not (tmp_path / "typo").exists()  # checking creates nothing


def test_a_report_folder_that_is_a_file_is_refused_before_the_run(tmp_path):
    (tmp_path / "reports").write_text("x")
    settings = Settings(raw_dir=SAMPLE_LANDING, warehouse=tmp_path / "trials.duckdb", report_dir=tmp_path / "reports")
    with pytest.raises(preflight.PreflightError, match="report folder .* is a file, not a folder") as refused:
        preflight.check_run(settings)
    assert refused.value.exit_code == 2


def test_published_since_tells_a_published_night_from_a_rolled_back_one(tmp_path):
    wh = tmp_path / "trials.duckdb"
    before = runlog.last_run_id(wh)
    assert before == 0 and runlog.published_after(wh, before) is None
    run_pipeline(SAMPLE_LANDING, wh)
    assert runlog.published_after(wh, before) == 1
    assert runlog.published_after(wh, runlog.last_run_id(wh)) is None


def test_a_night_published_but_never_reported_is_reported_by_the_next_run(tmp_path, smtp_collector):
    """`run_night` stops right after the swap, exactly where a kill after the swap leaves a night."""
    wh = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(hostile_landing(tmp_path / "landing"), wh, checks=True)
    assert runlog.unreported_run(wh) == summary.run_id == 1
    settings = Settings(
        raw_dir=tmp_path / "landing",
        warehouse=wh,
        smtp_host="127.0.0.1",
        smtp_port=smtp_collector.port,
        mail_to="c@example.org",
    )
    done = catchup.report_unreported_night(settings)
    again = catchup.report_unreported_night(settings)
    page = tmp_path / "wh" / "reports" / "run-000001.html"
    assert done == f"run 1 was published but never reported: report {page}; email sent 1 message(s) to 1 recipient(s)"
    assert again is None
    (message,) = smtp_collector.messages
    assert message["Subject"] == (
        "[trialwarehouse] run 1: 3 new findings (3 open: 0 errors, 2 warnings) (reported late)"
    )
    plain = message.get_body(preferencelist=("plain",))
    text = plain.get_content() if plain is not None else ""
    assert "NCT02210780" in text and "https://clinicaltrials.gov/study/NCT02210780" in text
    assert "reason_without_stop:" in text
    events = [json.loads(line) for line in runlog.run_log_path(wh).read_text().splitlines()]
    assert [(e["event"], e["run_id"]) for e in events] == [("started", 1), ("completed", 1), ("email", 1)]
