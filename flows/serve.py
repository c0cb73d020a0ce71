"""`trialwarehouse serve`: a persistent local Prefect server and the scheduled nightly deployment.

Prefect's temporary server cannot run schedules, so this starts `prefect server start`
bound to 127.0.0.1, waits until it answers, points the client at it and serves the
deployment with the cron schedule from the settings. Ctrl-C or SIGTERM stops the runner and
then the server, in that order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flows.prefect_server import wait_for_health
from trialwarehouse.settings import OFFLINE_DEFAULTS, Settings

DEPLOYMENT_NAME = "nightly"


class ServerNotReady(RuntimeError):
    """The Prefect server did not answer in time."""


def _prefect_executable() -> str:
    candidate = Path(sys.executable).with_name("prefect")
    return str(candidate) if candidate.exists() else "prefect"


def start_server(settings: Settings, log_file: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        **OFFLINE_DEFAULTS,
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(settings.prefect_port),
        "PREFECT_UI_ENABLED": "true",
    }
    env.pop("PREFECT_API_URL", None)  # the server itself must not try to talk to another API
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handle = log_file.open("ab")
    return subprocess.Popen(
        [_prefect_executable(), "server", "start", "--host", "127.0.0.1", "--port", str(settings.prefect_port)],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_ready(api_url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    def still_starting() -> None:
        if server.poll() is not None:
            raise ServerNotReady(f"the Prefect server exited with status {server.returncode} (see its log)")

    if not wait_for_health(lambda: api_url, time.monotonic() + timeout, still_starting, pause=0.5):
        raise ServerNotReady(f"the Prefect server at {api_url} did not answer within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _sigterm_as_interrupt(signum, frame):  # noqa: ARG001
    # systemd stops services with SIGTERM: treat it like Ctrl-C so cleanup runs.
    raise KeyboardInterrupt


def serve(settings: Settings, log=print) -> None:
    api_url = f"http://127.0.0.1:{settings.prefect_port}/api"
    server = start_server(settings, settings.warehouse.parent / "logs" / "prefect-server.log")
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        wait_until_ready(api_url, server)
        # Set before Prefect is imported in this process, or it would start its own temporary server.
        os.environ["PREFECT_API_URL"] = api_url
        from prefect.schedules import Cron

        log(f"Prefect server and UI: http://127.0.0.1:{settings.prefect_port} (runs, tasks and logs)")
        log(
            f"serving deployment trialwarehouse-nightly/{DEPLOYMENT_NAME} on '{settings.schedule}' ({settings.timezone})"
        )
        from flows.scheduled import scheduled_nightly

        scheduled_nightly.serve(
            name=DEPLOYMENT_NAME,
            schedule=Cron(settings.schedule, timezone=settings.timezone),
            pause_on_shutdown=False,
            print_starting_message=False,
        )
    except KeyboardInterrupt:
        log("stopping: the runner, then the Prefect server")
    finally:
        stop_server(server)
