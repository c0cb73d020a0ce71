"""One nightly run without the Prefect server (what the targets time): the run sequence, checks and report included."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from trialwarehouse.nightly.sequence import run_night
from trialwarehouse.nightly.staging import parse_raw_files
from trialwarehouse.nightly.workers import init_parse_worker
from trialwarehouse.settings import Settings


def parse_in_processes(workers: int):
    """The flow's process runner without the Prefect server: same bounded, in-order fan-out."""

    def parse_files(jobs):
        # spawn, as Prefect's ProcessPoolTaskRunner: forking after polars started its threads can hang.
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=init_parse_worker
        ) as pool:
            pending: deque = deque()
            for job in jobs:
                pending.append(pool.submit(parse_raw_files, job))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    return parse_files


def main(raw_dir: str, warehouse: str, checks: str = "checks") -> None:
    settings = Settings(raw_dir=Path(raw_dir), warehouse=Path(warehouse))
    workers = int(os.environ.get("BENCH_WORKERS", "1"))
    summary = run_night(
        settings, parse_files=parse_in_processes(workers) if workers > 1 else None, checks=checks == "checks"
    )
    print(
        f"records={summary.ingest.records_loaded} versions={summary.publish.versions_added} seconds={summary.seconds:.1f}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
