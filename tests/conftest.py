"""Shared fixtures: the real records beside the repo, and a Prefect-free pipeline runner."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from trialwarehouse import pipeline, quality, warehouse
from trialwarehouse.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
SEEDS = SHARED / "seeds"
SAMPLE_LANDING = REPO / "sample" / "landing"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def shared_path(relative: str) -> Path:
    """A file under ../shared; missing data fails in CI (CI=true) and skips elsewhere."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared test data missing in CI: {path}")
        pytest.skip(f"shared test data not present: {path}")
    return path


def run_pipeline(raw_dir: Path, warehouse_path: Path, checks: bool = False, **settings) -> pipeline.RunSummary:
    """The nightly flow's steps without Prefect (the flow itself is tested in test_cli).
    Data-quality checks are off unless asked for: most tests are about loading."""
    config = Settings(raw_dir=raw_dir, warehouse=warehouse_path, **settings)
    ctx = pipeline.open_run(config, raw_dir)
    try:
        ingested = pipeline.ingest(ctx)
        published = pipeline.publish(ctx)
        checked = quality.run_checks(ctx.con, ctx.run_id) if checks else None
        quarantined = pipeline.quarantined_inputs(ctx.con, ctx.run_id)
        seconds = pipeline.complete_run(ctx, ingested, published)
    except BaseException as error:
        pipeline.abort_run(ctx, error)
        raise
    return pipeline.RunSummary(ctx.run_id, "completed", str(warehouse_path), None, str(raw_dir), seconds,
                               ingested, published, quarantined, quality=checked)


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
