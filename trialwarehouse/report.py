"""The curators' report for a run: one self-contained HTML page (inline CSS and SVG, no
external scripts, styles or fonts), a CSV of open findings, and a plain-text summary.

Everything that comes from records (titles, messages, file names) is HTML-escaped.
"""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.csvsafe import neutralized_query
from trialwarehouse.logs import event
from trialwarehouse.pipeline import RunSummary

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_COLOUR = {"error": "#a4161a", "warning": "#b35c00", "info": "#2b5d8a"}
MAX_ROWS_IN_PAGE = 300
MAX_NEW_IN_TEXT = 100


@dataclass
class ReportData:
    """What the report shows, read from the published warehouse. Lists are the first rows
    in report order; the totals count everything (the CSVs hold every row)."""

    findings: list[dict] = field(default_factory=list)  # NEW then OPEN, not accepted: the page's rows
    new_findings: list[dict] = field(default_factory=list)  # NEW ones: the plain-text part's rows
    total_open: int = 0  # NEW and OPEN, not accepted
    total_new: int = 0
    total_errors: int = 0
    resolved_tonight: int = 0
    counts: list[tuple] = field(default_factory=list)  # (check, severity, new, open)
    status_changes: list[tuple] = field(default_factory=list)
    trend: list[tuple] = field(default_factory=list)  # (run_id, open findings after that run)
    explanations: dict[str, str] = field(default_factory=dict)
    freshness: dict = field(default_factory=dict)


_REPORTED = "FROM v_dq_findings WHERE state IN ('NEW', 'OPEN') AND NOT accepted"
# NEW first, then errors before warnings before info, then by check and trial.
_REPORT_ORDER = (
    "ORDER BY state <> 'NEW', CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 WHEN 'info' THEN 2 ELSE 9 END, "
    '"check", nct_id, rule'
)
_FINDING_COLUMNS = [
    "finding_key",
    "nct_id",
    "check",
    "rule",
    "severity",
    "message",
    "evidence",
    "state",
    "first_seen_run",
]


def _finding_rows(con: duckdb.DuckDBPyConnection, where: str, limit: int) -> list[dict]:
    rows = con.execute(
        f'SELECT finding_key, nct_id, "check", rule, severity, message, evidence, state, first_seen_run '
        f"{_REPORTED} {where} {_REPORT_ORDER} LIMIT ?",
        [limit],
    ).fetchall()
    return [dict(zip(_FINDING_COLUMNS, r, strict=True)) for r in rows]


def read_report_data(con: duckdb.DuckDBPyConnection, run_id: int) -> ReportData:
    data = ReportData()
    data.findings = _finding_rows(con, "", MAX_ROWS_IN_PAGE)
    data.new_findings = _finding_rows(con, "AND state = 'NEW'", MAX_NEW_IN_TEXT)
    data.total_open, data.total_new, data.total_errors = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE state = 'NEW'), count(*) FILTER (WHERE severity = 'error') {_REPORTED}"
    ).fetchall()[0]
    data.resolved_tonight = con.execute(
        "SELECT count(*) FROM dq_finding WHERE resolved_run_id = ?", [run_id]
    ).fetchall()[0][0]
    data.counts = con.execute(
        f"""
        SELECT "check", severity, count(*) FILTER (WHERE state = 'NEW'), count(*)
        {_REPORTED}
        GROUP BY ALL ORDER BY 4 DESC, 1, 2
        """
    ).fetchall()
    data.status_changes = con.execute(
        """
        SELECT nct_id, old_value, new_value, changed_between FROM v_trial_changes
        WHERE field = 'overall_status' AND detected_in_run = ? ORDER BY nct_id
        """,
        [run_id],
    ).fetchall()
    # Open after run r = findings first seen by r or earlier, minus those resolved by then:
    # two grouped counts and a running sum, whatever the number of findings.
    data.trend = con.execute(
        """
        WITH opened AS (SELECT first_seen_run_id AS run_id, count(*) AS n FROM dq_finding GROUP BY 1),
        closed AS (SELECT resolved_run_id AS run_id, count(*) AS n FROM dq_finding WHERE resolved_run_id IS NOT NULL GROUP BY 1),
        open_after AS (
            SELECT r.run_id, r.status,
                   sum(coalesce(o.n, 0) - coalesce(c.n, 0)) OVER (ORDER BY r.run_id) AS open_findings
            FROM etl_run AS r LEFT JOIN opened AS o USING (run_id) LEFT JOIN closed AS c USING (run_id)
        ),
        last_runs AS (SELECT run_id, open_findings FROM open_after WHERE status = 'completed' ORDER BY run_id DESC LIMIT 30)
        SELECT run_id, open_findings FROM last_runs ORDER BY run_id
        """
    ).fetchall()
    data.explanations = dict(con.execute("SELECT check_name, explanation FROM dq_check").fetchall())
    row = con.execute(
        """
        SELECT max(last_update_posted_date), max(last_capture_date),
               (SELECT data_timestamp FROM etl_pull ORDER BY finished_at DESC LIMIT 1)
        FROM fct_trial_version
        """
    ).fetchall()[0]
    data.freshness = {"newest_last_update": row[0], "newest_capture": row[1], "api_data_timestamp": row[2]}
    return data


