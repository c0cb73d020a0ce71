"""One night as every entry point runs it: `trialwarehouse run` and the scheduled deployment
(`flows.scheduled.scheduled_nightly`). Prefect is imported only once the checks have passed, so
a wrong path or a busy warehouse is answered before Prefect starts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from trialwarehouse.nightly import entry
from trialwarehouse.settings import Settings

if TYPE_CHECKING:  # the checks' modules load Great Expectations: not before the preflight
    from trialwarehouse.nightly.results import RunSummary


def run_guarded(settings: Settings, pull_first: bool | None = None, say: Callable[[str], None] = print) -> RunSummary:
    """The checks and the catch-up of an unreported night (`nightly.entry`), then the nightly
    flow; any failure comes out as `entry.NightFailed`, with its one line and exit status."""
    checked = entry.before_the_night(settings, pull_first, say)
    from flows.prefect_server import serving, start_temporary_server

    try:
        server = start_temporary_server()  # comes up in its own process while the pipeline is imported
        from flows.nightly import with_task_runner
        from trialwarehouse.logs import workers_console_aside
        from trialwarehouse.nightly.task_runner import choose_task_runner

        settings = choose_task_runner(settings)
        with serving(server), workers_console_aside():
            return with_task_runner(settings)(settings, pull_first=pull_first)
    except Exception as error:
        raise entry.failure_of(error, settings, checked) from error
