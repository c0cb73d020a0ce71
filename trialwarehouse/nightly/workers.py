"""Start-up of parse worker processes. Kept free of heavy imports: it runs in a fresh
(spawned) worker before polars is imported there, which is when the setting counts."""

from __future__ import annotations

import os

from trialwarehouse.logs import console_of_a_worker


def init_parse_worker() -> None:
    console_of_a_worker()  # not across the parent's live display
    # One worker per core already keeps every core busy; polars' own thread pool on top
    # oversubscribes them (measured on 2 cores: about 14 % fewer records per second).
    os.environ.setdefault("POLARS_MAX_THREADS", "1")


def dask_setup(worker: object) -> None:
    """Dask's preload hook, in each worker of a local cluster this run starts."""
    init_parse_worker()
