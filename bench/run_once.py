"""One nightly run without the Prefect server (what the targets time): load, checks, report."""

from __future__ import annotations

import sys
from pathlib import Path

from trialwarehouse import pipeline, quality, report
from trialwarehouse.settings import Settings


def main(raw_dir: str, warehouse: str, checks: str = "checks") -> None:
    settings = Settings(raw_dir=Path(raw_dir), warehouse=Path(warehouse))
    ctx = pipeline.open_run(settings, settings.raw_dir)
    try:
        ingested = pipeline.ingest(ctx)
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
