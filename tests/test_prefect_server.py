"""The run's own temporary Prefect server (`flows.prefect_server`): spawned without importing
Prefect's server, answering on 127.0.0.1, moved to another port when its port is taken, and
left unused when Prefect's settings name a server."""

import socket

import pytest
import requests

from flows import prefect_server


@pytest.fixture
def prefect_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return tmp_path / "prefect"


@pytest.mark.prefect
def test_a_taken_port_moves_the_server_to_another(prefect_home, monkeypatch):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = [taken.getsockname()[1]]  # the first port offered is in use: uvicorn exits 3
        free_port = prefect_server._free_port
        monkeypatch.setattr(prefect_server, "_free_port", lambda: ports.pop() if ports else free_port())
        server = prefect_server.TemporaryServer()
        try:
            server.ready()
            assert server.port != taken.getsockname()[1]
            assert requests.get(f"{server.api_url}/health", timeout=5).json() is True
            assert server.api_url.startswith("http://127.0.0.1:")
        finally:
            server.stop()
    assert server.process is None


@pytest.mark.prefect
def test_a_server_named_by_prefect_settings_wins(prefect_home):
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    server = prefect_server.TemporaryServer()
    process = server.process
    configured = "http://127.0.0.1:9/api"  # as a profile or prefect.toml would name it
    with temporary_settings(updates={PREFECT_API_URL: configured}):
        heartbeats = PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value()
        with prefect_server.serving(server):
            assert PREFECT_API_URL.value() == configured
            # A lasting server's automations may watch heartbeats: they are left as they were.
            assert heartbeats is not None and PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() == heartbeats
    assert process is not None and process.poll() is not None  # the spawned server was stopped
    assert server.process is None


@pytest.mark.prefect
def test_serving_points_this_process_its_threads_and_its_children_at_the_server(prefect_home):
    import os
    import threading

    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY

    server = prefect_server.TemporaryServer()
    seen_by_a_thread = []
    try:
        with prefect_server.serving(server):
            assert PREFECT_API_URL.value() == server.api_url
            # Nobody outlives this server to watch a flow run's heartbeats: none are sent.
            assert PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() is None
            assert os.environ["PREFECT_API_URL"] == server.api_url  # inherited by worker processes
            # A thread starts without this context's settings (the process pool's message
            # forwarding did, and started a second server): it reads the process-wide ones.
            thread = threading.Thread(target=lambda: seen_by_a_thread.append(PREFECT_API_URL.value()))
            thread.start()
            thread.join()
            assert seen_by_a_thread == [server.api_url]
            assert prefect_server.start_temporary_server() is None  # nothing starts another
    finally:
        server.stop()
        os.environ.pop("PREFECT_API_URL", None)  # other tests of this worker process
        refresh_global_settings_context()