def write_findings_csv(con: duckdb.DuckDBPyConnection, path: Path, only_new: bool = False) -> Path:
    """Every reported finding (or tonight's NEW ones) as CSV, in report order, written by
    DuckDB straight from the warehouse: a million findings never pass through Python."""
    only = " AND state = 'NEW'" if only_new else ""
    query = (
        'SELECT finding_key AS finding_id, state, severity, "check", rule, nct_id, registry_url, message, evidence, '
        f"first_seen_run {_REPORTED}{only} {_REPORT_ORDER}"
    )
    # Curators open it in a spreadsheet: record text must not start a formula there.
    query = neutralized_query(
        query, ["state", "severity", "check", "rule", "nct_id", "registry_url", "message", "evidence"]
    )
    # COPY takes no bound parameters: the target is our own report path, quoted.
    target = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"COPY ({query}) TO {target} (FORMAT csv, HEADER)").fetchall()
    return path


def summary_lines(summary: RunSummary) -> list[str]:
    """The one-screen summary printed after a run."""
    i, p = summary.ingest, summary.publish
    lines = [
        f"run {summary.run_id}: {summary.status} in {summary.seconds:.1f} s",
        f"  warehouse:   {summary.warehouse}",
        f"  report:      {summary.report}",
        f"  files:       {i.files_seen} seen, {i.files_loaded} loaded, {i.files_unchanged} unchanged, "
        f"{i.files_quarantined} quarantined",
        f"  records:     {i.records_seen} read, {i.records_loaded} loaded, {i.records_rejected} rejected",
        f"  trials:      {p.trials_new} new, {p.trials_changed} changed, {p.trials_unchanged} unchanged "
        f"({p.versions_added} versions added)",
    ]
    if summary.quality is not None:
        q = summary.quality
        severities = ", ".join(
            f"{n} {s}" for s, n in sorted(q.by_severity.items(), key=lambda x: SEVERITY_ORDER.get(x[0], 9))
        )
        lines.append(
            f"  findings:    {q.findings_new} new, {q.findings_open} open ({severities or 'none'}), "
            f"{q.findings_resolved} resolved; {q.evaluated_trials} trials checked"
        )
    if summary.email:
        lines.append(f"  email:       {summary.email}")
    if i.formats:
        lines.append("  formats:     " + ", ".join(f"{fmt} {n}" for fmt, n in sorted(i.formats.items())))
    for item in summary.quarantined[:10]:
        where = item["path"] + (f"!{item['member']}" if item["member"] else "")
        lines.append(f"  quarantined: {where}: {item['reason']}")
    if len(summary.quarantined) > 10:
        lines.append(f"  ... and {len(summary.quarantined) - 10} more (see the report)")
    return lines


