"""What every night goes through, whoever starts it: `trialwarehouse run` and the scheduled
deployment (`trialwarehouse serve`) both call `before_the_night` and map a failure with
`failure_of` (through `flows.nightly.run_guarded`), so a scheduled night gets the same checks,
the same catch-up of an unreported night and the same one-line answers as a night run by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from trialwarehouse.logs import configure_logging, live_progress
from trialwarehouse.nightly import catchup, runlog
from trialwarehouse.nightly.preflight import EXIT_BAD_PATH, EXIT_BUSY, Preflight, PreflightError, check_run
from trialwarehouse.settings import Settings

EXIT_FAILED = 1
EXIT_PULL = 4
EXIT_INTEGRITY = 6
EXIT_NOT_REPORTED = 9


class NightFailed(Exception):
    """The night stopped: `message` is the one line for the operator, `exit_code` the
    documented status (README, Reliability)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message, exit_code)  # both in args: the exception pickles across processes
        self.message, self.exit_code = message, exit_code

    def __str__(self) -> str:
        return self.message


def before_the_night(settings: Settings, pull_first: bool | None, say: Callable[[str], None]) -> Preflight:
    """Arguments, paths and the writer lock (before Prefect or a run id), then logging, then
    the report and email of a published night that never got them. `say` gets the notes."""
    try:
        checked = check_run(settings, pull_first=settings.pull if pull_first is None else pull_first)
    except PreflightError as wrong:
        raise NightFailed(str(wrong), wrong.exit_code) from None
    for note in checked.notes:
        say(note)
    configure_logging(settings.warehouse.parent / "logs", settings.log_level)
    if not checked.new_warehouse:
        try:
            with live_progress():  # its report and email steps share one display, as a night's do
                late = catchup.report_unreported_night(settings)
        except Exception as failure:
            # Running tonight's night on top would turn the unreported night's NEW findings
            # into OPEN ones nobody was told about: stop, and say what to fix.
            run_id = runlog.unreported_run(settings.warehouse)
            raise NightFailed(
                f"run {run_id} was published but never reported, and its report or email failed again: "
                f"{type(failure).__name__}: {failure}; tonight's run was not started; fix this and run again",
                EXIT_NOT_REPORTED,
            ) from failure
        if late:
            say(late)
    return checked


def failure_of(error: Exception, settings: Settings, checked: Preflight) -> NightFailed:
    """The one line and exit status for a night that raised `error` after `before_the_night`."""
    from trialwarehouse.checks.runner import IntegrityError
    from trialwarehouse.nightly.files import WarehouseBusy
    from trialwarehouse.nightly.pull import PullError

    if isinstance(error, NightFailed):
        return error
    published = runlog.published_after(settings.warehouse, checked.last_run_logged)
    if published is not None:  # the swap happened, whatever failed after it: say so
        return NightFailed(
            f"run {published} was published (the warehouse holds tonight's data), but its report or "
            f"email failed: {type(error).__name__}: {error}; the next run produces them",
            EXIT_NOT_REPORTED,
        )
    if isinstance(error, WarehouseBusy):
        return NightFailed(str(error), EXIT_BUSY)
    if isinstance(error, FileNotFoundError):
        return NightFailed(str(error), EXIT_BAD_PATH)
    if isinstance(error, IntegrityError):
        return NightFailed(f"the night's warehouse was not published: {error}", EXIT_INTEGRITY)
    if isinstance(error, PullError):
        return NightFailed(f"pull failed, nothing was loaded: {error}", EXIT_PULL)
    # the run was discarded; the warehouse is as before
    return NightFailed(f"the run failed and was rolled back: {type(error).__name__}: {error}", EXIT_FAILED)
