"""Prefect's temporary server for one `trialwarehouse run`: started once, early, and shared.

Without an API URL, Prefect starts a temporary server in every process that needs one: the
flow's, and each spawned worker of a process pool or local Dask cluster (they inherit the
environment, not the flow's Prefect context), three servers per run, each seconds of
start-up and about 200 MB. So the flow's process starts the one server itself and hands its
URL to every process through the environment, before Prefect is imported here at all.

Early and without Prefect: the server is the same command Prefect runs for its temporary
server (uvicorn serving `prefect.server.api.server:create_app`, ephemeral, no UI), spawned
here directly. Asking Prefect to start it meant importing its server (FastAPI, SQLAlchemy,
every model: about 5 s of this process's time) only to launch a process that imports it
again; spawned as soon as the arguments are checked, the server imports on the other core
while this process imports the pipeline. With PREFECT_API_URL in the environment
(`trialwarehouse serve` sets it for its runs), nothing is started; a server named only in a
Prefect profile or prefect.toml is known once Prefect is imported, and then the temporary
one is stopped unused (`serving`).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.client import HTTPException
from importlib.util import find_spec
from pathlib import Path

from trialwarehouse.logs import event

PORT_IN_USE = 3  # uvicorn's exit status when it cannot bind its port
STARTUP_TIMEOUT = 120.0


class ServerDidNotStart(RuntimeError):
    """The temporary Prefect server exited or did not answer in time."""


def _free_port() -> int:
    # The kernel's choice of a free port; another process may take it before uvicorn binds
    # it, which uvicorn reports with PORT_IN_USE and `ready()` answers with another port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# The health check goes to a server on this machine, never through a proxy; urllib rather
# than requests, which a quiet night would import for these few calls alone (0.1 s).
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def answers_health(api_url: str) -> bool:
    """Does the Prefect API at `api_url` answer its health check?"""
    try:
        with _LOOPBACK.open(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (OSError, HTTPException):  # refused, reset, timed out, an HTTP error status
        return False


def wait_for_health(
    api_url: Callable[[], str], deadline: float, still_starting: Callable[[], None], pause: float
) -> bool:
    """Poll the server's health check until it answers (True) or `deadline` (monotonic
    clock) passes (False); `still_starting` runs before each poll and raises once the server
    has exited. The URL is asked for each time: a restarted server has a new port."""
    while time.monotonic() < deadline:
        still_starting()
        if answers_health(api_url()):
            return True
        time.sleep(pause)
    return False


def _prefect_package_dir() -> Path:
    spec = find_spec("prefect")  # located, not imported
    if spec is None or spec.origin is None:
        raise ServerDidNotStart("the prefect package is not installed")
    return Path(spec.origin).parent


class TemporaryServer:
    """Prefect's temporary API server as a child process of this run; `ready()` waits for it
    and `stop()` (also at exit) ends it."""

    def __init__(self, timeout: float | None = None) -> None:
        # Prefect's own setting for its temporary server, which the program sets (120 s,
        # `OFFLINE_DEFAULTS`): a new Prefect home creates its database first.
        configured = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
        self.timeout = timeout or float(configured or STARTUP_TIMEOUT)
        self.started = time.monotonic()
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.respawns = 0
        self._spawn()
        atexit.register(self.stop)  # after Prefect's own exit handlers, which flush to it

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _spawn(self) -> None:
        self.port = _free_port()
        package = _prefect_package_dir()
        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(package.parent), "--factory"]
        command += ["prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--log-level", "error", "--lifespan", "on"]
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)  # the server itself talks to no other API
        self.process = subprocess.Popen(command, env=env)
        event("prefect-server", state="starting", url=self.api_url)

    def ready(self) -> None:
        """Wait until the server answers its health check."""
        if wait_for_health(lambda: self.api_url, self.started + self.timeout, self._still_starting, pause=0.05):
            event("prefect-server", state="ready", url=self.api_url, seconds=time.monotonic() - self.started)
            return
        self.stop()
        raise ServerDidNotStart(f"the temporary Prefect server did not answer within {self.timeout:.0f} s")

    def _still_starting(self) -> None:
        status = self.process.poll() if self.process else None
        # uvicorn exits 3 for any failed start-up; only a port taken since it was chosen
        # earns another port (a few times), the rest is the server's failure.
        if status == PORT_IN_USE and not _port_is_free(self.port) and self.respawns < 5:
            self.respawns += 1
            self._spawn()
        elif status is not None:
            raise ServerDidNotStart(f"the temporary Prefect server exited with status {status}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_temporary_server() -> TemporaryServer | None:
    """Start the temporary server unless the environment names a server already."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    return TemporaryServer()


@contextmanager
def serving(server: TemporaryServer | None) -> Iterator[None]:
    """Prefect pointed at the temporary server from here on: this process's settings (Prefect
    read them when imported, before the server's URL existed; its own threads, such as the
    process pool's message forwarding, read the process-wide ones) and every process started
    within (through the environment). This process's flow runs send it no heartbeats. A
    server named by Prefect's own settings (a profile, prefect.toml) wins, and the temporary
    one is stopped unused."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if server is None:
        yield
        return
    if PREFECT_API_URL.value():
        server.stop()
        yield
        return
    server.ready()
    os.environ["PREFECT_API_URL"] = server.api_url
    refresh_global_settings_context()
    # Not undone after the block: the server lives until this process exits, and Prefect's
    # log and event workers send their last batches from their exit handlers; a worker that
    # found no URL then would start a server of its own.
    # No flow run heartbeats: they tell a lasting server that a run still lives (for its
    # automations to mark crashed runs), and this one ends with the run, so nobody could ever
    # miss one. They cost the run's end a wait: it joins their thread, which sleeps in 1 s
    # steps (0.93 s of a night, py-spy). A server named by a URL keeps Prefect's default.
    with temporary_settings(updates={PREFECT_API_URL: server.api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
