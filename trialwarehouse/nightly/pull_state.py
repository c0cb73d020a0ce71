"""The state of API pulls in the landing folder: progress of a running pull, manifests of
finished ones (in `.pulls/`), and the default `since` of the next pull."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.atomic import write_json_atomically
from trialwarehouse.settings import Settings

STATE_DIR = ".pulls"
DATA_DIR = "pulls"


@dataclass
class PullState:
    """Progress of one pull, saved after every completed page."""

    pull_id: str
    started_at: str
    since: str | None
    query: str | None
    full: bool
    params: dict
    next_page_token: str | None = None
    pages: int = 0
    studies: int = 0
    data_bytes: int = 0
    total_count: int | None = None
    newest_last_update: str | None = None
    api_version: str | None = None
    data_timestamp: str | None = None
    listed_ids: int | None = None
    status: str = "running"
    finished_at: str | None = None
    data_file: str | None = None
    count_mismatch: bool = False
    nct_ids_file: str | None = None
    seen_tokens: list[str] = field(default_factory=list)  # every page token followed, to detect a loop
    problem: str | None = None  # why an abandoned pull was stopped

    def matches(self, since: str | None, query: str | None, full: bool) -> bool:
        return (self.since, self.query, self.full) == (since, query, full)


def state_dir(raw_dir: Path) -> Path:
    path = raw_dir / STATE_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_progress(raw_dir: Path, state: PullState) -> None:
    write_json_atomically(state_dir(raw_dir) / f"{state.pull_id}.progress.json", asdict(state))


def pending_manifests(raw_dir: Path) -> list[dict]:
    folder = raw_dir / STATE_DIR
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.manifest.json"))]


def unfinished_pulls(raw_dir: Path) -> list[PullState]:
    folder = raw_dir / STATE_DIR
    if not folder.is_dir():
        return []
    states = [PullState(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.progress.json"))]
    return [s for s in states if s.status == "running"]


def default_since(settings: Settings, raw_dir: Path, today: date | None = None) -> date:
    """Newest last-update date of the last successful pull, minus one day (the API's dates
    are days, and a study updated late on that day may not have been in it)."""
    newest: list[str] = [
        m["newest_last_update"]
        for m in pending_manifests(raw_dir)
        if m.get("newest_last_update") and m.get("status") == "completed"  # a short pull keeps the watermark
    ]
    if settings.warehouse.exists():
        try:
            con = warehouse.connect(settings.warehouse, read_only=True)
            try:
                row = con.execute("SELECT max(newest_last_update) FROM etl_pull WHERE status = 'completed'").fetchone()
                if row and row[0]:
                    newest.append(row[0].isoformat())
            finally:
                con.close()
        except duckdb.Error:
            pass  # a warehouse without pull state yet, or busy: fall back to the window
    if newest:
        return date.fromisoformat(max(newest)) - timedelta(days=1)
    return (today or date.today()) - timedelta(days=settings.pull_window_days)
