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
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "TW_TASK_RUNNER": runner, "TW_WORKERS": "2"}
    result = subprocess.run([sys.executable, "-m", "trialwarehouse.cli", "run", "--raw-dir", str(landing),
                             "--warehouse", str(parallel)], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "parse-raw-file" in result.stderr  # the files were parsed as tasks on the runner
    assert snapshot(parallel) == snapshot(reference)
