"""The command line end to end: a real Prefect flow run on a tmp_path warehouse."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import REPO, SAMPLE_LANDING

from trialwarehouse import pipeline
from trialwarehouse.cli import main


def _cli(*args: str, home: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect"),
        "TW_WAREHOUSE": str(home / "default.duckdb"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "trialwarehouse.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=home,
        timeout=300,
    )


@pytest.mark.prefect
def test_run_sample_twice_through_prefect(tmp_path):
    wh = tmp_path / "out" / "trials.duckdb"
    first = _cli(
        "run",
        "--raw-dir",
        str(SAMPLE_LANDING),
        "--warehouse",
        str(wh),
        "--report-dir",
        str(tmp_path / "rep"),
        home=tmp_path,
    )
    assert first.returncode == 0, first.stderr[-3000:]
    assert "files:       15 seen, 14 loaded, 0 unchanged, 1 quarantined" in first.stdout
    assert "trials:      27 new, 0 changed, 0 unchanged (31 versions added)" in first.stdout
    assert f"report:      {tmp_path / 'rep' / 'run-000001.html'}" in first.stdout
    assert (tmp_path / "rep" / "run-000001.html").exists()
    second = _cli(
        "run",
        "--raw-dir",
        str(SAMPLE_LANDING),
        "--warehouse",
        str(wh),
        "--report-dir",
        str(tmp_path / "rep"),
        home=tmp_path,
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert "files:       15 seen, 0 loaded, 15 unchanged, 0 quarantined" in second.stdout
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM v_trial_current").fetchone()[0] == 27
        assert con.execute("SELECT count(*), count(*) FILTER (WHERE status = 'completed') FROM etl_run").fetchone() == (
            2,
            2,
        )
    finally:
        con.close()


@pytest.mark.prefect
def test_pipeline_failure_exits_non_zero(tmp_path):
    missing = _cli(
        "run", "--raw-dir", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb"), home=tmp_path
    )
    assert missing.returncode == 2
    assert "landing folder does not exist" in missing.stderr


def test_busy_warehouse_exits_with_clear_message(tmp_path):
    wh = tmp_path / "w.duckdb"
    held = pipeline.acquire_writer_lock(wh)
    try:
        busy = _cli("run", "--raw-dir", str(SAMPLE_LANDING), "--warehouse", str(wh), home=tmp_path)
    finally:
        held.close()
    assert busy.returncode == 3
    assert "another run is writing" in busy.stderr


def test_defaults_come_from_tw_environment(tmp_path, monkeypatch):
    from trialwarehouse.settings import Settings

    monkeypatch.setenv("TW_WAREHOUSE", str(tmp_path / "x.duckdb"))
    monkeypatch.setenv("TW_BATCH_SIZE", "17")
    settings = Settings()
    assert (settings.warehouse, settings.batch_size) == (tmp_path / "x.duckdb", 17)
    assert settings.resolved_report_dir() == tmp_path / "reports"
    assert Settings().raw_dir == REPO / "sample" / "landing"


def test_help_explains_every_option():
    import click

    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} --{param.name} has no help"
                assert param.opts[0] in result.output
            else:  # arguments are explained in the command's own text
                assert param.name.upper() in (command.help or ""), f"{name} {param.name} is not explained"
