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
