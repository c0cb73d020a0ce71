"""The report in words: the command line's summary, the subject, the HTML page (inline styles
only, for real mail clients), the plain text and the Prefect artifact. Everything that comes
from records is HTML-escaped."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from trialwarehouse.nightly.report_data import (
    CHECK_WEIGHT,
    MAX_FINDINGS_IN_TEXT,
    MAX_QUARANTINED_IN_PAGE,
    SEVERITIES,
    SEVERITY_COLOUR,
    SEVERITY_ORDER,
    ReportData,
)
from trialwarehouse.nightly.results import RunSummary
from trialwarehouse.warehouse import REGISTRY_STUDY_URL

# ---------------------------------------------------------------- words


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


def _severities(by_severity: dict[str, int]) -> str:
    parts = []
    for severity in SEVERITIES:
        n = by_severity.get(severity, 0)
        if n:
            parts.append(f"{n:,} {severity}{'s' if n != 1 and severity != 'info' else ''}")
    return ", ".join(parts) or "none"


def headline(summary: RunSummary, data: ReportData) -> str:
    """The summary line: the first thing the page, the email and the text say."""
    scope = "" if data.portfolio.is_everything else f" ({data.portfolio.name})"
    if data.nothing_new:
        return (
            f"Run {summary.run_id}{scope}: nothing new tonight. {data.total_open:,} findings still open "
            f"in {data.trials_affected:,} trials ({_severities(data.by_severity)}); "
            f"{data.resolved_tonight:,} resolved tonight."
        )
    return (
        f"Run {summary.run_id}{scope}: {data.total_new:,} new findings tonight; {data.total_open:,} open "
        f"in {data.trials_affected:,} trials ({_severities(data.by_severity)}); "
        f"{data.resolved_tonight:,} resolved tonight."
    )


def email_subject(summary: RunSummary, data: ReportData | None = None) -> str:
    scope = "" if data is None or data.portfolio.is_everything else f" [{data.portfolio.name}]"
    if data is not None:
        if data.nothing_new:
            return f"[trialwarehouse] run {summary.run_id}{scope}: nothing new ({data.total_open:,} open)"
        errors, warnings = data.by_severity.get("error", 0), data.by_severity.get("warning", 0)
        return (
            f"[trialwarehouse] run {summary.run_id}{scope}: {data.total_new:,} new findings "
            f"({data.total_open:,} open: {errors:,} errors, {warnings:,} warnings)"
        )
    q = summary.quality
    if q is None:
        return f"[trialwarehouse] run {summary.run_id} completed"
    errors, warnings = q.by_severity.get("error", 0), q.by_severity.get("warning", 0)
    return (
        f"[trialwarehouse] run {summary.run_id}: {q.findings_new} new findings "
        f"({q.findings_open} open: {errors} errors, {warnings} warnings)"
    )


# ---------------------------------------------------------------- HTML, inline styles only


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


# Legacy table attributes (border, cellpadding) keep the grid in clients that drop CSS too.
_TABLE = (
    '<table border="1" cellpadding="4" cellspacing="0" '
    'style="border-collapse:collapse;border:1px solid #bbbbbb;margin:4px 0 16px 0;font-size:13px">'
)
_TH = '<th align="left" style="background:#eef1f5;border:1px solid #bbbbbb">'
_H2 = '<h2 style="font-size:17px;margin:22px 0 6px 0;color:#1f3b73">'
_BODY = '<body style="font-family:Arial,Helvetica,sans-serif;color:#222222;margin:16px;max-width:1100px">'


def _table(header: list[str], rows: list[str]) -> str:
    return _TABLE + "<tr>" + "".join(f"{_TH}{_e(h)}</th>" for h in header) + "</tr>" + "".join(rows) + "</table>"


def _row(cells: list[object]) -> str:
    return "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>"


def _num(n: object) -> str:
    return f'<td align="right">{n:,}</td>' if isinstance(n, int) else f"<td>{_e(n)}</td>"


def trial_url(nct_id: str) -> str | None:
    return REGISTRY_STUDY_URL + nct_id if nct_id.startswith("NCT") else None


def _trial_link(nct_id: str) -> str:
    url = trial_url(nct_id)
    return f'<a href="{_e(url)}" style="color:#1a4f9c">{_e(nct_id)}</a>' if url else _e(nct_id)


def _severity(severity: str) -> str:
    return f'<b style="color:{SEVERITY_COLOUR.get(severity, "#333333")}">{_e(severity)}</b>'


def _img(src: str | None, alt: str, width: int = 720) -> str:
    if not src:
        return ""
    return f'<p><img src="{_e(src)}" alt="{_e(alt)}" width="{width}" style="max-width:100%;height:auto"></p>'


@dataclass
class Rendering:
    """Where things are, as the reader of this copy of the report can reach them (never a
    local path): the attachment, the full report, the notes on top."""

    csv_name: str  # the attachment's (or the report folder's) file name
    where_files: str  # "in the report folder ..." or a URL: where the full report and CSVs are
    report_link: str | None = None  # URL of the full report, when published
    chart_src: dict[str, str] = field(default_factory=dict)  # chart name -> src (data: or cid:)
    notes: list[str] = field(default_factory=list)  # shown first, e.g. what is attached
    attached: bool = True
    validation_name: str | None = None
    standalone: bool = False  # the report file itself, not a message


def _triage_html(data: ReportData) -> str:
    rows = []
    for block in data.blocks:
        sponsor = f" · {_e(block.lead_sponsor)}" if block.lead_sponsor else ""
        rows.append(
            '<tr><td colspan="5" style="background:#f5f7fa;border-top:2px solid #1f3b73">'
            f"<b>{_trial_link(block.nct_id)}</b> {_e(block.title)}{sponsor} "
            f"({len(block.findings)} finding{'s' if len(block.findings) != 1 else ''})</td></tr>"
        )
        for f in block.findings:
            rows.append(
                f"<tr><td>{_e(f['finding_key'])}</td><td>{_severity(f['severity'])}</td>"
                f'<td>{_e(f["check"])} <span style="color:#777777;white-space:nowrap">(weight {_e(f["weight"])})</span></td>'
                f"<td>{_e(f['state'])}</td><td>{_e(f['message'])}</td></tr>"
            )
    return _table(["Id", "Severity", "Check", "State", "What is wrong"], rows)


def render_html(summary: RunSummary, data: ReportData, how: Rendering) -> str:
    i, p = summary.ingest, summary.publish
    scope = "" if data.portfolio.is_everything else f" ({data.portfolio.name})"
    notes = "".join(
        f'<p style="background:#fff6d6;border:1px solid #e0c060;padding:6px 8px">{_e(n)}</p>' for n in how.notes
    )
    full_report = (
        f'<a href="{_e(how.report_link)}" style="color:#1a4f9c">the full report</a>'
        if how.report_link
        else "the full report"
    )
    csv_where = (
        f"the attached CSV <b>{_e(how.csv_name)}</b>"
        if how.attached
        else f"<b>{_e(how.csv_name)}</b> {_e(how.where_files)}"
    )
    glance = _table(
        ["", "Open", "New tonight"],
        [
            f"<tr><td>{_severity(s)}</td>{_num(data.by_severity.get(s, 0))}"
            f"{_num(sum(c[3] for c in data.counts if c[1] == s))}</tr>"
            for s in SEVERITIES
        ]
        + [
            f"<tr><td><b>all</b></td>{_num(data.total_open)}{_num(data.total_new)}</tr>",
            f"<tr><td>trials affected</td>{_num(data.trials_affected)}<td></td></tr>",
            f"<tr><td>lead sponsors affected</td>{_num(data.sponsors_affected)}<td></td></tr>",
            f"<tr><td>resolved tonight</td>{_num(data.resolved_tonight)}<td></td></tr>",
            f"<tr><td>status changes tonight</td>{_num(data.status_changes_total)}<td></td></tr>",
        ],
    )
    fresh = data.freshness
    validation = (
        "No record was loaded and no check changed tonight, so there was nothing to validate: Great Expectations "
        "did not run, and the findings above are the ones still open."
        if summary.quality is not None and not getattr(summary.quality, "validated", True)
        else (
            "Great Expectations validated tonight's trials; its results per suite and rule (counts and a sample of "
            f"failing rows) are in <b>{_e(how.validation_name)}</b> {_e(how.where_files)}."
            if how.validation_name
            else ""
        )
    )
    head = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>trialwarehouse run {summary.run_id}{_e(scope)}</title></head>
{_BODY}
<h1 style="font-size:22px;margin:0 0 8px 0">trialwarehouse: run {summary.run_id}{_e(scope)}</h1>
<p id="summary" style="font-size:16px;padding:8px;background:#f5f7fa;border-left:4px solid #1f3b73">{_e(headline(summary, data))}</p>
{notes}"""
    if data.nothing_new and not how.standalone:
        # A quiet night: a short message; everything still open is in the report and the files.
        return (
            head
            + f"""<p>No finding was raised for the first time tonight. The {data.total_open:,} open findings
are in {csv_where} and in {full_report} {_e(how.where_files) if not how.report_link else ""}.</p>
{_img(how.chart_src.get("trend"), "Open, new and resolved findings per run (chart)")}
<p>{validation}</p>
<p>To stop reporting a finding you have checked: <code>trialwarehouse accept ID --note "why"</code>.</p>
</body></html>
"""
        )
    counts_rows = [
        f"<tr><td>{_e(check)}</td><td>{_severity(severity)}</td>{_num(weight)}{_num(new)}{_num(total)}</tr>"
        for check, severity, weight, new, total in data.counts
    ]
    sponsor_rows = [
        f"<tr><td>{_e(name)}</td>{_num(trials)}{_num(findings)}{_num(errors)}{_num(new)}</tr>"
        for name, trials, findings, errors, new in data.sponsors
    ]
    trial_rows = [
        f"<tr><td>{_trial_link(n)}</td><td>{_e(title)}</td><td>{_e(sponsor)}</td>{_num(findings)}{_num(errors)}{_num(new)}</tr>"
        for n, title, sponsor, findings, errors, new in data.top_trials
    ]
    example_rows = [
        f"<tr><td>{_e(check)}</td><td>{_trial_link(f['nct_id'])}</td><td>{_e(f['finding_key'])}</td>"
        f"<td>{_severity(f['severity'])}</td><td>{_e(f['message'])}</td></tr>"
        for check, found in sorted(data.examples.items())
        for f in found
    ]
    more = data.total_open - data.shown_findings
    more_text = (
        f"<p><b>{more:,} more findings</b> in {max(data.trials_affected - len(data.blocks), 0):,} more trials: "
        f"every open finding, in this order, is in {csv_where}.</p>"
        if more > 0
        else f"<p>All {data.total_open:,} open findings are shown; they are also in {csv_where}.</p>"
    )
    changes = [
        f"<tr><td>{_trial_link(n)}</td><td>{_e(old)}</td><td>{_e(new_value)}</td><td>{_e(between)}</td></tr>"
        for n, old, new_value, between in data.status_changes
    ]
    more_changes = data.status_changes_total - len(data.status_changes)
    quarantined = summary.quarantined[:MAX_QUARANTINED_IN_PAGE]
    quarantine_rows = [_row([Path(x["path"]).name, x["member"], x["record_index"], x["reason"]]) for x in quarantined]
    explanations = "".join(
        f"<li><b>{_e(k)}</b> (weight {CHECK_WEIGHT.get(k, 1)}): {_e(v)}</li>"
        for k, v in sorted(data.explanations.items())
    )
    trend = how.chart_src.get("trend")
    # The page itself needs no "where is the report"; a message does.
    where_all = (
        ""
        if how.standalone
        else f"; {full_report} and the CSVs are "
        + (_e(how.where_files) if not how.report_link else "published with it")
    )
    return (
        head
        + f"""<p>Every open finding, in triage order, is in {csv_where}{where_all}.
Each trial links to its record on clinicaltrials.gov.</p>
{_H2}At a glance</h2>
{glance}
{_H2}Findings by check</h2>
{_img(how.chart_src.get("findings"), "Open findings by check and severity (bar chart)")}
{_table(["Check", "Severity", "Weight", "New", "Open"], counts_rows)}
{_H2}Open findings over the last runs</h2>
{_img(trend, "Open, new and resolved findings per run (chart)") if trend else "<p>The trend appears from the second run on.</p>"}
{_H2}Most affected lead sponsors (of {data.sponsors_affected:,})</h2>
<p>Counts for every lead sponsor: <b>run-{summary.run_id:06d}-sponsors.csv</b> {_e(how.where_files)}.</p>
{_table(["Lead sponsor", "Trials", "Findings", "Errors", "New"], sponsor_rows)}
{_H2}Most affected trials (of {data.trials_affected:,})</h2>
{_table(["Trial", "Title", "Lead sponsor", "Findings", "Errors", "New"], trial_rows)}
{_H2}Examples per check</h2>
{_table(["Check", "Trial", "Id", "Severity", "What is wrong"], example_rows)}
{_H2}Act on these first: {data.shown_findings:,} findings in {len(data.blocks):,} trials</h2>
<p>Triage order: severity, then the weight of the check, then new tonight; one block per trial with all
its findings. To stop reporting a finding you have checked: <code>trialwarehouse accept ID --note "why"</code>
(ID is the Id column).</p>
{_triage_html(data)}
{more_text}
{_H2}Status changes detected tonight ({data.status_changes_total:,})</h2>
{_table(["Trial", "From", "To", "Between"], changes)}
{f"<p>{more_changes:,} more in the warehouse (view v_trial_changes).</p>" if more_changes > 0 else ""}
{_H2}Quarantined inputs ({len(summary.quarantined):,})</h2>
{_table(["File", "Member", "Record", "Reason"], quarantine_rows)}
{f"<p>{len(summary.quarantined) - len(quarantined):,} more in the warehouse (table etl_quarantine).</p>" if len(summary.quarantined) > len(quarantined) else ""}
{_H2}The checks</h2>
<ul>{explanations}</ul>
<p style="color:#555555;font-size:12px">Loaded {i.records_loaded:,} records from {i.files_loaded:,} new files
({i.files_unchanged:,} unchanged, {i.files_quarantined:,} quarantined) in {summary.seconds:.1f} s;
{p.trials_new:,} new and {p.trials_changed:,} changed trials. Newest last update posted:
{_e(fresh.get("newest_last_update"))}; newest capture: {_e(fresh.get("newest_capture"))}; registry data timestamp:
{_e(fresh.get("api_data_timestamp") or "no API pull yet")}. {validation} This report replaces Great Expectations
Data Docs: the counts per check above, the findings CSV and the validation results file hold what they showed,
and read offline.</p>
</body></html>
"""
    )


