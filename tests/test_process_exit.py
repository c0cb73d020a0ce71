"""The command's quick end keeps what a normal exit does: threads finished, atexit handlers
run, output flushed, the exit status."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = """
import atexit, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from flows.process_exit import run_then_end

out = Path(sys.argv[1])

def command():
    def at_exit():  # after the threads and the pool, as in a normal exit
        done = (out / "thread").exists() and (out / "pool").exists()
        (out / "atexit").write_text("ran after the threads" if done else "ran before the threads")
    atexit.register(at_exit)
    def late():
        time.sleep(0.3)
        (out / "thread").write_text("finished")
    threading.Thread(target=late).start()
    ThreadPoolExecutor(1).submit(lambda: (time.sleep(0.3), (out / "pool").write_text("finished")))
    print("buffered line")  # stdout is a pipe: block-buffered until the end
    {ending}

run_then_end(command)
raise AssertionError("not reached")
"""


def _run(tmp_path: Path, ending: str) -> subprocess.CompletedProcess:
    script = tmp_path / "command.py"
    script.write_text(textwrap.dedent(SCRIPT).replace("{ending}", ending), encoding="utf-8")
    repo = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=60, cwd=repo
    )


@pytest.mark.parametrize(
    ("ending", "code", "stderr"),
    [
        ("return None", 0, ""),
        ("sys.exit(3)", 3, ""),
        ("sys.exit('refused: no such folder')", 1, "refused: no such folder"),
    ],
)
def test_quick_end_runs_what_a_normal_exit_runs(tmp_path, ending, code, stderr):
    result = _run(tmp_path, ending)
    assert result.returncode == code, result.stderr
    assert result.stdout == "buffered line\n"
    assert result.stderr.strip() == stderr
    assert (tmp_path / "atexit").read_text() == "ran after the threads"
    assert (tmp_path / "thread").read_text() == "finished"  # a thread that is not a daemon is waited for
    assert (tmp_path / "pool").read_text() == "finished"  # and a pool's queued work


def test_a_closed_standard_stream_keeps_the_status(tmp_path):
    result = _run(tmp_path, "sys.stdout.close(); return None")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and (tmp_path / "atexit").read_text() == "ran after the threads"


TEARDOWN_PROBE = """
import sys

class Probe:
    def __init__(self, marker):
        self.marker, self.open = marker, open  # kept: module globals are gone by teardown

    def __del__(self):  # runs only when the interpreter tears its modules down
        with self.open(self.marker, "w") as marker:
            marker.write("torn down")

probe = Probe(sys.argv[1])
sys.argv = ["trialwarehouse", "--version"]
from flows.cli import entry
entry()
"""


def test_the_installed_command_ends_without_tearing_the_interpreter_down(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    marker = tmp_path / "marker"
    command = [sys.executable, "-c", TEARDOWN_PROBE, str(marker)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=repo)
    assert result.returncode == 0 and "version" in result.stdout, result.stderr
    assert not marker.exists()
    plain = TEARDOWN_PROBE.replace("from flows.cli import entry\nentry()", "from flows.cli import main\nmain()")
    result = subprocess.run([sys.executable, "-c", plain, str(marker)], capture_output=True, text=True, cwd=repo)
    assert result.returncode == 0 and marker.read_text() == "torn down"  # the probe works
