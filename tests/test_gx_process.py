"""Great Expectations in a process of its own for a night's checks
(trialwarehouse/checks/gx_process.py): it answers with its session, it fails a call with one
line when it dies, closing it stops it even mid-suite, and a night leaves no process and no
file of GX's behind."""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE_LANDING, run_pipeline

from trialwarehouse.checks.gx_process import GxProcess, GxProcessFailed

# Run in GX's process: module-level, so that they reach it by name.


def _whereabouts(session) -> tuple[int, bool, str]:
    gx, context = session
    return os.getpid(), "great_expectations" in sys.modules, type(context).__name__


def _die(session) -> None:
    os._exit(3)


def _sleep_after_saying_so(session, flag: str) -> None:
    Path(flag).touch()
    time.sleep(600)


def test_the_process_runs_a_function_with_its_own_gx_session():
    process = GxProcess()
    try:
        pid, imported, context = process.run(_whereabouts)
    finally:
        process.close()
    assert pid != os.getpid()
    assert imported and context == "EphemeralDataContext"
    with pytest.raises(GxProcessFailed, match="closed"):
        process.run(_whereabouts)


def test_a_process_that_dies_fails_the_call_in_one_line():
    process = GxProcess()
    try:
        with pytest.raises(GxProcessFailed, match="ended before it answered"):
            process.run(_die)
    finally:
        process.close()


def test_closing_stops_a_suite_still_running(tmp_path):
    # A night interrupted while GX validates: the process is ended, not waited for.
    process = GxProcess()
    flag = tmp_path / "running"
    outcome: list[BaseException] = []

    def wait_for_it() -> None:
        try:
            process.run(_sleep_after_saying_so, str(flag))
        except GxProcessFailed as failed:
            outcome.append(failed)

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    deadline = time.monotonic() + 120
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), "the function never started"
    process.close()
    waiter.join(timeout=120)
    assert not waiter.is_alive() and len(outcome) == 1
    assert not multiprocessing.active_children()


def test_a_night_validates_in_gx_process_and_leaves_nothing_behind(tmp_path, monkeypatch):
    started, calls = [], []
    original_init, original_run = GxProcess.__init__, GxProcess.run

    def counted_init(self):
        started.append(self)
        original_init(self)

    def counted_run(self, function, *args):
        calls.append(function.__name__)
        return original_run(self, function, *args)

    monkeypatch.setattr(GxProcess, "__init__", counted_init)
    monkeypatch.setattr(GxProcess, "run", counted_run)
    # Any temporary file of the night's (GX's Data Docs went there, 4.5 MB a night) lands here.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # GX's process: spawned, it reads the environment
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    wh = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(SAMPLE_LANDING, wh, checks=True)

    assert len(started) == 1  # one process, from the first new file to the end of the checks
    assert calls == ["check_suite"] * 4  # integrity and the three curator suites
    assert summary.quality.findings_new > 0
    con = duckdb.connect(str(wh), read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM dq_finding").fetchall()[0][0]
    finally:
        con.close()
    assert stored == summary.quality.findings_new
    assert not multiprocessing.active_children()  # GX's process ended with the checks
    assert list(scratch.iterdir()) == []

    quiet = run_pipeline(SAMPLE_LANDING, wh, checks=True)  # nothing new: nothing to validate
    assert len(started) == 1 and not quiet.quality.validated
