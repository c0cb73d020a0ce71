"""`trialwarehouse` command line. Options override TW_* environment settings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trialwarehouse.settings import Settings, offline_environment


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trialwarehouse")
def main() -> None:
    """trialwarehouse: clinical-trial registry records -> a DuckDB star schema with full history."""


@main.command()
@click.option(
    "--raw-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Landing folder to load (every file below it). Default: TW_RAW_DIR or the bundled sample.",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="DuckDB warehouse file to create or update. Default: TW_WAREHOUSE or ./warehouse/trials.duckdb.",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the run report. Default: TW_REPORT_DIR or 'reports' beside the warehouse.",
)
@click.option(
    "--quarantine-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for copies of refused inputs. Default: TW_QUARANTINE_DIR or 'quarantine' beside the warehouse.",
)
@click.option(
    "--pull/--no-pull",
    "pull_first",
    default=None,
    help="Pull changed records from the API into the landing folder before loading. Default: TW_PULL (off).",
)
@click.option(
    "--api-url",
    default=None,
    help="API v2 base URL for --pull. Default: TW_API_URL or https://clinicaltrials.gov/api/v2.",
)
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
def run(
    raw_dir: Path | None,
    warehouse: Path | None,
    report_dir: Path | None,
    quarantine_dir: Path | None,
    pull_first: bool | None,
    api_url: str | None,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_user: str | None,
    smtp_starttls: bool | None,
    mail_from: str | None,
    mail_to: str | None,
) -> None:
    """Run the nightly flow once: (optionally pull,) load, version and report every raw file under the landing folder.

    Exits 0 when the run completed (even with refused inputs), non-zero when the pipeline failed.
    """
    offline_environment()
    settings = _settings(
        raw_dir=raw_dir,
        warehouse=warehouse,
        report_dir=report_dir,
        quarantine_dir=quarantine_dir,
        api_url=api_url,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_user=smtp_user,
        smtp_starttls=smtp_starttls,
        mail_from=mail_from,
        mail_to=mail_to,
    )
    # Arguments, paths and the writer lock are checked before Prefect starts or a run id is spent.
    from trialwarehouse.nightly.preflight import PreflightError, check_run, published_since

    try:
        checked = check_run(settings, pull_first=settings.pull if pull_first is None else pull_first)
    except PreflightError as wrong:
        click.echo(f"error: {wrong}", err=True)
        sys.exit(wrong.exit_code)
    for note in checked.notes:
        click.echo(note, err=True)
    from flows.prefect_server import start_temporary_server

    server = start_temporary_server()  # comes up while the pipeline is imported below
    from trialwarehouse.logs import configure_logging

    configure_logging(settings.warehouse.parent / "logs", settings.log_level)
    if not checked.new_warehouse:
        from trialwarehouse.nightly.catchup import report_unreported_night

        if late := report_unreported_night(settings):
            click.echo(late, err=True)
    # Prefect is imported only when a flow runs: the other commands start fast.
    from flows.nightly import with_task_runner
    from trialwarehouse.checks.runner import IntegrityError
    from trialwarehouse.nightly.files import WarehouseBusy
    from trialwarehouse.nightly.pull import PullError
    from trialwarehouse.nightly.report import summary_lines
    from trialwarehouse.nightly.task_runner import choose_task_runner

    try:
        settings = choose_task_runner(settings)
        if server is not None:
            server.ready()
        summary = with_task_runner(settings)(settings, pull_first=pull_first)
    except WarehouseBusy as busy:
        click.echo(f"error: {busy}", err=True)
        sys.exit(3)
    except FileNotFoundError as missing:
        click.echo(f"error: {missing}", err=True)
        sys.exit(2)
    except IntegrityError as broken:
        click.echo(f"error: the night's warehouse was not published: {broken}", err=True)
        sys.exit(6)
    except PullError as failed_pull:
        click.echo(f"error: pull failed, nothing was loaded: {failed_pull}", err=True)
        sys.exit(4)
    except Exception as failure:
        published = published_since(settings.warehouse, checked.last_run_logged)
        if published is not None:  # the swap happened: say so, and that the next run reports it
            click.echo(
                f"error: run {published} was published (the warehouse holds tonight's data), but its report or "
                f"email failed: {type(failure).__name__}: {failure}; the next run produces them",
                err=True,
            )
            sys.exit(9)
        # the run was discarded; the warehouse is as before
        click.echo(f"error: the run failed and was rolled back: {type(failure).__name__}: {failure}", err=True)
        sys.exit(1)
    click.echo("\n".join(summary_lines(summary)))


def _open_read_only_or_exit(settings: Settings):
    from trialwarehouse.commands import analyst

    return _open_or_exit(settings, analyst.open_read_only)


def _open_or_exit(settings: Settings, opener):
    from trialwarehouse.commands import analyst

    try:
        return opener(settings.warehouse)
    except FileNotFoundError as missing:
        click.echo(f"error: {missing}", err=True)
        sys.exit(2)
    except (analyst.NotAWarehouse, IsADirectoryError) as unreadable:
        click.echo(f"error: {unreadable}", err=True)
        sys.exit(2)


def _settings(**options) -> Settings:
    """Settings from TW_* / .env, with the command-line options that were given on top."""
    return Settings(**{k: v for k, v in options.items() if v is not None})


@main.command(name="pull")
@click.option(
    "--raw-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Landing folder to write the pulled NDJSON into. Default: TW_RAW_DIR.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Fetch studies whose last update was posted on or after this date (YYYY-MM-DD). "
    "Default: the last pull's newest last-update date minus one day, or TW_PULL_WINDOW_DAYS ago.",
)
@click.option(
    "--api-url", default=None, help="API v2 base URL. Default: TW_API_URL or https://clinicaltrials.gov/api/v2."
)
@click.option(
    "--query", default=None, help="Extra query.term (Essie syntax) to narrow the pull, e.g. 'AREA[Condition]cancer'."
)
@click.option(
    "--full",
    is_flag=True,
    default=False,
    help="Also list every NCT id the query covers, so the next load flags trials the registry no longer returns.",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Warehouse holding the pull state (for the default --since). Default: TW_WAREHOUSE.",
)
def pull_command(
    raw_dir: Path | None, since, api_url: str | None, query: str | None, full: bool, warehouse: Path | None
) -> None:
    """Fetch new and changed studies from ClinicalTrials.gov API v2 into the landing folder (resumes an unfinished pull)."""
    from trialwarehouse.nightly.pull import PullError, pull

    settings = _settings(raw_dir=raw_dir, api_url=api_url, warehouse=warehouse)
    try:
        state = pull(
            settings,
            settings.raw_dir,
            since=since.date() if since else None,
            query=query,
            full=full,
            log=lambda line: click.echo(line, err=True),
        )
    except PullError as failed:
        click.echo(f"error: {failed}", err=True)
        sys.exit(4)
    click.echo(
        f"pulled {state.studies} studies in {state.pages} pages into {settings.raw_dir / (state.data_file or '')}"
    )
    click.echo(f"  since {state.since}; API total {state.total_count}; data timestamp {state.data_timestamp}")
    if state.count_mismatch:
        click.echo(f"  WARNING: the API counted {state.total_count} studies, {state.studies} arrived", err=True)


@main.command(name="serve")
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

    settings = _settings(prefect_port=port, schedule=schedule, timezone=timezone)
    from trialwarehouse.logs import configure_logging

    configure_logging(settings.warehouse.parent / "logs", settings.log_level)
    try:
        serve(settings, log=lambda line: click.echo(line, err=True))
    except ServerNotReady as failed:
        click.echo(f"error: {failed}", err=True)
        sys.exit(8)


@main.command(name="status")
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Warehouse to describe. Default: TW_WAREHOUSE or ./warehouse/trials.duckdb.",
)
@click.option("--runs", "last", type=int, default=10, show_default=True, help="How many recent runs to list.")
def status_command(warehouse: Path | None, last: int) -> None:
    """Last runs (when, how long, counts, findings, email), data freshness, outbox and warehouse size."""
    from trialwarehouse.commands.status import status_text
    from trialwarehouse.nightly.preflight import PreflightError, check_warehouse_file

    settings = _settings(warehouse=warehouse)
    if settings.warehouse.is_file():
        try:
            check_warehouse_file(settings.warehouse)
        except PreflightError as wrong:
            click.echo(f"error: {wrong}", err=True)
            sys.exit(wrong.exit_code)
    click.echo(status_text(settings, last))


@main.command(name="accept")
@click.argument("finding_ids", nargs=-1, type=int, required=True)
@click.option("--note", required=True, help="Why the finding is acceptable (kept with it).")
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Warehouse holding the findings. Default: TW_WAREHOUSE.",
)
def accept_command(finding_ids: tuple[int, ...], note: str, warehouse: Path | None) -> None:
    """Mark findings FINDING_IDS (the Id column of the report) as accepted, so they are no longer reported."""
    from trialwarehouse.commands.accept import accept_findings
    from trialwarehouse.nightly.files import WarehouseBusy

    settings = _settings(warehouse=warehouse)
    try:
        accepted = accept_findings(settings, list(finding_ids), note)
    except WarehouseBusy as busy:
        click.echo(f"error: {busy}", err=True)
        sys.exit(3)
    missing = sorted(set(finding_ids) - set(accepted))
    click.echo(
        f"accepted {len(accepted)} finding(s)" + (f"; not found or already resolved: {missing}" if missing else "")
    )
    if missing:
        sys.exit(7)


@main.command(name="sql")
@click.argument("query", required=False)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Warehouse to read. Default: TW_WAREHOUSE or ./warehouse/trials.duckdb.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "parquet"]),
    default="table",
    show_default=True,
    help="Output format; parquet needs --output.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the result to this file instead of printing it.",
)
def sql_command(query: str | None, warehouse: Path | None, fmt: str, output: Path | None) -> None:
    """Run read-only SQL on the warehouse; without QUERY, an interactive prompt (statements end with ';').

    Statements that would write (INSERT, UPDATE, CREATE, COPY, ATTACH, ...) are refused.
    """
    con = _open_read_only_or_exit(_settings(warehouse=warehouse))
    try:
        if query is not None:
            sys.exit(_run_sql(con, query, fmt, output))
        _sql_prompt(con, fmt)
    finally:
        con.close()


def _run_sql(con, query: str, fmt: str, output: Path | None) -> int:
    from trialwarehouse.commands import analyst

    try:
        if output is not None and len(analyst.check_read_only(query)) > 1:
            raise ValueError("--output takes one statement; run the others separately")
        results = analyst.run_queries(con, query)
        texts = [analyst.write_result(result, fmt, output) for result in results]
    except analyst.WriteRefused as refused:
        click.echo(f"error: {refused}", err=True)
        return 5
    except (ValueError, Exception) as failed:  # a query error is the analyst's to fix, shown plainly
        click.echo(f"error: {failed}", err=True)
        return 1
    if output is not None:
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo("\n\n".join(t for t in texts if t is not None))
    return 0


def _sql_prompt(con, fmt: str) -> None:
    interactive = sys.stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        history = Path.home() / ".trialwarehouse_history"
        try:
            readline.read_history_file(history)
        except OSError:
            pass
        click.echo("trialwarehouse sql (read-only). End statements with ';'. Ctrl-D or .quit to leave.")
    buffer: list[str] = []
    while True:
        try:
            line = input("tw> " if not buffer else "... ") if interactive else sys.stdin.readline()
        except EOFError:
            break
        if not interactive and line == "":
            break
        if line.strip() in (".quit", ".exit", "quit", "exit") and not buffer:
            break
        buffer.append(line.rstrip("\n"))
        if line.rstrip().endswith(";"):
            _run_sql(con, "\n".join(buffer), fmt, None)
            buffer = []
    if buffer and "".join(buffer).strip():
        _run_sql(con, "\n".join(buffer), fmt, None)
    if interactive:
        readline.write_history_file(history)


@main.command(name="export")
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Warehouse to export. Default: TW_WAREHOUSE or ./warehouse/trials.duckdb.",
)
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to write the files into (created if missing).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="File format. Parquet splits the version history by overall_status (hive partitions).",
)
def export_command(warehouse: Path | None, target: Path, fmt: str) -> None:
    """Write every public view and table as files, plus the data dictionary, for R, pandas, Spark or a BI tool."""
    from trialwarehouse.commands import analyst
    from trialwarehouse.resources import resource_dir

    con = _open_or_exit(_settings(warehouse=warehouse), analyst.open_for_export)
    try:
        written = analyst.export_warehouse(con, target, fmt, resource_dir("docs") / "schema.md")
    finally:
        con.close()
    click.echo(f"exported {len(written)} files to {target}")


if __name__ == "__main__":
    main()
