"""The publication's steps: in order, each on the threads it runs fastest on."""

import duckdb
import pytest
from conftest import SAMPLE_LANDING, run_pipeline, snapshot

from trialwarehouse import warehouse
from trialwarehouse.nightly import publication


def test_the_steps_that_run_on_one_thread_do_and_the_others_keep_the_connections_threads(tmp_path, monkeypatch):
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
    assert len(others) == 1  # every other step, before and after, on the connection's own threads


def test_one_thread_gives_the_connection_its_threads_back_even_on_failure():
    con = duckdb.connect(config={"threads": 3})
    with publication.one_thread(con):
        assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    with pytest.raises(duckdb.Error), publication.one_thread(con):
        con.execute("SELECT * FROM no_such_table")
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(3,)]


def test_a_load_on_one_or_two_threads_is_the_same_warehouse(tmp_path, monkeypatch):
    """The thread count changes how fast a step runs, never what it writes."""
    run_pipeline(SAMPLE_LANDING, tmp_path / "as-is.duckdb")
    monkeypatch.setattr(publication, "ONE_THREAD_STEPS", frozenset())
    run_pipeline(SAMPLE_LANDING, tmp_path / "two-threads.duckdb")
    assert snapshot(tmp_path / "as-is.duckdb") == snapshot(tmp_path / "two-threads.duckdb")
