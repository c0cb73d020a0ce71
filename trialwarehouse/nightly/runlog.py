"""The run log: an append-only file of run events beside the warehouse, written and read here only.

The live warehouse is only ever replaced whole, so a run that fails or is killed cannot
write its own row there. It leaves lines here instead, and the next run copies them into
etl_run (a killed run shows up as failed, "interrupted"); `trialwarehouse status` reads
the email outcome and the runs not in etl_run yet from here.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path


def run_log_path(live: Path) -> Path:
    return live.with_name(live.name + ".runs.jsonl")


def utc_now() -> datetime:
    return datetime.now(UTC)


def log_event(live: Path, event: str, run_id: int, **fields) -> None:
    """One line, flushed and fsynced: it must survive the process being killed right after."""
    line = {"event": event, "run_id": run_id, "at": utc_now().isoformat(), **fields}
    with run_log_path(live).open("a", encoding="utf-8") as log:
        log.write(json.dumps(line, default=str) + "\n")
        log.flush()
        os.fsync(log.fileno())


def read_events(live: Path) -> dict[int, dict[str, dict]]:
    """{run_id: {event name: its last line}}; a line cut short by a kill (or otherwise not
    an event) is skipped: the run still has its "started" line."""
    runs: dict[int, dict[str, dict]] = {}
    path = run_log_path(live)
    if not path.exists():
        return runs
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
            run_id, name = int(item["run_id"]), str(item["event"])
        except (ValueError, KeyError, TypeError):
            continue
        runs.setdefault(run_id, {})[name] = item
    return runs


def last_run_id(live: Path) -> int:
    """Highest run id in the run log (0 without one): runs after it are tonight's."""
    return max(read_events(live), default=0)


def published_after(live: Path, before: int) -> int | None:
    """The latest run after `before` that completed, that is, was swapped in and published."""
    return max(
        (run_id for run_id, events in read_events(live).items() if run_id > before and "completed" in events),
        default=None,
    )


def unreported_run(live: Path) -> int | None:
    """The latest completed run, if it has no `email` event (the last thing a night logs):
    published, but its report and email were never produced."""
    completed = {run_id: events for run_id, events in read_events(live).items() if "completed" in events}
    if not completed:
        return None
    latest = max(completed)
    return None if "email" in completed[latest] else latest


def unfinished_runs(live: Path) -> list[tuple[int, dict[str, dict]]]:
    """Runs that started and never completed (failed or killed), in run order."""
    return [
        (run_id, events)
        for run_id, events in sorted(read_events(live).items())
        if "started" in events and "completed" not in events
    ]


def log_email_outcome(live: Path, run_id: int, description: str, error: str | None) -> None:
    """Email delivery happens after publication, so it is logged beside the warehouse."""
    log_event(live, "email", run_id, status="failed" if error else "ok", detail=description)


def email_outcome(events: dict[str, dict]) -> str:
    return events.get("email", {}).get("detail", "-")
