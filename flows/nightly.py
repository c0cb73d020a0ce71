"""The nightly flow: only wiring. Each step lives in `trialwarehouse` (pipeline, pull,
quality, report, mailer) and is a plain function, tested without Prefect.

No `from __future__ import annotations` here: Prefect validates flow parameters with
pydantic, which cannot resolve string annotations when a runner loads this file by path.
"""

from collections import deque
from collections.abc import Iterator
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from trialwarehouse import mailer, messages, parsing, pipeline, pull, quality, report
from trialwarehouse.logs import configure_logging, forward_to_prefect
from trialwarehouse.settings import Settings

# Steps share a live DuckDB connection, which must never be hashed or cached.
pull_changed_studies = task(pull.pull, name="pull-changed-studies", cache_policy=NO_CACHE)
parse_raw_file = task(parsing.parse_raw_file, name="parse-raw-file", cache_policy=NO_CACHE)
open_run = task(pipeline.open_run, name="open-run", cache_policy=NO_CACHE)
ingest_raw_files = task(pipeline.ingest, name="ingest-raw-files", cache_policy=NO_CACHE)
publish_versions = task(pipeline.publish, name="publish-versions", cache_policy=NO_CACHE)
check_quality = task(quality.run_checks, name="check-quality", cache_policy=NO_CACHE)
list_quarantined = task(pipeline.quarantined_inputs, name="list-quarantined", cache_policy=NO_CACHE)
complete_run = task(pipeline.complete_run, name="complete-run", cache_policy=NO_CACHE)
write_run_report = task(report.write_run_report, name="write-run-report", cache_policy=NO_CACHE)
compose_emails = task(name="compose-emails", cache_policy=NO_CACHE)(messages.compose_messages)
email_report = task(mailer.deliver_report, name="email-report", cache_policy=NO_CACHE)


def parse_on_task_runner(jobs: list, in_flight: int) -> Iterator[parsing.ParsedFile]:
    """Parse files as tasks on the flow's task runner, yielding results in file order with
    at most `in_flight` files parsed ahead, so memory stays bounded."""
    pending: deque = deque()
    for job in jobs:
        pending.append(parse_raw_file.submit(job))
        if len(pending) >= in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


@flow(name="trialwarehouse-nightly", log_prints=False)
def nightly(settings: Settings, raw_dir: Path | None = None, pull_first: bool | None = None) -> pipeline.RunSummary:
    with forward_to_prefect():  # our log lines in the flow run's logs too
        return _nightly(settings, raw_dir, pull_first)


def _nightly(settings: Settings, raw_dir: Path | None, pull_first: bool | None) -> pipeline.RunSummary:
    raw_dir = raw_dir or settings.raw_dir
    if settings.pull if pull_first is None else pull_first:
        pull_changed_studies(settings, raw_dir)
    ctx = open_run(settings, raw_dir)
    try:
        if settings.task_runner in ("local", "auto"):
            ingested = ingest_raw_files(ctx)
        else:  # parsing fans out to the task runner; staging stays here, DuckDB's single writer
            # Workers of a remote Dask cluster cannot see the staging folder: they send frames back.
            ingested = pipeline.ingest(
                ctx,
                lambda jobs: parse_on_task_runner(jobs, in_flight=2 * settings.workers),
                workers_stage=not settings.dask_address,
            )
        published = publish_versions(ctx)
        # Raises before publication if integrity fails; publication commits while GX validates.
        checked = check_quality(
            ctx.con, ctx.run_id, while_validating=lambda: pipeline.commit(ctx), work_dir=ctx.staging_dir
        )
        quarantined = list_quarantined(ctx.con, ctx.run_id)
        seconds = complete_run(ctx, ingested, published)
    except BaseException as error:
        pipeline.abort_run(ctx, error)
        raise
    summary = pipeline.RunSummary(
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
    files = write_run_report(
        summary,
        settings.resolved_report_dir(),
        checked.validation_json,
        settings.report_memory_limit,
        settings.report_url,
    )
    try:
        outcome = email_report(settings, ctx.run_id, compose_emails(settings, summary, files))
    except messages.SubscriptionError as error:  # a broken subscriptions file: said, nothing sent, run done
        outcome = mailer.MailOutcome([], [], str(error))
    summary.email = outcome.describe()
    pipeline.log_email_outcome(settings.warehouse, ctx.run_id, outcome.describe(), outcome.error)
    if files.data is not None:
        link = f"{settings.report_url.rstrip('/')}/{files.html.name}" if settings.report_url else files.html.as_uri()
        create_markdown_artifact(
            markdown=report.artifact_markdown(summary, files.data, link),
            key="curator-report",
            description=f"Run {ctx.run_id}: the curators' report",
        )
    return summary


@flow(name="trialwarehouse-scheduled")
def scheduled_nightly() -> None:
    """The deployment's entry point: settings come from the environment at run time, so no
    secret is ever stored as a deployment parameter."""
    settings = pipeline.choose_task_runner(Settings())
    configure_logging(settings.warehouse.parent / "logs", settings.log_level)
    with_task_runner(settings)(settings)


def with_task_runner(settings: Settings):
    """The nightly flow on the task runner the settings ask for ("auto" resolved first:
    `pipeline.choose_task_runner`)."""
    if settings.task_runner == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        from trialwarehouse.workers import init_parse_worker

        return nightly.with_options(
            task_runner=ProcessPoolTaskRunner(max_workers=settings.workers, initializer=init_parse_worker)
        )
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            runner = DaskTaskRunner(address=settings.dask_address)
        else:
            runner = DaskTaskRunner(
                cluster_kwargs={
                    "n_workers": settings.workers,
                    "processes": True,
                    "threads_per_worker": 1,
                    "dashboard_address": None,
                }
            )
        return nightly.with_options(task_runner=runner)
    return nightly
