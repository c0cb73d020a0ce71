"""The scheduled deployment on a persistent Prefect server (the temporary one cannot schedule)."""

import os
import signal
import socket
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import SAMPLE_LANDING


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.prefect
def test_serve_runs_the_nightly_deployment_on_schedule_and_stops_cleanly(tmp_path):
    port = _free_port()
    warehouse = tmp_path / "wh" / "trials.duckdb"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "TW_WAREHOUSE": str(warehouse),
        "TW_RAW_DIR": str(SAMPLE_LANDING),
        "TW_SCHEDULE": "* * * * *",  # every minute: the first run comes within a minute
        "TW_PREFECT_PORT": str(port),
        # The server schedules and the runner polls every few seconds instead of every minute.
        "PREFECT_API_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_RUNNER_POLL_FREQUENCY": "5",
    }
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        report = warehouse.parent / "reports" / "run-000001.html"
        deadline = time.monotonic() + 240
        while not report.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(2)
        assert report.exists(), "no scheduled run completed"
        assert _port_open(port)  # the UI/API stays up between runs
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=90)
    assert process.returncode in (0, -signal.SIGTERM), output[-3000:]
    assert f"Prefect server and UI: http://127.0.0.1:{port}" in output
    assert not _port_open(port), "the Prefect server kept running after SIGTERM"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT status FROM etl_run WHERE run_id = 1").fetchone()[0] == "completed"
        assert con.execute("SELECT count(*) FROM v_trial_current").fetchone()[0] == 27
    finally:
        con.close()