def render_text(summary: RunSummary, data: ReportData, how: Rendering) -> str:
    """The plain-text part: the summary, the counts, then findings in triage order with
    their ids and registry links. No local paths."""
    lines = [headline(summary, data), ""]
    lines += how.notes + ([""] if how.notes else [])
    where = f"attached: {how.csv_name}" if how.attached else f"{how.csv_name}, {how.where_files}"
    lines.append(f"Every open finding, in triage order: {where}")
    lines.append(f"Full report: {how.report_link or f'run-{summary.run_id:06d}.html, {how.where_files}'}")
    lines.append("")
    if data.nothing_new:
        lines.append("No finding was raised for the first time tonight.")
        lines.append('To stop reporting a finding you have checked: trialwarehouse accept ID --note "why"')
        return "\n".join(lines) + "\n"
    lines.append("Open findings by check:")
    width = max((len(c[0]) for c in data.counts), default=5)
    lines.append(f"  {'check'.ljust(width)}  severity   new     open")
    for check, severity, _, new, total in data.counts:
        lines.append(f"  {check.ljust(width)}  {severity.ljust(8)} {new:>6,} {total:>8,}")
    lines += ["", f"Most affected lead sponsors (of {data.sponsors_affected:,}):"]
    lines += [
        f"  {name}: {findings:,} findings in {trials:,} trials ({errors:,} errors, {new:,} new)"
        for name, trials, findings, errors, new in data.sponsors
    ]
    lines += ["", f"Most affected trials (of {data.trials_affected:,}):"]
    lines += [
        f"  {n} {trial_url(n) or ''} {findings:,} findings ({errors:,} errors): {title or ''}"
        for n, title, _, findings, errors, _ in data.top_trials
    ]
    lines += ["", "Act on these first (severity, weight of the check, new tonight), by trial:"]
    shown = 0
    for block in data.blocks:
        if shown >= MAX_FINDINGS_IN_TEXT:
            break
        lines.append(
            f"{block.nct_id}  {block.title or ''}" + (f"  ({block.lead_sponsor})" if block.lead_sponsor else "")
        )
        if trial_url(block.nct_id):
            lines.append(f"  {trial_url(block.nct_id)}")
        for f in block.findings:
            lines.append(f"  id {f['finding_key']}  [{f['severity']}] {f['state']} {f['check']}: {f['message']}")
            shown += 1
    if data.total_open > shown:
        lines.append(f"... {data.total_open - shown:,} more findings ({where})")
    lines += ["", 'To stop reporting a finding you have checked: trialwarehouse accept ID --note "why"']
    if data.status_changes_total:
        lines += ["", f"Status changes tonight: {data.status_changes_total:,}"]
        lines += [f"  {n}: {old} -> {new_value} ({between})" for n, old, new_value, between in data.status_changes[:20]]
    return "\n".join(lines) + "\n"


def artifact_markdown(summary: RunSummary, data: ReportData, report_link: str) -> str:
    """The night's report in the Prefect UI: the summary line, counts per check, a link."""
    lines = [
        f"# trialwarehouse run {summary.run_id}",
        "",
        headline(summary, data),
        "",
        f"Full report: [{Path(report_link).name}]({report_link})",
        "",
        "| check | severity | weight | new | open |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [f"| {c} | {s} | {w} | {n:,} | {t:,} |" for c, s, w, n, t in data.counts]
    return "\n".join(lines) + "\n"
