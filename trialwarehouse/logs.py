"""One log line per event, with run id, step, counts and timings: to the console and to a
rotating file beside the warehouse (logs/trialwarehouse.log); and the progress of long steps,
as one live display in a terminal or as plain lines elsewhere."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import rich.console
import rich.progress

LOGGER = logging.getLogger("trialwarehouse")
_FORMAT = "%(asctime)s %(levelname)s %(message)s"
_OUR_HANDLERS = "trialwarehouse-configured"  # the name of the handlers configure_logging installs
# Set while a live display may be shown (`workers_console_aside`): where worker processes
# started meanwhile write their console output, which would otherwise cross the display.
CHILD_CONSOLE_ENV = "TW_CHILD_CONSOLE"
_log_dir: Path | None = None  # the folder configure_logging writes to, for the workers' console file


def configure_logging(log_dir: Path, level: str = "INFO") -> Path:
    """Console (stderr) and a rotating file; idempotent."""
    global _log_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    _log_dir = log_dir
    path = log_dir / "trialwarehouse.log"
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False
    for handler in list(LOGGER.handlers):
        if handler.get_name() == _OUR_HANDLERS:  # others (forward_to_prefect's) stay
            LOGGER.removeHandler(handler)
    formatter = logging.Formatter(_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    console = logging.StreamHandler(sys.stderr)
    for handler in (file_handler, console):
        handler.setFormatter(formatter)
        handler.set_name(_OUR_HANDLERS)
        LOGGER.addHandler(handler)
    return path


def event(step: str, run_id: int | None = None, **fields) -> None:
    """`run=3 step=ingest files=15 records=32 seconds=0.41`"""
    parts = [f"run={run_id if run_id is not None else '-'}", f"step={step}"]
    parts += [f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()]
    LOGGER.info(" ".join(parts))


# The live display of this process while one is shown (`live_progress`): there is one
# terminal, so there is one display, whichever step (or thread) reports progress to it.
_LIVE: rich.progress.Progress | None = None


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _AboveTheDisplay(logging.Filter):
    """Attached to a console handler while the display is live: the handler's line is printed
    through the display's console, which draws it above the display, and the handler itself
    writes nothing (which would land in the middle of the display)."""

    def __init__(self, handler: logging.Handler, console: rich.console.Console):
        super().__init__()
        self.handler, self.console = handler, console

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            line = self.handler.format(record)
        except Exception:  # the handler reports its own formatting errors
            return True
        self.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
        return False


def _terminal_handlers() -> list[logging.Handler]:
    """Every handler that writes to a terminal: ours, Prefect's console handler, uvicorn's."""
    loggers = [
        logging.getLogger(),
        *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    found: dict[int, logging.Handler] = {}
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                if _is_terminal(handler.stream):
                    found[id(handler)] = handler
    return list(found.values())


@contextlib.contextmanager
def live_progress(stream: TextIO | None = None) -> Iterator[None]:
    """While the block runs, the long steps share one live display on `stream` (stderr), if it
    is a terminal; elsewhere (logs, CI) nothing changes and steps write plain lines. Console log
    lines, Prefect's included, are printed above the display instead of across it."""
    global _LIVE
    stream = stream or sys.stderr
    if _LIVE is not None or not _is_terminal(stream):
        yield
        return
    display = rich.progress.Progress(
        rich.progress.TextColumn("{task.description:<8}"),
        rich.progress.BarColumn(bar_width=24),
        rich.progress.TextColumn("{task.fields[counts]}"),
        console=rich.console.Console(file=stream, stderr=stream is sys.stderr),
        refresh_per_second=5,
    )
    diverted = [(handler, _AboveTheDisplay(handler, display.console)) for handler in _terminal_handlers()]
    for handler, divert in diverted:
        handler.addFilter(divert)
    display.start()
    _LIVE = display
    try:
        yield
    finally:
        _LIVE = None
        display.stop()
        for handler, divert in diverted:
            handler.removeFilter(divert)


