"""`trialwarehouse` command line. Options override TW_* environment settings.

The commands live by audience: the nightly ones in `flows.cli_night`, the operators' and
analysts' in `flows.cli_analyst`; options several commands share in `flows.cli_options`."""

from __future__ import annotations

import click

from flows.cli_analyst import accept_command, export_command, sql_command, status_command
from flows.cli_night import pull_command, run, serve_command
from flows.process_exit import run_then_end


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trialwarehouse")
def main() -> None:
    """trialwarehouse: clinical-trial registry records -> a DuckDB star schema with full history."""


for command in (run, pull_command, serve_command, status_command, accept_command, sql_command, export_command):
    main.add_command(command)


def entry() -> None:
    """The installed `trialwarehouse` script: the commands, and the process's quick end."""
    run_then_end(main)


if __name__ == "__main__":
    entry()
