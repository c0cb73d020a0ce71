"""The known traps of this machine, proved: pins hold and Prefect stays offline."""

from importlib.metadata import version

from packaging.version import Version

from trialwarehouse import settings


def test_prefect_and_its_compatible_server_stack_are_pinned():
    # prefect 3.8.8 fails with fastapi >= 0.151 (import errors, 422 on filters) and with
    # sqlalchemy 2.1 (scheduler); prefect 3.9 does not resolve here.
    assert version("prefect") == "3.8.8"
    assert Version("0.139") <= Version(version("fastapi")) < Version("0.151")
    assert Version(version("sqlalchemy")) < Version("2.1")


def test_offline_defaults_are_set(monkeypatch):
    for name in settings.OFFLINE_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    settings.offline_environment()
    import os

    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
    assert int(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) >= 120
