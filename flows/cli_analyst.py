"""The operators' and analysts' commands: `status`, `accept`, `sql` and `export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flows.cli_options import fail, format_option, settings_from, warehouse_option
from trialwarehouse.settings import Settings


def _open_read_only_or_exit(settings: Settings, for_export: bool = False):
    from trialwarehouse.commands import analyst

    opener = analyst.open_for_export if for_export else analyst.open_read_only
    try:
        return opener(settings.warehouse)
    except (FileNotFoundError, analyst.NotAWarehouse, IsADirectoryError) as unreadable:
        fail(str(unreadable), 2)


@click.command(name="status")
@warehouse_option("Warehouse to describe.")
@click.option("--runs", "last", type=int, default=10, show_default=True, help="How many recent runs to list.")
def status_command(warehouse: Path | None, last: int) -> None:
    """Last runs (when, how long, counts, findings, email), data freshness, outbox and warehouse size."""
    from trialwarehouse.commands.status import status_text
    from trialwarehouse.nightly.preflight import PreflightError, check_warehouse_file

    settings = settings_from(warehouse=warehouse)
    if settings.warehouse.is_file():
        try:
            check_warehouse_file(settings.warehouse)
        except PreflightError as wrong:
            fail(str(wrong), wrong.exit_code)
    click.echo(status_text(settings, last))


@click.command(name="accept")
@click.argument("finding_ids", nargs=-1, type=int, required=True)
@click.option("--note", required=True, help="Why the finding is acceptable (kept with it).")
@warehouse_option("Warehouse holding the findings.", default="TW_WAREHOUSE")
def accept_command(finding_ids: tuple[int, ...], note: str, warehouse: Path | None) -> None:
    """Mark findings FINDING_IDS (the Id column of the report) as accepted, so they are no longer reported."""
    from trialwarehouse.commands.accept import accept_findings
    from trialwarehouse.nightly.files import WarehouseBusy

    settings = settings_from(warehouse=warehouse)
    try:
        accepted = accept_findings(settings, list(finding_ids), note)
    except WarehouseBusy as busy:
        fail(str(busy), 3)
    missing = sorted(set(finding_ids) - set(accepted))
    click.echo(
        f"accepted {len(accepted)} finding(s)" + (f"; not found or already resolved: {missing}" if missing else "")
    )
    if missing:
        sys.exit(7)


@click.command(name="sql")
@click.argument("query", required=False)
@warehouse_option("Warehouse to read.")
@format_option(["table", "csv", "json", "parquet"], "Output format; parquet needs --output.")
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
    con = _open_read_only_or_exit(settings_from(warehouse=warehouse))
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


@click.command(name="export")
@warehouse_option("Warehouse to export.")
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to write the files into (created if missing).",
)
@format_option(
    ["parquet", "csv"], "File format. Parquet splits the version history by overall_status (hive partitions)."
)
def export_command(warehouse: Path | None, target: Path, fmt: str) -> None:
    """Write every public view and table as files, plus the data dictionary, for R, pandas, Spark or a BI tool."""
    from trialwarehouse.commands import analyst
    from trialwarehouse.resources import resource_dir

    con = _open_read_only_or_exit(settings_from(warehouse=warehouse), for_export=True)
    try:
        written = analyst.export_warehouse(con, target, fmt, resource_dir("docs") / "schema.md")
    finally:
        con.close()
    click.echo(f"exported {len(written)} files to {target}")
