"""The nightly commands: `run` (one night now), `pull` (the API alone) and `serve` (the
scheduled deployment). Prefect is imported only once a flow is about to run."""

from __future__ import annotations

from pathlib import Path

import click

from flows.cli_options import api_url_option, fail, folder_option, settings_from, warehouse_option
from trialwarehouse.settings import offline_environment


@click.command()
@folder_option("--raw-dir", "Landing folder to load (every file below it).", "TW_RAW_DIR or the bundled sample")
@warehouse_option("DuckDB warehouse file to create or update.")
@folder_option("--report-dir", "Folder for the run report.", "TW_REPORT_DIR or 'reports' beside the warehouse")
@folder_option(
    "--quarantine-dir",
    "Folder for copies of refused inputs.",
    "TW_QUARANTINE_DIR or 'quarantine' beside the warehouse",
)
@click.option(
    "--pull/--no-pull",
    "pull_first",
    default=None,
    help="Pull changed records from the API into the landing folder before loading. Default: TW_PULL (off).",
)
@api_url_option("API v2 base URL for --pull.")
@click.option(
    "--smtp-host",
    default=None,
    help="SMTP server for the curators' email. Default: TW_SMTP_HOST (unset: the email waits in the outbox).",
)
@click.option("--smtp-port", type=int, default=None, help="SMTP port. Default: TW_SMTP_PORT or 25.")
@click.option("--smtp-user", default=None, help="SMTP login; the password is read from TW_SMTP_PASSWORD only.")
@click.option("--smtp-starttls/--no-smtp-starttls", default=None, help="Use STARTTLS. Default: TW_SMTP_STARTTLS (off).")
@click.option("--mail-from", default=None, help="Sender address. Default: TW_MAIL_FROM.")
@click.option("--mail-to", default=None, help="Curators' addresses, comma-separated. Default: TW_MAIL_TO.")
def run(pull_first: bool | None, **options) -> None:
    """Run the nightly flow once: (optionally pull,) load, version and report every raw file under the landing folder.

    Exits 0 when the run completed (even with refused inputs), non-zero when the pipeline failed.
    """
    offline_environment()
    settings = settings_from(**options)
    # The same entry as the scheduled deployment: arguments, paths and the writer lock are
    # checked before Prefect starts or a run id is spent, then an unreported night is caught up.
    from flows.entry import run_guarded
    from trialwarehouse.nightly.entry import NightFailed

    try:
        summary = run_guarded(settings, pull_first, say=lambda line: click.echo(line, err=True))
    except NightFailed as failed:
        fail(failed.message, failed.exit_code)
    from trialwarehouse.nightly.report import summary_lines

    click.echo("\n".join(summary_lines(summary)))


@click.command(name="pull")
@folder_option("--raw-dir", "Landing folder to write the pulled NDJSON into.", "TW_RAW_DIR")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Fetch studies whose last update was posted on or after this date (YYYY-MM-DD). "
    "Default: the last pull's newest last-update date minus one day, or TW_PULL_WINDOW_DAYS ago.",
)
@api_url_option()
@click.option(
    "--query", default=None, help="Extra query.term (Essie syntax) to narrow the pull, e.g. 'AREA[Condition]cancer'."
)
@click.option(
    "--full",
    is_flag=True,
    default=False,
    help="Also list every NCT id the query covers, so the next load flags trials the registry no longer returns.",
)
@warehouse_option("Warehouse holding the pull state (for the default --since).", default="TW_WAREHOUSE")
def pull_command(
    raw_dir: Path | None, since, api_url: str | None, query: str | None, full: bool, warehouse: Path | None
) -> None:
    """Fetch new and changed studies from ClinicalTrials.gov API v2 into the landing folder (resumes an unfinished pull)."""
    from trialwarehouse.logs import live_progress
    from trialwarehouse.nightly.pull import PullError, pull

    settings = settings_from(raw_dir=raw_dir, api_url=api_url, warehouse=warehouse)
    try:
        with live_progress():
            state = pull(
                settings,
                settings.raw_dir,
                since=since.date() if since else None,
                query=query,
                full=full,
                log=lambda line: click.echo(line, err=True),
            )
    except PullError as failed:
        fail(str(failed), 4)
    click.echo(
        f"pulled {state.studies} studies in {state.pages} pages into {settings.raw_dir / (state.data_file or '')}"
    )
    click.echo(f"  since {state.since}; API total {state.total_count}; data timestamp {state.data_timestamp}")
    if state.count_mismatch:
        click.echo(f"  WARNING: the API counted {state.total_count} studies, {state.studies} arrived", err=True)


@click.command(name="serve")
@click.option(
    "--port",
    type=int,
    default=None,
    help="Port of the local Prefect server and UI (127.0.0.1). Default: TW_PREFECT_PORT or 4200.",
)
@click.option("--schedule", default=None, help="Cron schedule of the nightly run. Default: TW_SCHEDULE or '0 2 * * *'.")
@click.option("--timezone", default=None, help="Time zone of the schedule. Default: TW_TIMEZONE or UTC.")
def serve_command(port: int | None, schedule: str | None, timezone: str | None) -> None:
    """Start a persistent Prefect server on 127.0.0.1 and serve the scheduled nightly deployment (Ctrl-C stops both)."""
    offline_environment()
    from flows.serve import ServerNotReady, serve
    from trialwarehouse.logs import configure_logging

    settings = settings_from(prefect_port=port, schedule=schedule, timezone=timezone)
    configure_logging(settings.warehouse.parent / "logs", settings.log_level)
    try:
        serve(settings, log=lambda line: click.echo(line, err=True))
    except ServerNotReady as failed:
        fail(str(failed), 8)
