"""The command line's shared pieces: each option that several commands take is defined once
here (with the help text that differs per command passed in), and so is the way options
become settings."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from trialwarehouse.settings import Settings

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

DEFAULT_API_URL = f"TW_API_URL or {Settings.model_fields['api_url'].default}"


def warehouse_option(purpose: str, default: str = "TW_WAREHOUSE or ./warehouse/trials.duckdb") -> Decorator:
    return click.option(
        "--warehouse",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=f"{purpose} Default: {default}.",
    )


def folder_option(name: str, purpose: str, default: str) -> Decorator:
    return click.option(
        name, type=click.Path(path_type=Path, file_okay=False), default=None, help=f"{purpose} Default: {default}."
    )


def api_url_option(purpose: str = "API v2 base URL.") -> Decorator:
    return click.option("--api-url", default=None, help=f"{purpose} Default: {DEFAULT_API_URL}.")


def format_option(choices: list[str], purpose: str) -> Decorator:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True, help=purpose
    )


def settings_from(**options: Any) -> Settings:
    """Settings from TW_* / .env, with the command-line options that were given on top."""
    return Settings(**{k: v for k, v in options.items() if v is not None})


def fail(message: str, exit_code: int) -> NoReturn:
    """One line on stderr and the documented exit status (README, Reliability)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(exit_code)
