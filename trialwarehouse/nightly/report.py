"""The curators' report for a run: a summary first, then the findings in triage order,
grouped by trial; a CSV of every open finding; a plain-text version; PNG charts.

Written for real mail clients, which drop `<style>` blocks and `<svg>`: every style is an
inline attribute, and charts are PNG images (a `data:` URI in the report file, a `cid:`
part in the email, see `trialwarehouse.messages`). At registry scale (100,000 findings on a
first night) the page stays small: it shows the summary and the first trials in triage
order, and the full list is in the CSV.

Everything that comes from records (titles, messages, sponsors, file names) is HTML-escaped.
A `Portfolio` narrows everything (counts, charts, triage, CSV) to the trials a curator
follows; its values are bound as SQL parameters, and its clauses come from an allowlist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from trialwarehouse import warehouse
from trialwarehouse.logs import Progress, event
from trialwarehouse.nightly.report_charts import charts, data_uri, findings_chart_png, trend_chart_png
from trialwarehouse.nightly.report_csv import write_findings_csv, write_sponsor_counts_csv
from trialwarehouse.nightly.report_data import (
    CHECK_WEIGHT,
    EVERYTHING,
    FILTER_FIELDS,
    MAX_FINDINGS_IN_PAGE,
    MAX_TRIALS_IN_PAGE,
    SEVERITIES,
    SEVERITY_ORDER,
    Portfolio,
    ReportData,
    ReportedFindings,
    read_report_data,
)
from trialwarehouse.nightly.report_render import (
    Rendering,
    artifact_markdown,
    email_subject,
    headline,
    render_html,
    render_text,
    summary_lines,
    trial_url,
)
from trialwarehouse.nightly.results import RunSummary

# The report's public face: its data, charts and words live in report_data, report_charts
# and report_render; callers use them through this module.
__all__ = [
    "CHECK_WEIGHT",
    "EVERYTHING",
    "FILTER_FIELDS",
    "MAX_FINDINGS_IN_PAGE",
    "MAX_TRIALS_IN_PAGE",
    "Portfolio",
    "Rendering",
    "ReportData",
    "ReportedFindings",
    "ReportFiles",
    "SEVERITIES",
    "SEVERITY_ORDER",
    "artifact_markdown",
    "charts",
    "data_uri",
    "email_subject",
    "findings_chart_png",
    "headline",
    "read_report_data",
    "render_html",
    "render_text",
    "summary_lines",
    "trend_chart_png",
    "trial_url",
    "page_link",
    "where_files",
    "write_findings_csv",
    "write_run_report",
    "write_sponsor_counts_csv",
]

# ---------------------------------------------------------------- files


@dataclass
class ReportFiles:
    html: Path
    csv: Path  # every reported finding
    new_csv: Path  # tonight's NEW findings only
    text: str
    validation: Path | None
    data: ReportData | None = None  # what the page shows (every finding, no portfolio)
    charts: dict[str, bytes] = field(default_factory=dict)  # chart name -> PNG


def page_link(report_url: str | None, page: Path) -> str:
    """Where the report page opens: under TW_REPORT_URL when set, else the file itself.
    The warehouse path may be relative (`make run` uses warehouse/trials.duckdb), and a
    file URI must be absolute."""
    if report_url:
        return f"{report_url.rstrip('/')}/{page.name}"
    return page.resolve().as_uri()


def where_files(report_url: str | None) -> str:
    """Where a reader finds the report folder, without naming a local path."""
    if report_url:
        return f"at {report_url.rstrip('/')}/"
    return "in the reports folder beside the warehouse, on the warehouse server"


def write_run_report(
    summary: RunSummary,
    report_dir: Path,
    validation_json: dict | None = None,
    memory_limit: str | None = None,
    report_url: str | None = None,
) -> ReportFiles:
    """Write the HTML report, the findings CSVs, the GX validation results and a JSON
    summary. `memory_limit` caps DuckDB while it sorts the findings for the CSVs (a million
    rows on a first full load): beyond it, the sort spills to disk. `report_url`: where the
    report folder is published, for links."""
    report_dir.mkdir(parents=True, exist_ok=True)
    stem = f"run-{summary.run_id:06d}"
    csv_path, new_csv_path = report_dir / f"{stem}-findings.csv", report_dir / f"{stem}-new-findings.csv"
    progress = Progress("report", summary.run_id, 3, unit="parts")
    con = warehouse.connect(Path(summary.warehouse), read_only=True, memory_limit=memory_limit)
    try:
        with ReportedFindings(con) as reported:
            data = read_report_data(con, summary.run_id, reported=reported)
            write_findings_csv(con, csv_path, reported=reported)
            write_findings_csv(con, new_csv_path, only_new=True, reported=reported)
            write_sponsor_counts_csv(con, report_dir / f"{stem}-sponsors.csv", reported=reported)
    finally:
        con.close()
    progress.advance()  # the data and the CSV files
    validation_path = None
    if validation_json:
        validation_path = report_dir / f"{stem}.gx-validation.json"
        validation_path.write_text(json.dumps(validation_json, indent=1, default=str), encoding="utf-8")
    pngs = charts(data)
    progress.advance()
    page = report_dir / f"{stem}.html"
    summary.report = str(page)
    how = Rendering(
        csv_name=csv_path.name,
        where_files="beside this report",
        chart_src={name: data_uri(png) for name, png in pngs.items()},
        attached=False,
        validation_name=validation_path.name if validation_path else None,
        standalone=True,
    )
    page.write_text(render_html(summary, data, how), encoding="utf-8")
    (report_dir / f"{stem}.json").write_text(json.dumps(summary.as_dict(), indent=2, default=str), encoding="utf-8")
    progress.advance()
    progress.done()
    event(
        "report",
        summary.run_id,
        html=page,
        kb=round(page.stat().st_size / 1000),
        findings=data.total_open,
        new=data.total_new,
        trials=data.trials_affected,
        status_changes=data.status_changes_total,
    )
    text_how = Rendering(csv_name=csv_path.name, where_files=where_files(report_url), attached=False)
    return ReportFiles(page, csv_path, new_csv_path, render_text(summary, data, text_how), validation_path, data, pngs)
