"""The publication's steps: in order, each on the threads it runs fastest on."""

import duckdb
import pytest
from conftest import SAMPLE_LANDING, run_pipeline, snapshot

from trialwarehouse import warehouse
from trialwarehouse.nightly import publication


def _on_threads(monkeypatch, threads: int) -> None:
    """The night's connection on `threads` threads, whatever the machine's cores."""
    connect = warehouse.connect

    def connect_on_threads(path, read_only=False, memory_limit=None, config=None):
        return connect(path, read_only, memory_limit, {**(config or {}), "threads": threads})

    monkeypatch.setattr(warehouse, "connect", connect_on_threads)


def test_the_steps_that_run_on_one_thread_do_and_the_others_keep_the_connections_threads(tmp_path, monkeypatch):
    _on_threads(monkeypatch, 3)
    threads_by_step: dict[str, int] = {}
    run_sql_file = warehouse.run_sql_file

    def noting_threads(con, relative, params=None):
        if relative.startswith("load/"):
            step = relative.removeprefix("load/").removesuffix(".sql")
            threads_by_step[step] = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        return run_sql_file(con, relative, params)

    monkeypatch.setattr(warehouse, "run_sql_file", noting_threads)
    summary = run_pipeline(SAMPLE_LANDING, tmp_path / "trials.duckdb")
    assert summary.publish.versions_added > 0  # the one-thread step's count still comes back
    assert set(threads_by_step) == set(publication.PUBLISH_STEPS)
    assert {step for step, threads in threads_by_step.items() if threads == 1} == publication.ONE_THREAD_STEPS
    others = {threads for step, threads in threads_by_step.items() if step not in publication.ONE_THREAD_STEPS}
    assert others == {3}  # every other step, before and after, on the connection's own threads


def test_one_thread_gives_the_connection_its_threads_back_even_on_failure():
    con = duckdb.connect(config={"threads": 3})
    with publication.one_thread(con):
        assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    with pytest.raises(duckdb.Error), publication.one_thread(con):
        con.execute("SELECT * FROM no_such_table")
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(3,)]


def test_a_step_failing_inside_the_publication_reports_its_own_error():
    """Inside a transaction, DuckDB refuses the SET that gives the threads back once a
    statement failed: the step's error must be the one raised, not the refused SET's."""
    con = duckdb.connect(config={"threads": 3})
    con.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.ConstraintException, match="duplicate key"), publication.one_thread(con):
        con.execute("INSERT INTO t VALUES (1), (1)")
    con.execute("ROLLBACK")


def test_a_load_on_one_or_two_threads_is_the_same_warehouse(tmp_path, monkeypatch):
    """The thread count changes how fast a step runs, never what it writes."""
    _on_threads(monkeypatch, 2)
    run_pipeline(SAMPLE_LANDING, tmp_path / "as-is.duckdb")
    monkeypatch.setattr(publication, "ONE_THREAD_STEPS", frozenset())
    run_pipeline(SAMPLE_LANDING, tmp_path / "two-threads.duckdb")
    assert snapshot(tmp_path / "as-is.duckdb") == snapshot(tmp_path / "two-threads.duckdb")
