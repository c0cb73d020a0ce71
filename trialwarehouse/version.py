"""The installed trialwarehouse version, recorded with every run and sent as User-Agent."""

from importlib.metadata import PackageNotFoundError, version


def software_version() -> str:
    try:
        return version("trialwarehouse")
    except PackageNotFoundError:
        return "unknown"
