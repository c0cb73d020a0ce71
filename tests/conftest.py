"""Shared fixtures: the real records beside the repo, and a Prefect-free pipeline runner."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from trialwarehouse import warehouse
from trialwarehouse.nightly.results import RunSummary
from trialwarehouse.nightly.sequence import run_night
from trialwarehouse.settings import Settings, offline_environment

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
SEEDS = SHARED / "seeds"
SAMPLE_LANDING = REPO / "sample" / "landing"

offline_environment()


def shared_path(relative: str) -> Path:
    """A file under ../shared; missing data fails in CI (CI=true) and skips elsewhere."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared test data missing in CI: {path}")
        pytest.skip(f"shared test data not present: {path}")
    return path


def run_pipeline(raw_dir: Path, warehouse_path: Path, checks: bool = False, **settings) -> RunSummary:
    """The nightly run sequence without Prefect (the flow itself is tested in test_cli), up to
    the swap: no report, no email. Data-quality checks are off unless asked for: most tests
    are about loading."""
    return run_night(
        Settings(raw_dir=raw_dir, warehouse=warehouse_path, **settings), checks=checks, report_and_email=False
    )


DATA_TABLES = [t for t in warehouse.TABLES if not t.startswith(("etl_", "dq_"))]


def snapshot(path: Path, tables: list[str] = DATA_TABLES) -> dict:
    """Every row of the data tables, ordered: equal snapshots mean an equal warehouse."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


@pytest.fixture
def fresh_db():
    con = duckdb.connect(":memory:")
    warehouse.apply_schema(con)
    yield con
    con.close()


@pytest.fixture
def read_warehouse():
    """Open a warehouse file read-only, as an analyst would; closed after the test."""
    opened = []

    def _open(path: Path) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(path), read_only=True)
        opened.append(con)
        return con

    yield _open
    for con in opened:
        con.close()


class SmtpCollector:
    """What a real SMTP server on 127.0.0.1 received, each message parsed."""

    def __init__(self):
        self.port = 0
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import policy
        from email.parser import BytesParser

        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_collector():
    """An aiosmtpd server on a free loopback port that accepts every message and keeps it."""
    import socket

    from aiosmtpd.controller import Controller

    collector = SmtpCollector()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        collector.port = s.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=collector.port)
    controller.start()
    try:
        yield collector
    finally:
        controller.stop()
