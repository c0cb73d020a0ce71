"""The run report: a self-contained HTML page and a JSON twin, written per run.

Record text (file names, reasons) is always HTML-escaped: it comes from outside.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from trialwarehouse.pipeline import RunSummary


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
    if i.formats:
        lines.append("  formats:     " + ", ".join(f"{fmt} {n}" for fmt, n in sorted(i.formats.items())))
    for item in summary.quarantined[:10]:
        where = item["path"] + (f"!{item['member']}" if item["member"] else "")
        lines.append(f"  quarantined: {where}: {item['reason']}")
    if len(summary.quarantined) > 10:
        lines.append(f"  ... and {len(summary.quarantined) - 10} more (see the report)")
    return lines


def _row(cells: list[object], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def render_html(summary: RunSummary) -> str:
    i, p = summary.ingest, summary.publish
    counts = [
        ("Files seen", i.files_seen), ("Files loaded", i.files_loaded), ("Files unchanged", i.files_unchanged),
        ("Files quarantined", i.files_quarantined), ("Records read", i.records_seen),
        ("Records loaded", i.records_loaded), ("Records rejected", i.records_rejected),
        ("New trials", p.trials_new), ("Changed trials", p.trials_changed),
        ("Unchanged trials", p.trials_unchanged), ("Versions added", p.versions_added),
    ]
    quarantine_rows = "".join(
        _row([q["path"], q["member"], q["record_index"], q["reason"]]) for q in summary.quarantined
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>trialwarehouse run {summary.run_id}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f2f2f2; }}
.ok {{ color: #17672d; }} .failed {{ color: #a4161a; }}
</style></head><body>
<h1>trialwarehouse run {summary.run_id}</h1>
<p class="{html.escape(summary.status)}">Status: <b>{html.escape(summary.status)}</b> in {summary.seconds:.1f} s.
Landing folder: <code>{html.escape(summary.raw_dir)}</code>. Warehouse: <code>{html.escape(summary.warehouse)}</code>.</p>
<h2>Counts</h2>
<table>{''.join(_row([k, v]) for k, v in counts)}</table>
<h2>Quarantined inputs ({len(summary.quarantined)})</h2>
<table>{_row(["File", "Member", "Record", "Reason"], "th")}{quarantine_rows}</table>
</body></html>
"""


def write_run_report(summary: RunSummary, report_dir: Path) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    page = report_dir / f"run-{summary.run_id:06d}.html"
    page.write_text(render_html(summary), encoding="utf-8")
    (report_dir / f"run-{summary.run_id:06d}.json").write_text(json.dumps(summary.as_dict(), indent=2, default=str))
    return page
