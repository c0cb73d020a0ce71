"""The night, in order: the one run sequence. The nightly flow (`flows/nightly.py`) runs it
with every step wrapped as a Prefect task; tests, `make docs` and the benchmark run it as
plain functions.

pull (optional) -> open the run -> ingest -> publish and check -> list the quarantined
inputs -> complete the run (swap the warehouse in) -> report -> compose one message per
recipient -> email -> announce the report (the flow: a Prefect artifact).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from trialwarehouse.nightly import ingest, lifecycle, mailer, messages, quarantine, report, runlog, transaction
from trialwarehouse.nightly.ingest import ParseFiles
from trialwarehouse.nightly.outbox import MailOutcome
from trialwarehouse.nightly.results import RunSummary
from trialwarehouse.settings import Settings

Step = Callable[..., Any]


def pull_changed_studies(settings: Settings, raw_dir: Path) -> Any:
    """The optional pull. Its module (the API client, requests) is imported by a night that
    pulls, not by every night (0.1 s)."""
    from trialwarehouse.nightly.pull import pull

    return pull(settings, raw_dir)


def no_announcement(settings: Settings, summary: RunSummary, files: report.ReportFiles) -> None:
    """Outside Prefect the report is announced by the command line's summary alone."""


@dataclass(frozen=True)
class Steps:
    """The steps `run_night` calls, each a plain function unless wrapped (`wrapped`)."""

    pull: Step = pull_changed_studies
    open_run: Step = lifecycle.open_run
    ingest: Step = ingest.ingest
    publish_and_check: Step = transaction.publish_and_check
    list_quarantined: Step = quarantine.quarantined_inputs
    complete_run: Step = lifecycle.complete_run
    write_report: Step = report.write_run_report
    compose_emails: Step = messages.compose_messages
    email_report: Step = mailer.deliver_report
    announce_report: Step = no_announcement

    def wrapped(self, wrap: Callable[[Step, str], Step]) -> Steps:
        """The same steps, each passed through `wrap(step, name)` (the flow: a Prefect task)."""
        return Steps(**{f.name: wrap(getattr(self, f.name), TASK_NAMES[f.name]) for f in fields(self)})


PLAIN_STEPS = Steps()
# What the steps are called as tasks (in Prefect's UI and logs).
TASK_NAMES = {
    "pull": "pull-changed-studies",
    "open_run": "open-run",
    "ingest": "ingest-raw-files",
    "publish_and_check": "publish-and-check",
    "list_quarantined": "list-quarantined",
    "complete_run": "complete-run",
    "write_report": "write-run-report",
    "compose_emails": "compose-emails",
    "email_report": "email-report",
    "announce_report": "announce-report",
}


def run_night(
    settings: Settings,
    raw_dir: Path | None = None,
    *,
    steps: Steps = PLAIN_STEPS,
    pull_first: bool | None = None,
    checks: bool = True,
    report_and_email: bool = True,
    parse_files: ParseFiles | None = None,
    workers_stage: bool = True,
) -> RunSummary:
    """One night over `raw_dir` (default: the settings' landing folder).

    `checks` False skips the data-quality checks (and so the report, which shows them);
    `report_and_email` False stops once the warehouse is swapped in. `parse_files` fans
    parsing out (to processes, a Dask cluster); its workers write the staging files unless
    `workers_stage` is False (workers that cannot see the staging folder send frames back).
    """
    raw_dir = raw_dir or settings.raw_dir
    if settings.pull if pull_first is None else pull_first:
        steps.pull(settings, raw_dir)
    ctx = steps.open_run(settings, raw_dir)
    try:
        if parse_files is None:
            # Parsed here, on one core: GX's process starts with the first new file and
            # imports GX on another. A fan-out's parsers take every core; after one, GX's
            # process starts with the checks (`transaction.publish_and_check`).
            ingested = steps.ingest(ctx, on_new_file=ctx.start_gx if checks else None)
        else:  # the fan-out submits tasks itself: ingest stays a plain call, DuckDB its single writer
            ingested = ingest.ingest(ctx, parse_files, workers_stage=workers_stage, spread_over=settings.workers)
        published, checked = steps.publish_and_check(ctx, checks)
        quarantined = steps.list_quarantined(ctx.con, ctx.run_id)
        seconds = steps.complete_run(ctx, ingested, published)
    except BaseException as error:
        lifecycle.abort_run(ctx, error)
        raise
    summary = RunSummary(
        run_id=ctx.run_id,
        status="completed",
        warehouse=str(settings.warehouse),
        report=None,
        raw_dir=str(raw_dir),
        seconds=seconds,
        ingest=ingested,
        publish=published,
        quarantined=quarantined,
        quality=checked,
    )
    if checked is None or not report_and_email:
        return summary
    files = steps.write_report(
        summary,
        settings.resolved_report_dir(),
        checked.validation_json,
        settings.report_memory_limit,
        settings.report_url,
    )
    try:
        outcome = steps.email_report(settings, ctx.run_id, steps.compose_emails(settings, summary, files))
    except messages.SubscriptionError as error:  # a broken subscriptions file: said, nothing sent, night done
        outcome = MailOutcome([], [], str(error))
    summary.email = outcome.describe()
    runlog.log_email_outcome(settings.warehouse, ctx.run_id, outcome.describe(), outcome.error)
    steps.announce_report(settings, summary, files)
    return summary
