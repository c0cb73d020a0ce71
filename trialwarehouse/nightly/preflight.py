"""What `trialwarehouse run` checks before Prefect starts, or any run id is spent.

A new user's mistakes (a missing landing folder, a warehouse path under a file, a corrupted
`.duckdb`, a second run on a busy warehouse) each get one line saying what is wrong and what
to do, and the documented exit status, within a second: not 113 lines and two tracebacks
after Prefect's start-up. A warehouse that does not exist yet is announced, plainly, since a
mistyped folder would otherwise create a new, empty warehouse without a word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.nightly import runlog
from trialwarehouse.settings import Settings

EXIT_BAD_PATH = 2
EXIT_BUSY = 3


class PreflightError(Exception):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Preflight:
    notes: list[str] = field(default_factory=list)
    new_warehouse: bool = False
    last_run_logged: int = 0  # highest run id in the run log before this run


def _under_a_file(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _folder_problem(label: str, path: Path) -> str | None:
    if path.exists() and not path.is_dir():
        return f"{label} {path} is a file, not a folder"
    blocker = _under_a_file(path)
    if blocker is not None:
        return f"{label} {path} cannot be created: {blocker} is a file, not a folder"
    return None


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def check_warehouse_file(path: Path) -> None:
    """PreflightError unless `path` opens as a DuckDB database (read-only, touching nothing)."""
    try:
        con = warehouse.connect(path, read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        raise PreflightError(
            f"{path} is not a readable DuckDB warehouse ({first_line(exc)}); restore it from a backup, "
            "or move it aside to start a new warehouse",
            EXIT_BAD_PATH,
        ) from None
    con.close()


def check_run(settings: Settings, pull_first: bool = False) -> Preflight:
    """Every check `run` can make before it starts; PreflightError on the first problem."""
    result = Preflight()
    raw = settings.raw_dir
    if not raw.exists() and not pull_first:
        raise PreflightError(f"landing folder does not exist: {raw} (give --raw-dir or set TW_RAW_DIR)", EXIT_BAD_PATH)
    if problem := _folder_problem("landing folder", raw):
        raise PreflightError(problem, EXIT_BAD_PATH)
    live = settings.warehouse
    if live.is_dir():
        raise PreflightError(f"warehouse {live} is a folder; give the DuckDB file, e.g. {live / 'trials.duckdb'}", 2)
    blocker = _under_a_file(live)
    if blocker is not None:
        raise PreflightError(f"warehouse {live} cannot be created: {blocker} is a file, not a folder", EXIT_BAD_PATH)
    for label, folder in (
        ("report folder", settings.resolved_report_dir()),
        ("quarantine folder", settings.resolved_quarantine_dir()),
        ("outbox", settings.resolved_outbox_dir()),
    ):
        if problem := _folder_problem(label, folder):
            raise PreflightError(problem, EXIT_BAD_PATH)
    if live.exists():
        check_warehouse_file(live)
    else:
        result.new_warehouse = True
        where = "" if live.parent.is_dir() else f"; the folder {live.parent} does not exist and will be created"
        result.notes.append(
            f"note: no warehouse at {live}: a new, empty warehouse will be created{where} "
            "(if you meant an existing one, check --warehouse / TW_WAREHOUSE)"
        )
    if live.parent.is_dir():
        from trialwarehouse.nightly.files import WarehouseBusy, acquire_writer_lock

        try:
            acquire_writer_lock(live).close()  # checked, then released: the run takes it for good
        except WarehouseBusy as busy:
            raise PreflightError(str(busy), EXIT_BUSY) from None
    result.last_run_logged = runlog.last_run_id(live)
    return result
