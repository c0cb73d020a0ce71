"""Parsing on other task runners (a process pool, a local Dask cluster of 2 worker
processes) builds exactly the same warehouse as parsing in the flow."""

import os
import shutil
import subprocess
import sys

import pytest
from conftest import SAMPLE_LANDING, run_pipeline, shared_path, snapshot


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("landing")
    shutil.copytree(SAMPLE_LANDING, folder, dirs_exist_ok=True)
    for name in sorted(shared_path("data/ctti-clinicaltrials__aact/history/NCT02586688").glob("*.xml")):
        shutil.copy(name, folder / name.name)
    return folder


@pytest.mark.prefect
@pytest.mark.parametrize("runner", ["dask", "process"])
def test_parallel_parsing_gives_the_same_warehouse(tmp_path, landing, runner):
    reference = tmp_path / "reference.duckdb"
    run_pipeline(landing, reference)
    parallel = tmp_path / runner / "trials.duckdb"
    # Batches of 5: the folder's small files make several parse jobs (up to a batch of files
    # each), spread over both workers, and batches that differ from the reference's.
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "TW_TASK_RUNNER": runner,
        "TW_WORKERS": "2",
        "TW_BATCH_SIZE": "5",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(landing), "--warehouse", str(parallel)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "parse-raw-files" in result.stderr  # the files were parsed as tasks on the runner
    # Issue 18: one temporary Prefect server for the run (started by the run itself), not one
    # more per worker process (Prefect's own start says "Starting temporary server").
    assert result.stderr.count("step=prefect-server state=ready") == 1, result.stderr[-3000:]
    assert "Starting temporary server" not in result.stderr, result.stderr[-3000:]
    if runner == "process":
        # Issue 18: the pool's workers are stopped once parsing ends, not kept through the
        # publication and checks (the full load's peak memory).
        released = result.stderr.find("step=parse-workers workers=2 running=0")
        assert -1 < released < result.stderr.find("step=publish "), result.stderr[-3000:]
    assert snapshot(parallel) == snapshot(reference)


def test_auto_runner_uses_processes_only_for_big_landing_folders(tmp_path):
    from trialwarehouse.nightly.task_runner import AUTO_PROCESS_BYTES, choose_task_runner
    from trialwarehouse.settings import Settings

    small = choose_task_runner(Settings(raw_dir=SAMPLE_LANDING, task_runner="auto"))
    assert small.task_runner == "local"
    with (tmp_path / "big.ndjson").open("wb") as big:
        big.truncate(AUTO_PROCESS_BYTES)  # sparse: its size counts, no disk is used
    assert choose_task_runner(Settings(raw_dir=tmp_path, task_runner="auto")).task_runner == "process"
    assert choose_task_runner(Settings(raw_dir=tmp_path, task_runner="auto", workers=1)).task_runner == "local"
    assert choose_task_runner(Settings(raw_dir=tmp_path, task_runner="dask")).task_runner == "dask"


def test_auto_runner_counts_only_the_files_the_warehouse_has_not_read(tmp_path):
    """Issue 18: a night's pull beside a registry-sized landing folder was parsed on a pool
    of processes started for one small file."""
    import duckdb

    from trialwarehouse import warehouse
    from trialwarehouse.nightly.sources import FileStat
    from trialwarehouse.nightly.task_runner import AUTO_PROCESS_BYTES, choose_task_runner
    from trialwarehouse.settings import Settings

    landing = tmp_path / "landing"
    landing.mkdir()
    with (landing / "registry.ndjson").open("wb") as big:
        big.truncate(AUTO_PROCESS_BYTES)  # sparse: its size counts, no disk is used
    (landing / "tonight.ndjson").write_bytes(b"{}\n")
    wh = tmp_path / "trials.duckdb"
    settings = Settings(raw_dir=landing, warehouse=wh, task_runner="auto")
    assert choose_task_runner(settings).task_runner == "process"  # a new warehouse reads it all
    con = duckdb.connect(str(wh))
    warehouse.apply_schema(con)
    stat = FileStat.of(landing / "registry.ndjson")
    con.execute(
        "INSERT INTO etl_file_stat VALUES ('registry.ndjson', ?, ?, ?, ?, 'hash', 1)",
        [stat.size, stat.mtime_ns, stat.ctime_ns, stat.inode],
    )
    con.close()
    assert choose_task_runner(settings).task_runner == "local"
    (landing / "registry.ndjson").touch()  # rewritten since: read again, by the pool
    assert choose_task_runner(settings).task_runner == "process"
