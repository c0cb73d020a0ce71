"""One log line per event, with run id, step, counts and timings: to the console and to a
rotating file beside the warehouse (logs/trialwarehouse.log)."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import sys
import time
from collections.abc import Iterator
from pathlib import Path

LOGGER = logging.getLogger("trialwarehouse")
_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def configure_logging(log_dir: Path, level: str = "INFO") -> Path:
    """Console (stderr) and a rotating file; idempotent."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "trialwarehouse.log"
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False
    for handler in list(LOGGER.handlers):
        LOGGER.removeHandler(handler)
    formatter = logging.Formatter(_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    console = logging.StreamHandler(sys.stderr)
    for handler in (file_handler, console):
        handler.setFormatter(formatter)
        LOGGER.addHandler(handler)
    return path


def event(step: str, run_id: int | None = None, **fields) -> None:
    """`run=3 step=ingest files=15 records=32 seconds=0.41`"""
    parts = [f"run={run_id if run_id is not None else '-'}", f"step={step}"]
    parts += [f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()]
    LOGGER.info(" ".join(parts))


class Progress:
    """Files and records processed, rate and time left. In an interactive terminal it
    redraws one line; in logs and CI it writes a plain line at most every `every` seconds."""

    def __init__(self, step: str, run_id: int, total_files: int, every: float = 30.0, stream=None):
        self.step, self.run_id, self.total = step, run_id, total_files
        self.stream = stream or sys.stderr
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = 0.2 if self.interactive else every
        self.started = time.monotonic()
        self.last_shown = self.started
        self.files = 0
        self.records = 0

    def advance(self, files: int = 1, records: int = 0) -> None:
        self.files += files
        self.records += records
        now = time.monotonic()
        if now - self.last_shown >= self.every:
            self.last_shown = now
            self._show(now)

    def _show(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        rate = self.records / elapsed
        left = (self.total - self.files) * elapsed / self.files if self.files else 0.0
        text = (
            f"{self.step}: {self.files}/{self.total} files, {self.records} records, "
            f"{rate:.0f} records/s, about {left:.0f} s left"
        )
        if self.interactive:
            self.stream.write("\r" + text.ljust(100))
            self.stream.flush()
        else:
            event(
                self.step,
                self.run_id,
                progress=f"{self.files}/{self.total}",
                records=self.records,
                rate=round(rate),
                seconds_left=round(left),
            )

    def done(self) -> None:
        if self.interactive:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


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
    handler = _ToPrefectRun()
    LOGGER.addHandler(handler)
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
