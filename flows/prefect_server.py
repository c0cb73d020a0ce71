"""Prefect's temporary server for one `trialwarehouse run`: started once, early, and shared.

Without an API URL, Prefect starts a temporary server in every process that needs one: the
flow's, and each spawned worker of a process pool or local Dask cluster (they inherit the
environment, not the flow's Prefect context), three servers per run, each seconds of
start-up and about 200 MB. So the flow's process starts the one server itself and hands its
URL to the workers through the environment.

Early: the server is a process of its own that takes seconds to start; started on a thread
as soon as the arguments are checked, it comes up on the other core while this process
imports the pipeline and reads the warehouse, instead of after. With a server configured
(`trialwarehouse serve`, PREFECT_API_URL), nothing is started.
"""

from __future__ import annotations

import os
import threading


class TemporaryServer:
    """The start of Prefect's temporary server, on a thread; `ready()` waits for it."""

    def __init__(self) -> None:
        self.api_url: str | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._start, name="prefect-temporary-server", daemon=True)
        self.thread.start()

    def _start(self) -> None:
        try:
            from prefect.settings import PREFECT_API_URL

            if PREFECT_API_URL.value():
                return  # a configured server (a profile, the environment): Prefect talks to it
            from prefect.server.api.server import SubprocessASGIServer

            server = SubprocessASGIServer()  # the one instance the flow's own client reuses
            server.start()
            self.api_url = server.api_url
        except BaseException as exc:  # handed to ready()
            self.error = exc

    def ready(self) -> None:
        """Wait until the server answers, then give its URL to every process started after."""
        self.thread.join()
        if self.error:
            raise self.error
        if self.api_url:
            os.environ["PREFECT_API_URL"] = self.api_url


def start_temporary_server() -> TemporaryServer | None:
    """Start the temporary server unless the environment names a server already."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    return TemporaryServer()
