"""The nightly flow: only wiring. The run sequence is `trialwarehouse.nightly.sequence`; this
flow runs it with every step as a Prefect task, and picks the task runner parsing fans out to.

No `from __future__ import annotations` here: Prefect validates flow parameters with
pydantic, which cannot resolve string annotations when a runner loads this file by path.
"""

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from prefect import Task, flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.task_runners import ProcessPoolTaskRunner

from trialwarehouse.logs import event, forward_to_prefect, live_progress
from trialwarehouse.nightly import report, staging
from trialwarehouse.nightly.results import RunSummary
from trialwarehouse.nightly.sequence import PLAIN_STEPS, Step, run_night
from trialwarehouse.settings import Settings


def as_task(step: Step, name: str) -> Task:
    # Steps share a live DuckDB connection, which must never be hashed or cached.
    return task(name=name, cache_policy=NO_CACHE)(step)


def announce_in_prefect(settings: Settings, summary: RunSummary, files: report.ReportFiles) -> None:
    """The night's report in the Prefect UI: its summary table and a link to the page."""
    if files.data is None:
        return
    link = report.page_link(settings.report_url, files.html)
    create_markdown_artifact(
        markdown=report.artifact_markdown(summary, files.data, link),
        key="curator-report",
        description=f"Run {summary.run_id}: the curators' report",
    )


STEPS = replace(PLAIN_STEPS.wrapped(as_task), announce_report=as_task(announce_in_prefect, "announce-report"))
parse_raw_files = as_task(staging.parse_raw_files, "parse-raw-files")


def parse_on_task_runner(jobs: Iterable[staging.ParseJob], in_flight: int) -> Iterator[staging.ParsedJob]:
    """Parse jobs as tasks on the flow's task runner, yielding results in file order with
    at most `in_flight` jobs parsed ahead, so memory stays bounded."""
    pending: deque = deque()
    for job in jobs:
        pending.append(parse_raw_files.submit(job))
        if len(pending) >= in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
    release_parse_workers()


def release_parse_workers() -> None:
    """Stop the process pool's workers once the last file is parsed. Each keeps what its
    largest file took (0.6 to 0.9 GB measured, parsing 2,000 studies a file) until it exits,
    and the pool would live until the flow ends: through publish and checks, when the flow's
    own process needs the most memory (the tree's peak of a 100k full load, 2.8 GB)."""
    context = FlowRunContext.get()
    if context is None or not isinstance(context.task_runner, ProcessPoolTaskRunner):
        return  # a Dask cluster, or a test calling this outside a flow
    workers = len(multiprocessing.active_children())
    context.task_runner.cancel_all()  # nothing is pending; the flow's end calls it again, harmlessly
    event("parse-workers", workers=workers, running=len(multiprocessing.active_children()))


@flow(name="trialwarehouse-nightly", log_prints=False)
def nightly(settings: Settings, raw_dir: Path | None = None, pull_first: bool | None = None) -> RunSummary:
    fan_out = settings.task_runner not in ("local", "auto")
    # Our log lines in the flow run's logs too; in a terminal, one live display of the steps.
    with forward_to_prefect(), live_progress():
        return run_night(
            settings,
            raw_dir,
            steps=STEPS,
            pull_first=pull_first,
            parse_files=(lambda jobs: parse_on_task_runner(jobs, in_flight=2 * settings.workers)) if fan_out else None,
            # Workers of a remote Dask cluster cannot see the staging folder: they send frames back.
            workers_stage=not settings.dask_address,
        )


def with_task_runner(settings: Settings):
    """The nightly flow on the task runner the settings ask for ("auto" resolved first:
    `trialwarehouse.nightly.task_runner`)."""
    # Spawned workers reach the run's one temporary server through the environment, set by
    # the entry that calls this (`flows.prefect_server.serving`).
    if settings.task_runner == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        from trialwarehouse.nightly.workers import init_parse_worker

        # Prefect's stubs type task_runner invariantly in its future type; any runner is accepted.
        pool = ProcessPoolTaskRunner(max_workers=settings.workers, initializer=init_parse_worker)
        return nightly.with_options(task_runner=pool)  # type: ignore[arg-type]
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
                    "preload": ["trialwarehouse.nightly.workers"],  # dask_setup: the workers' console
                }
            )
        return nightly.with_options(task_runner=runner)  # type: ignore[arg-type]
    return nightly
