"""Where a night parses its files: in the flow's own process, or fanned out to workers."""

from __future__ import annotations

from pathlib import Path

from trialwarehouse.settings import Settings

AUTO_PROCESS_BYTES = 256 * 1024 * 1024


def choose_task_runner(settings: Settings, raw_dir: Path | None = None) -> Settings:
    """Settings with `task_runner` "auto" resolved. Starting parse workers costs a few
    seconds of imports, repaid only on big nights (a first full load, a bulk download):
    a pool of processes from 256 MB of raw files on, the flow's own process below."""
    if settings.task_runner != "auto":
        return settings
    landing = raw_dir or settings.raw_dir
    size = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) if landing.is_dir() else 0
    runner = "process" if size >= AUTO_PROCESS_BYTES and settings.workers > 1 else "local"
    return settings.model_copy(update={"task_runner": runner})
