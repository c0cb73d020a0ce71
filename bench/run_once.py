"""One nightly run without the Prefect server (what the targets time): load, checks, report."""

from __future__ import annotations

import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from trialwarehouse import pipeline, quality, report
from trialwarehouse.parsing import parse_raw_file
from trialwarehouse.settings import Settings


def parse_in_processes(workers: int):
    """The flow's process runner without the Prefect server: same bounded, in-order fan-out."""

    def parse_files(raws, batch_size):
        with ProcessPoolExecutor(workers) as pool:
            pending: deque = deque()
            for raw in raws:
                pending.append(pool.submit(parse_raw_file, raw, batch_size))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    return parse_files


def main(raw_dir: str, warehouse: str, checks: str = "checks") -> None:
    settings = Settings(raw_dir=Path(raw_dir), warehouse=Path(warehouse))
    workers = int(os.environ.get("BENCH_WORKERS", "1"))
    ctx = pipeline.open_run(settings, settings.raw_dir)
    try:
        parse_files = parse_in_processes(workers) if workers > 1 else pipeline.parse_sequentially
        ingested = pipeline.ingest(ctx, parse_files)
        published = pipeline.publish(ctx)
        checked = quality.run_checks(ctx.con, ctx.run_id) if checks == "checks" else None
        quarantined = pipeline.quarantined_inputs(ctx.con, ctx.run_id)
        seconds = pipeline.complete_run(ctx, ingested, published)
    except BaseException as error:
        pipeline.abort_run(ctx, error)
        raise
    summary = pipeline.RunSummary(ctx.run_id, "completed", str(settings.warehouse), None, str(settings.raw_dir), seconds,
                                  ingested, published, quarantined, quality=checked)
    if checked is not None:
        report.write_run_report(summary, settings.resolved_report_dir(), checked.validation_json)
    print(f"records={ingested.records_loaded} versions={published.versions_added} seconds={seconds:.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
