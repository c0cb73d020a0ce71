"""Great Expectations in a process of its own, for one run's checks.

Importing GX costs about 3.5 s of CPU and building its context 0.4 s, on every night that
validates anything (profiled); and what validating leaves in a process (GX's registries,
pandas, about 450 MB after the checks of a 570k full load) stays there until the process
exits. In a process of its own, started with the night's first new file when the night
parses in its own process, GX is imported on the core that parse leaves idle, before the
checks need it; and its memory is given back when the checks end (`close`). The process runs
the very function the checks run in-process (`runner.check_suite`), with the one GX session
it made at its start.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_SESSION: Any = None  # in the GX process: (the gx module, its context), made as it starts
_START_ERROR: BaseException | None = None  # or why it could not be made, said at the first call


def _start_session() -> None:
    global _SESSION, _START_ERROR
    # Ctrl-C reaches the whole process group: the night ends this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_the_night, daemon=True).start()
    try:
        # The module of the suites' calls (DuckDB, polars, the findings), imported before any call.
        from trialwarehouse.checks import runner  # noqa: F401
        from trialwarehouse.checks.gx import gx_context
        from trialwarehouse.logs import console_of_a_worker

        console_of_a_worker()  # not across the parent's live display
        _SESSION = gx_context()
    except Exception as error:  # raised in the night, by the first call, not lost in this console
        _START_ERROR = error


def _exit_with_the_night() -> None:
    """A pool's worker waits for its next call forever, even once the night's process is gone
    (killed, out of memory): it would hold GX's memory until the machine restarts."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(1)


def _with_session(function: Callable[..., Any], args: tuple) -> Any:
    if _START_ERROR is not None:
        raise _START_ERROR
    return function(_SESSION, *args)


class GxProcessFailed(RuntimeError):
    """The GX process ended before it answered (killed, out of memory, GX not importable)."""


class GxProcess:
    """One spawned process holding a GX session: `run(function, *args)` calls
    `function(session, *args)` there and returns its result (both picklable)."""

    def __init__(self) -> None:
        # Spawned, not forked: the night's process holds a DuckDB connection and Prefect's
        # threads, which a forked child would inherit in whatever state they were.
        context = multiprocessing.get_context("spawn")
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(1, context, initializer=_start_session)
        self._running: Future = self._pool.submit(int)  # the pool starts its process at the first task: now

    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        if self._pool is None:
            raise GxProcessFailed("the GX process was closed")
        self._running = self._pool.submit(_with_session, function, args)
        try:
            return self._running.result()
        except (BrokenProcessPool, CancelledError) as ended:  # died, or closed while this waited
            raise GxProcessFailed(f"the Great Expectations process ended before it answered ({ended})") from ended

    def close(self) -> None:
        """End the process (idempotent). An idle one is asked to exit and not waited for: an
        interpreter full of GX takes about 1 s to tear itself down, which the night can spend
        on its report (its exit hooks must run: killed, it left the named semaphores it made
        to the resource tracker, which warned at the night's end). Work still running (a
        night interrupted mid-suite) is abandoned: the process is terminated."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if self._running.done():
            pool.shutdown(wait=False, cancel_futures=True)
            return
        # The executor offers no way to stop its processes before Python 3.14.
        for process in list((pool._processes or {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
