"""In a terminal, `trialwarehouse run` shows one live display of its long steps, and Prefect's
log lines (and ours) are printed above it, never across it (issue 19). The real command runs
on a pseudo-terminal; the screen it leaves is rebuilt from what it wrote (`terminal.screen`)."""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from hostile import hostile_landing
from terminal import screen

STEPS = ("ingest", "publish", "checks", "report", "email")
LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3} \| [A-Z]+ +\| |\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} [A-Z]+ )")


def _run_on_a_terminal(command: list[str], env: dict, cwd: Path, timeout: float = 300) -> tuple[int, str]:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))  # rows, columns
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env, cwd=cwd)
    os.close(follower)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([leader], [], [], 0.5)[0]:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the terminal closed: every writer has exited
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        returncode = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    return returncode, output.decode("utf-8", "replace")


@pytest.mark.prefect
def test_run_on_a_terminal_shows_one_display_and_prefect_lines_never_cross_it(tmp_path, smtp_collector):
    landing = hostile_landing(tmp_path / "landing")
    # Parsing on a worker process: it shares the terminal, and must not write across the display either.
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "TERM": "xterm-256color"}
    env |= {"TW_TASK_RUNNER": "process", "TW_WORKERS": "1"}  # one worker is enough to share the terminal
    env.pop("NO_COLOR", None)
    code, output = _run_on_a_terminal(
        [sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(landing)]
        + ["--warehouse", str(tmp_path / "wh" / "trials.duckdb"), "--smtp-host", "127.0.0.1"]
        + ["--smtp-port", str(smtp_collector.port), "--mail-to", "curator@example.org"],
        env,
        tmp_path,
    )
    lines = screen(output)
    assert code == 0, "\n".join(lines[-40:])
    assert output.count("\x1b[?25l") == 1, "more than one live display was started"
    rows = [i for i, line in enumerate(lines) if line.split(" ", 1)[0] in STEPS and "━" in line]
    # One display: each step has exactly one row, the rows stand together, and each is final.
    assert [lines[i].split()[0] for i in rows] == list(STEPS), "\n".join(lines)
    assert rows == list(range(rows[0], rows[0] + len(STEPS)))
    assert "1/1 files, 1 records" in lines[rows[0]] and "1/1 messages" in lines[rows[-1]]
    # No interleaving: the display's rows hold nothing else, and every log line is whole,
    # starting at the left margin with its time stamp.
    for line in lines:
        if "━" in line:
            assert not LOG_LINE.search(line) and "INFO" not in line, line
        elif "| INFO" in line or " INFO run=" in line:
            assert LOG_LINE.match(line), line
    assert any("Beginning flow run" in line and line.endswith("for flow 'trialwarehouse-nightly'") for line in lines)
    finished = [line for line in lines if "Task run '" in line and "Finished in state" in line]
    assert len(finished) >= 8 and all(line.endswith("Finished in state Completed()") for line in finished)
    assert "run 1: completed in" in output
    assert len(smtp_collector.messages) == 1
    # The worker's task lines went to its console file, not across the display.
    assert not any("parse-raw-files" in line for line in lines)
    workers = (tmp_path / "wh" / "logs" / "workers-console.log").read_text()
    assert "Task run 'parse-raw-files-" in workers