def email_subject(summary: RunSummary) -> str:
    q = summary.quality
    if q is None:
        return f"[trialwarehouse] run {summary.run_id} completed"
    errors, warnings = q.by_severity.get("error", 0), q.by_severity.get("warning", 0)
    return (
        f"[trialwarehouse] run {summary.run_id}: {q.findings_new} new findings "
        f"({q.findings_open} open: {errors} errors, {warnings} warnings)"
    )


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _row(cells: list[object], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{_e(c)}</{tag}>" for c in cells) + "</tr>"


def _trial_link(nct_id: str) -> str:
    url = "https://clinicaltrials.gov/study/" + nct_id
    return f'<a href="{_e(url)}">{_e(nct_id)}</a>'


def bar_chart_svg(items: list[tuple[str, int]], width: int = 560) -> str:
    """Horizontal bars, one per label; inline SVG that renders in mail clients that allow it."""
    if not items:
        return "<p>No open findings.</p>"
    bar_height, label_width = 18, 230
    top = max(n for _, n in items) or 1
    height = bar_height * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Open findings by check">'
    ]
    for index, (label, count) in enumerate(items):
        y = 5 + index * bar_height
        length = max(1, int((width - label_width - 50) * count / top))
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" font-size="12" text-anchor="end">{_e(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{length}" height="{bar_height - 5}" fill="#4a7ab5"/>')
        parts.append(f'<text x="{label_width + length + 4}" y="{y + 13}" font-size="12">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(points: list[tuple[int, int]], width: int = 560, height: int = 140) -> str:
    if len(points) < 2:
        return "<p>The trend appears after the second run.</p>"
    top = max(n for _, n in points) or 1
    step = (width - 60) / (len(points) - 1)
    coords = [(40 + i * step, height - 25 - (height - 45) * n / top) for i, (_, n) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    labels = "".join(
        f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{run}</text>'
        for (run, _), (x, _) in zip(points, coords, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Open findings over the last runs">'
        f'<text x="4" y="14" font-size="11">{top}</text><text x="4" y="{height - 25}" font-size="11">0</text>'
        f'<polyline fill="none" stroke="#4a7ab5" stroke-width="2" points="{path}"/>{labels}</svg>'
    )


def render_html(
    summary: RunSummary, data: ReportData, csv_name: str, validation_name: str | None, docs_name: str | None = None
) -> str:
    i, p = summary.ingest, summary.publish
    headline = (
        f"Run {summary.run_id}: {p.trials_new} new and {p.trials_changed} changed trials; "
        f"{data.total_new} new findings, {data.total_open} open ({data.total_errors} errors), "
        f"{data.resolved_tonight} resolved."
    )
    counts_rows = "".join(
        _row([check, severity, new_count, total]) for check, severity, new_count, total in data.counts
    )
    by_check: dict[str, int] = {}
    for check, _, _, total in data.counts:
        by_check[check] = by_check.get(check, 0) + total
    finding_rows = []
    for finding in data.findings[:MAX_ROWS_IN_PAGE]:
        colour = SEVERITY_COLOUR.get(finding["severity"], "#333")
        finding_rows.append(
            "<tr>"
            f"<td>{_e(finding['state'])}</td>"
            f'<td style="color:{colour}"><b>{_e(finding["severity"])}</b></td>'
            f"<td>{_e(finding['check'])}</td>"
            f"<td>{_trial_link(finding['nct_id']) if finding['nct_id'].startswith('NCT') else _e(finding['nct_id'])}</td>"
            f"<td>{_e(finding['message'])}</td>"
            f"<td>{_e(finding['finding_key'])}</td>"
            "</tr>"
        )
    more = data.total_open - len(data.findings)
    changes = "".join(
        f"<tr><td>{_trial_link(n)}</td><td>{_e(old)}</td><td>{_e(new_value)}</td><td>{_e(between)}</td></tr>"
        for n, old, new_value, between in data.status_changes
    )
    quarantine_rows = "".join(
        _row([x["path"], x["member"], x["record_index"], x["reason"]]) for x in summary.quarantined
    )
    explanations = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in sorted(data.explanations.items()))
    fresh = data.freshness
    validation = (
        f"Great Expectations validation results for this run: <code>{_e(validation_name)}</code> "
        "(JSON, next to this report)."
        if validation_name
        else ""
    )
    if summary.quality is not None and not getattr(summary.quality, "validated", True):
        validation = (
            "No record was loaded and no check changed tonight, so there was nothing to validate: "
            "Great Expectations did not run, and the findings above are the ones still open."
        )
    if docs_name:
        validation += (
            f" GX Data Docs: <code>{_e(docs_name)}/index.html</code>, next to this report "
            "(its pages load their styles from the internet; offline they show unstyled)."
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>trialwarehouse run {summary.run_id}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 1.5em; color: #222; max-width: 1100px; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; font-size: 13px; }}
th {{ background: #f2f2f2; }}
.headline {{ font-size: 16px; padding: 8px; background: #f5f7fa; border-left: 4px solid #4a7ab5; }}
</style></head><body>
<h1>trialwarehouse: run {summary.run_id}</h1>
<p class="headline">{_e(headline)}</p>
<p>Loaded {i.records_loaded} records from {i.files_loaded} new files ({i.files_unchanged} unchanged,
{i.files_quarantined} quarantined) in {summary.seconds:.1f} s. Newest last update posted: {_e(fresh.get("newest_last_update"))};
newest capture: {_e(fresh.get("newest_capture"))}; registry data timestamp: {_e(fresh.get("api_data_timestamp") or "no API pull yet")}.</p>
<h2>Findings by check</h2>
{bar_chart_svg(sorted(by_check.items(), key=lambda x: -x[1]))}
<table>{_row(["Check", "Severity", "New", "Open"], "th")}{counts_rows}</table>
<h2>Open findings over the last runs</h2>
{trend_svg(data.trend)}
<h2>Findings, new first ({data.total_open})</h2>
<table>{_row(["State", "Severity", "Check", "Trial", "What is wrong", "Id"], "th")}{"".join(finding_rows)}</table>
{f"<p>{more} more in the attached CSV ({_e(csv_name)}).</p>" if more > 0 else f"<p>All open findings are also in {_e(csv_name)}.</p>"}
<p>To stop reporting a finding you have checked: <code>trialwarehouse accept ID --note "why"</code>.</p>
<h2>Status changes detected tonight ({len(data.status_changes)})</h2>
<table>{_row(["Trial", "From", "To", "Between"], "th")}{changes}</table>
<h2>Quarantined inputs ({len(summary.quarantined)})</h2>
<table>{_row(["File", "Member", "Record", "Reason"], "th")}{quarantine_rows}</table>
<h2>The checks</h2>
<ul>{explanations}</ul>
<p>{validation} Warehouse: <code>{_e(summary.warehouse)}</code>.</p>
</body></html>
"""


def render_text(summary: RunSummary, data: ReportData) -> str:
    lines = summary_lines(summary) + ["", "New findings:"]
    for finding in data.new_findings:
        lines.append(f"  [{finding['severity']}] {finding['check']} {finding['nct_id']}: {finding['message']}")
    if data.total_new > len(data.new_findings):
        lines.append(f"  ... {data.total_new - len(data.new_findings)} more in the findings CSV")
    if not data.total_new:
        lines.append("  none")
    lines += ["", f"Status changes tonight: {len(data.status_changes)}"]
    lines += [f"  {n}: {old} -> {new_value} ({between})" for n, old, new_value, between in data.status_changes[:50]]
    return "\n".join(lines) + "\n"


@dataclass
class ReportFiles:
    html: Path
    csv: Path  # every reported finding
    new_csv: Path  # tonight's NEW findings only
    text: str
    validation: Path | None


def write_run_report(
    summary: RunSummary, report_dir: Path, validation_json: dict | None = None, memory_limit: str | None = None
) -> ReportFiles:
    """Write the HTML report, the findings CSV, the GX validation results and a JSON summary.
    `memory_limit` caps DuckDB while it sorts the findings for the CSVs (a million rows on a
    first full load): beyond it, the sort spills to disk."""
    report_dir.mkdir(parents=True, exist_ok=True)
    stem = f"run-{summary.run_id:06d}"
    csv_path, new_csv_path = report_dir / f"{stem}-findings.csv", report_dir / f"{stem}-new-findings.csv"
    con = warehouse.connect(Path(summary.warehouse), read_only=True, memory_limit=memory_limit)
    try:
        data = read_report_data(con, summary.run_id)
        write_findings_csv(con, csv_path)
        write_findings_csv(con, new_csv_path, only_new=True)
    finally:
        con.close()
    validation_path = None
    if validation_json:
        validation_path = report_dir / f"{stem}.gx-validation.json"
        validation_path.write_text(json.dumps(validation_json, indent=1, default=str), encoding="utf-8")
    docs_name = None
    docs_source = getattr(summary.quality, "data_docs_dir", None)
    if docs_source and Path(docs_source).is_dir():
        docs_name = f"{stem}-gx-data-docs"
        shutil.copytree(docs_source, report_dir / docs_name, dirs_exist_ok=True)
    page = report_dir / f"{stem}.html"
    summary.report = str(page)
    page.write_text(
        render_html(summary, data, csv_path.name, validation_path.name if validation_path else None, docs_name),
        encoding="utf-8",
    )
    (report_dir / f"{stem}.json").write_text(json.dumps(summary.as_dict(), indent=2, default=str), encoding="utf-8")
    event("report", summary.run_id, html=page, findings=data.total_open, status_changes=len(data.status_changes))
    return ReportFiles(page, csv_path, new_csv_path, render_text(summary, data), validation_path)
