"""The product runs the same from its wheel: built from this checkout, unpacked away from it,
it finds its SQL, suites, docs and sample as package resources and builds the same warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE_LANDING

from bench.fingerprint import build, fingerprint


def _uv() -> str:
    for candidate in (shutil.which("uv"), str(REPO / ".venv-bootstrap" / "bin" / "uv")):
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    pytest.fail("no working uv (make setup bootstraps one)")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --offline: the build backend (hatchling) comes from uv's cache, never the network.
    subprocess.run(
        [_uv(), "build", "--wheel", "--offline", "--out-dir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("trialwarehouse-*.whl")
    return built


def test_the_wheel_holds_the_packages_and_their_resources_not_the_dev_tools(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"trialwarehouse", "flows", "transforms"}
    assert {p.relative_to(REPO).as_posix() for p in (REPO / "sql").rglob("*.sql")} == {
        n.removeprefix("trialwarehouse/") for n in names if n.startswith("trialwarehouse/sql/")
    }
    assert {f"trialwarehouse/expectations/{p.name}" for p in (REPO / "expectations").glob("*.json")} <= names
    assert "trialwarehouse/docs/schema.md" in names
    assert "trialwarehouse/sample/landing/api_v2/page-1.json" in names
    assert not [n for n in names if n.startswith("trialwarehouse/devtools/")]
    entry_points = zipfile.ZipFile(wheel).read("trialwarehouse-0.1.0.dist-info/entry_points.txt").decode()
    assert "trialwarehouse = flows.cli:entry" in entry_points


# Run from the unpacked wheel only: the checkout is neither the working folder nor first on the path.
_FROM_WHEEL = """
import json, sys
from pathlib import Path
import flows.cli, transforms.extract, trialwarehouse
from trialwarehouse.resources import resource_dir
from trialwarehouse.settings import Settings
from trialwarehouse.nightly.sequence import run_night
settings = Settings(warehouse=Path(sys.argv[1]))
summary = run_night(settings, report_and_email=False)
print(json.dumps({
    "modules": [m.__file__ for m in (flows.cli, transforms.extract, trialwarehouse)],
    "resources": [str(resource_dir(n)) for n in ("sql", "expectations", "docs", "sample")],
    "raw_dir": str(settings.raw_dir),
    "records": summary.ingest.records_loaded,
    "findings": summary.quality.findings_new,
}))
"""


def test_the_installed_wheel_builds_the_same_warehouse_as_the_checkout(wheel, tmp_path):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    target = tmp_path / "from-wheel" / "trials.duckdb"
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    env.pop("TW_RAW_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", _FROM_WHEEL, str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(Path(p).is_relative_to(site) for p in seen["modules"] + seen["resources"])
    assert Path(seen["raw_dir"]) == site / "trialwarehouse" / "sample" / "landing"
    checkout = build(SAMPLE_LANDING, tmp_path / "from-checkout" / "trials.duckdb")
    from_checkout = fingerprint(checkout)
    assert seen["records"] == from_checkout["fct_record_sighting"][0] > 0
    assert seen["findings"] == from_checkout["dq_finding"][0]
    assert fingerprint(target) == from_checkout
