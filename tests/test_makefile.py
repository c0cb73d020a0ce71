"""The two set-up commands on a fresh machine: the Makefile finds a uv that works or makes one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run_setup(path_dirs: list[Path]) -> str:
    """What `make setup` would run, with PATH limited to path_dirs (plus the system's /bin)."""
    env = dict(os.environ, PATH=os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"]))
    # -B forces every recipe to print, as on a clone where .venv does not exist yet.
    done = subprocess.run(
        ["make", "-n", "-B", "-C", str(REPO), "setup"], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _fake_uv(folder: Path, body: str) -> Path:
    folder.mkdir()
    uv = folder / "uv"
    uv.write_text("#!/bin/sh\n" + body + "\n")
    uv.chmod(0o755)
    return folder


def test_a_broken_uv_shim_on_path_is_bypassed_by_the_bootstrap(tmp_path):
    # The CI machine's pyenv has a `uv` shim that only prints "command not found" (exit 127):
    # trusting `command -v uv` made `make test` fail in one second.
    shim = _fake_uv(tmp_path / "shims", 'echo "pyenv: uv: command not found" >&2; exit 127')
    commands = _dry_run_setup([shim])
    assert "-m venv .venv-bootstrap" in commands
    assert f"{REPO}/.venv-bootstrap/bin/uv sync --frozen" in commands


def test_a_working_uv_on_path_is_used_as_is(tmp_path):
    working = _fake_uv(tmp_path / "bin", 'echo "uv 0.13.9"')
    commands = _dry_run_setup([working])
    assert f"{working}/uv sync --frozen" in commands
    assert ".venv-bootstrap" not in commands


def _dry_run(target: str) -> str:
    done = subprocess.run(["make", "-n", "-B", "-C", str(REPO), target], capture_output=True, text=True, check=True)
    return done.stdout


def test_make_run_installs_the_product_without_test_or_lint_tools():
    """Issue 13: `make run` syncs no dependency group; `make test` and `make lint` add theirs."""
    run = [line for line in _dry_run("run").splitlines() if " sync " in line]
    assert run and all("--group" not in line for line in run)
    assert any("--group test" in line for line in _dry_run("test").splitlines())
    assert any("--group lint" in line for line in _dry_run("lint").splitlines())


def test_test_and_lint_tools_live_only_in_their_groups():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    product = " ".join(project["project"]["dependencies"])
    for tool in ("pytest", "aiosmtpd", "ruff", "mypy"):
        assert tool not in product
    assert project["tool"]["uv"]["default-groups"] == []
    groups = project["dependency-groups"]
    assert any(d.startswith("pytest") for d in groups["test"]) and any(d.startswith("ruff") for d in groups["lint"])


def test_ci_runs_the_lint_step_before_the_tests():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index("make lint") < script.index("make test")
