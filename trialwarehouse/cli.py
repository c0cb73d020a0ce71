"""`trialwarehouse` command line. Options override TW_* environment settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from trialwarehouse.settings import Settings

# No internet here: Prefect and GX must not phone home, and the temporary Prefect
# server needs more than its default start-up time on a 2-core machine.
_OFFLINE_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _offline_environment() -> None:
    for name, value in _OFFLINE_DEFAULTS.items():
        os.environ.setdefault(name, value)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trialwarehouse")
def main() -> None:
    """trialwarehouse: clinical-trial registry records -> a DuckDB star schema with full history."""


@main.command()
@click.option("--raw-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Landing folder to load (every file below it). Default: TW_RAW_DIR or the bundled sample.")
@click.option("--warehouse", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="DuckDB warehouse file to create or update. Default: TW_WAREHOUSE or ./warehouse/trials.duckdb.")
@click.option("--report-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder for the run report. Default: TW_REPORT_DIR or 'reports' beside the warehouse.")
@click.option("--quarantine-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder for copies of refused inputs. Default: TW_QUARANTINE_DIR or 'quarantine' beside the warehouse.")
def run(raw_dir: Path | None, warehouse: Path | None, report_dir: Path | None, quarantine_dir: Path | None) -> None:
    """Run the nightly flow once: load, version and report every raw file under the landing folder.

    Exits 0 when the run completed (even with refused inputs), non-zero when the pipeline failed.
    """
    _offline_environment()
    overrides = {k: v for k, v in {"raw_dir": raw_dir, "warehouse": warehouse, "report_dir": report_dir,
                                    "quarantine_dir": quarantine_dir}.items() if v is not None}
    settings = Settings(**overrides)
    from flows.nightly import nightly  # Prefect is imported only when a flow runs
    from trialwarehouse.pipeline import WarehouseBusy
    from trialwarehouse.report import summary_lines

    try:
        summary = nightly(settings)
    except WarehouseBusy as busy:
        click.echo(f"error: {busy}", err=True)
        sys.exit(3)
    except FileNotFoundError as missing:
        click.echo(f"error: {missing}", err=True)
        sys.exit(2)
    except Exception as failure:  # the run was discarded; the warehouse is as before
        click.echo(f"error: the run failed and was rolled back: {type(failure).__name__}: {failure}", err=True)
        sys.exit(1)
    click.echo("\n".join(summary_lines(summary)))


if __name__ == "__main__":
    main()