class Progress:
    """How far a long step is (pull: pages, ingest: files, publish: load steps, checks:
    suites, report: parts, email: messages), with records, rate and time left. In a terminal
    it is one row of the live display (its own display if none is live); in logs and CI it
    writes a plain line at most every `every` seconds."""

    def __init__(
        self,
        step: str,
        run_id: int | None,
        total: int | None,
        unit: str = "files",
        every: float = 30.0,
        stream: TextIO | None = None,
    ):
        self.step, self.run_id, self.total, self.unit = step, run_id, total, unit
        self.every = every
        self.started = time.monotonic()
        self.last_shown = self.started
        self.count = 0
        self.records = 0
        self._own_display: contextlib.AbstractContextManager | None = None
        if _LIVE is None and _is_terminal(stream or sys.stderr):
            self._own_display = live_progress(stream)
            self._own_display.__enter__()
        self._live, self._task = _LIVE, None
        if self._live is not None:
            self._task = self._live.add_task(step, total=total, counts=self._text(self.started))

    def set_total(self, total: int) -> None:
        """The total, once known (a pull learns it from its first page)."""
        self.total = total
        if self._live is not None and self._task is not None:
            self._live.update(self._task, total=total)

    def advance(self, count: int = 1, records: int = 0) -> None:
        self.count += count
        self.records += records
        now = time.monotonic()
        if self._live is not None and self._task is not None:
            self._live.update(self._task, completed=self.count, counts=self._text(now))
        elif now - self.last_shown >= self.every:
            self.last_shown = now
            self._log_line(now)

    def _rate(self, now: float) -> tuple[float, float]:
        elapsed = max(now - self.started, 1e-6)
        left = (self.total - self.count) * elapsed / self.count if self.count and self.total else 0.0
        return (self.records if self.records else self.count) / elapsed, max(left, 0.0)

    def _text(self, now: float) -> str:
        rate, left = self._rate(now)
        done = f"{self.count}/{self.total}" if self.total is not None else f"{self.count}"
        parts = [f"{done} {self.unit}"]
        if self.records:
            parts.append(f"{self.records} records, {rate:.0f} records/s")
        if self.count and self.total is not None and self.count < self.total:
            parts.append(f"about {left:.0f} s left")
        return ", ".join(parts)

    def _log_line(self, now: float) -> None:
        rate, left = self._rate(now)
        event(
            self.step,
            self.run_id,
            progress=f"{self.count}/{self.total if self.total is not None else '?'}",
            records=self.records,
            rate=round(rate),
            seconds_left=round(left),
            unit=self.unit,
        )

    def done(self) -> None:
        """The step is over: its row shows the final counts and the time it took."""
        if self._live is not None and self._task is not None:
            took = f"{self._text(time.monotonic())}, {time.monotonic() - self.started:.1f} s"
            self._live.update(self._task, total=self.total or self.count, completed=self.count, counts=took)
            self._task = None
        if self._own_display is not None:
            self._own_display.__exit__(None, None, None)
            self._own_display = None


@contextlib.contextmanager
def workers_console_aside(stream: TextIO | None = None) -> Iterator[None]:
    """On a terminal, worker processes started in the block (a process pool, a local Dask
    cluster: started with the flow, before its live display) send their console to
    logs/workers-console.log through `console_of_a_worker`; elsewhere nothing changes."""
    if not _is_terminal(stream or sys.stderr) or CHILD_CONSOLE_ENV in os.environ:
        yield
        return
    os.environ[CHILD_CONSOLE_ENV] = str(_log_dir / "workers-console.log") if _log_dir else os.devnull
    try:
        yield
    finally:
        os.environ.pop(CHILD_CONSOLE_ENV, None)


def console_of_a_worker() -> None:
    """In a worker process the display's process started: its standard output and error go to
    the workers' console file (logs/workers-console.log) instead of across the display. Its
    task-run logs still reach Prefect (UI) through Prefect's API handler."""
    target = os.environ.get(CHILD_CONSOLE_ENV)
    if not target:
        return
    with open(target, "ab") as console:
        for stream in (1, 2):
            os.dup2(console.fileno(), stream)


class _ToPrefectRun(logging.Handler):
    """Re-logs our lines through Prefect's run logger, so that they appear in the flow
    run's logs in the Prefect UI; outside a run context (a worker process, a thread of
    our own) there is no run to attach them to, and the line only goes to our handlers."""

    def emit(self, record: logging.LogRecord) -> None:
        from prefect.exceptions import MissingContextError
        from prefect.logging import get_run_logger

        try:
            get_run_logger().log(record.levelno, record.getMessage())
        except MissingContextError:
            pass


@contextlib.contextmanager
def forward_to_prefect() -> Iterator[None]:
    """While the block runs, our log lines also go to the current Prefect flow run."""
    if any(isinstance(h, _ToPrefectRun) for h in LOGGER.handlers):  # a subflow: once is enough
        yield
        return
    handler = _ToPrefectRun()
    LOGGER.addHandler(handler)
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
