"""How the command's process ends: everything Python's own exit does that anyone can see,
then the process ends without freeing its objects one by one.

A night imports Prefect, pydantic, polars, DuckDB and Great Expectations; letting the interpreter
tear all of that down took 0.7 to 0.9 s of every run on the 2-core machine (the process
after its last line, sampled with py-spy: the main thread busy with no Python frame).
What skipping it would lose is an object's own clean-up at teardown: a file left open and
unflushed, a DuckDB connection never closed. The commands leave neither (every write is in
a `with` block, every connection is closed in a `finally`), and code here must keep it so.
What must run at exit is registered with `threading` or `atexit` and runs here, in the
interpreter's own order: Prefect drains its log and event workers, then the temporary
Prefect server stops, temporary folders go, logging flushes.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn


def exit_code(status: object) -> int:
    """The exit status `sys.exit(status)` gives: None is 0, an int is itself, anything else
    is printed to stderr and is 1."""
    if status is None:
        return 0
    if isinstance(status, int):
        return status
    print(status, file=sys.stderr)
    return 1


def end_process(code: int) -> NoReturn:
    """End the process with `code` after what a normal exit does first, in its order: wait
    for the threads that are not daemons (and the thread pools' exit hooks), run the atexit
    handlers, flush the standard streams."""
    # threading._shutdown is what the interpreter itself calls at exit; it also runs the
    # hooks concurrent.futures registers to finish its worker threads.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is None or stream.closed:  # skipped, as the interpreter skips them
            continue
        try:
            stream.flush()
        except OSError:  # the reader went away: what Python reports as status 120
            code = code or 120
    os._exit(code)


def run_then_end(command: Callable[[], object]) -> NoReturn:
    """Run a command that ends by `sys.exit` (a click group does), then end the process."""
    try:
        status = command()
    except SystemExit as done:
        status = done.code
    end_process(exit_code(status))
