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
from trialwarehouse.nightly import publication

# Run in GX's process: module-level, so that they reach it by name.


def _whereabouts(session) -> tuple[int, bool, str]:
    gx, context = session
    return os.getpid(), "great_expectations" in sys.modules, type(context).__name__


def _die(session) -> None:
    os._exit(3)


def _sleep_after_saying_so(session, flag: str) -> None:
    Path(flag).touch()
    time.sleep(600)


def _still_running(before: set) -> list:
    """The child processes started since `before` that have not ended within a minute: GX's
    process is asked to exit, not waited for, and takes about a second to tear itself down."""
    started = set(multiprocessing.active_children()) - before
    for child in started:
        child.join(timeout=60)
    return [child for child in started if child.is_alive()]


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
    children_before = set(multiprocessing.active_children())
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
    # Terminated, and waited for: no child started here is left. Compared with equality, a child of
    # an earlier test that was still exiting when this one began (and is reaped meanwhile) failed it
    # once, under faketime on a busy machine.
    assert set(multiprocessing.active_children()) - children_before == set()


def test_a_night_validates_in_gx_process_and_leaves_nothing_behind(tmp_path, monkeypatch):
    started, calls = [], []
    original_init, original_run = GxProcess.__init__, GxProcess.run

    def counted_init(self):
        started.append(self)
        original_init(self)

    def counted_run(self, function, *args):
        calls.append(function.__name__)
        return original_run(self, function, *args)

    publish = publication.publish

    def note_then_publish(con, run_id):
        started_by_then.append(len(started))
        return publish(con, run_id)

    started_by_then: list[int] = []
    monkeypatch.setattr(GxProcess, "__init__", counted_init)
    monkeypatch.setattr(GxProcess, "run", counted_run)
    monkeypatch.setattr(publication, "publish", note_then_publish)
    children_before = set(multiprocessing.active_children())
    # Any temporary file of the night's (GX's Data Docs went there, 4.5 MB a night) lands here.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # GX's process: spawned, it reads the environment
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    wh = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(SAMPLE_LANDING, wh, checks=True)

    assert len(started) == 1  # one process, from the first parse job to the end of the checks
    assert started_by_then == [1]  # started by ingest: GX imported while this process parsed
    assert calls == ["check_suite"] * 4  # integrity and the three curator suites
    assert summary.quality.findings_new > 0
    con = duckdb.connect(str(wh), read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM dq_finding").fetchall()[0][0]
    finally:
        con.close()
    assert stored == summary.quality.findings_new
    assert _still_running(children_before) == []  # GX's process ended with the checks
    assert list(scratch.iterdir()) == []

    quiet = run_pipeline(SAMPLE_LANDING, wh, checks=True)  # nothing new: nothing to validate
    assert len(started) == 1 and not quiet.quality.validated


def test_a_failed_night_ends_its_gx_process(tmp_path, monkeypatch):
    started = []
    original_init = GxProcess.__init__

    def counted_init(self):
        started.append(self)
        original_init(self)

    def broken_publish(con, run_id):
        raise RuntimeError("the publication broke")

    monkeypatch.setattr(GxProcess, "__init__", counted_init)
    monkeypatch.setattr(publication, "publish", broken_publish)
    children_before = set(multiprocessing.active_children())
    with pytest.raises(RuntimeError, match="the publication broke"):
        run_pipeline(SAMPLE_LANDING, tmp_path / "wh" / "trials.duckdb", checks=True)
    assert len(started) == 1  # it was running when the night failed
    assert _still_running(children_before) == []
