"""The scheduled deployment's flow (`trialwarehouse serve`). It runs the same entry as
`trialwarehouse run` (`flows.entry`): preflight, catch-up of an unreported night, then the
nightly flow. Its own module so that the nightly flow never imports its entry back."""

from __future__ import annotations

from prefect import flow

from flows.entry import run_guarded
from trialwarehouse.logs import LOGGER, forward_to_prefect
from trialwarehouse.settings import Settings


@flow(name="trialwarehouse-scheduled")
def scheduled_nightly() -> None:
    """The deployment's entry point: settings come from the environment at run time, so no
    secret is ever stored as a deployment parameter. A failed night fails the flow run, with
    the same line `trialwarehouse run` would print."""
    with forward_to_prefect():
        run_guarded(Settings(), say=LOGGER.warning)
