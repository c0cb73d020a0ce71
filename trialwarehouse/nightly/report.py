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

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.csvsafe import neutralized_query
from trialwarehouse.logs import event
from trialwarehouse.nightly.results import RunSummary

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITIES = tuple(SEVERITY_ORDER)
SEVERITY_COLOUR = {"error": "#a4161a", "warning": "#b35c00", "info": "#2b5d8a"}
REGISTRY_STUDY_URL = "https://clinicaltrials.gov/study/"

# How much fixing a check's findings matters, within one severity (5 first, 1 last): what
# breaks the warehouse, or makes the registered facts contradict themselves or the law
# (results overdue under FDAAA 801), before what is merely stale or informative.
# A check not listed weighs 1.
CHECK_WEIGHT: dict[str, int] = {
    "integrity_one_current_version": 5,
    "integrity_no_orphans": 5,
    "integrity_unique_keys": 5,
    "integrity_nct_id_format": 5,
    "integrity_reconciliation": 5,
    "withdrawn_with_enrollment": 4,
    "date_order": 4,
    "actual_date_in_future": 4,
    "age_range_invalid": 4,
    "results_overdue": 4,
    "enrollment_text_mismatch": 3,
    "status_unknown": 3,
    "stale_open_status": 3,
    "completed_without_actual_dates": 3,
    "withdrawn_or_stopped_without_reason": 3,
    "enrollment_type_vs_status": 3,
    "site_status_conflict": 2,
    "phase_na_for_drug": 2,
    "status_changed": 2,
    "reason_without_stop": 1,
    "enrollment_shortfall": 1,
    "estimated_date_in_past": 1,
    "retrospective_registration": 1,
}

# Bounds of the page and of the plain text; the CSV always holds everything.
MAX_TRIALS_IN_PAGE = 40
MAX_FINDINGS_IN_PAGE = 150
MAX_FINDINGS_IN_TEXT = 60
EXAMPLES_PER_CHECK = 2
TOP_SPONSORS = 10
TOP_TRIALS = 10
MAX_STATUS_CHANGES_IN_PAGE = 50
MAX_QUARANTINED_IN_PAGE = 50
TREND_RUNS = 30


@dataclass(frozen=True)
class Portfolio:
    """The trials a curator follows. Within a field any value matches; across fields all
    must match; an empty field does not restrict. Matching ignores case; `condition`
    matches any condition of the trial that contains the text."""

    name: str = "all findings"
    lead_sponsor: tuple[str, ...] = ()
    condition: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    check: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        return not any(getattr(self, f) for f in FILTER_FIELDS)


FILTER_FIELDS = ("lead_sponsor", "condition", "country", "check", "severity")
EVERYTHING = Portfolio()

# The only SQL a portfolio adds: one clause per field, each taking its list of values as
# one bound parameter. They apply to any relation with columns nct_id, "check", severity.
_FILTER_SQL = {
    "lead_sponsor": "nct_id IN (SELECT nct_id FROM v_trial_sponsors WHERE sponsor_role = 'LEAD' "
    "AND lower(organization_name) IN (SELECT lower(unnest(?::VARCHAR[]))))",
    "condition": "nct_id IN (SELECT c.nct_id FROM v_trial_conditions AS c, "
    "(SELECT lower(unnest(?::VARCHAR[])) AS term) AS t WHERE contains(c.condition_lower, t.term))",
    "country": "nct_id IN (SELECT nct_id FROM v_trial_sites "
    "WHERE lower(country) IN (SELECT lower(unnest(?::VARCHAR[]))))",
    "check": '"check" IN (SELECT unnest(?::VARCHAR[]))',
    "severity": "severity IN (SELECT unnest(?::VARCHAR[]))",
}
# Status changes concern trials, not findings: only the trial fields narrow them.
_TRIAL_FIELDS = ("lead_sponsor", "condition", "country")


def _filter(portfolio: Portfolio, fields: tuple[str, ...] = FILTER_FIELDS) -> tuple[str, list]:
    clauses, params = [], []
    for name in fields:
        values = list(getattr(portfolio, name))
        if values:
            clauses.append(_FILTER_SQL[name])
            params.append(values)
    return ("".join(f" AND {c}" for c in clauses), params)


def _reported(portfolio: Portfolio) -> tuple[str, list]:
    """CTEs `reported` (open, not accepted, in the portfolio, with weight and triage key)
    and `trial_order` (each trial's place in triage order); the SQL and its parameters."""
    where, params = _filter(portfolio)
    # Triage key: severity, then weight (heavier first), then NEW before OPEN. A trial
    # ranks by its most urgent finding, then by how many it has.
    sql = f"""
    WITH weights AS (SELECT unnest(?::VARCHAR[]) AS "check", unnest(?::INTEGER[]) AS weight),
    reported AS (
        SELECT f.*, coalesce(w.weight, 1) AS weight,
               CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END * 1000
               + (100 - coalesce(w.weight, 1)) * 10 + CASE WHEN f.state = 'NEW' THEN 0 ELSE 1 END AS triage_key
        FROM v_dq_findings AS f LEFT JOIN weights AS w USING ("check")
        WHERE f.state IN ('NEW', 'OPEN') AND NOT f.accepted{where}
    ),
    trial_order AS (
        SELECT nct_id, row_number() OVER (ORDER BY min(triage_key), count(*) DESC, nct_id) AS position
        FROM reported GROUP BY nct_id
    )
    """
    return sql, [list(CHECK_WEIGHT), list(CHECK_WEIGHT.values()), *params]


_TRIAGE_ORDER = 'ORDER BY o.position, r.triage_key, r."check", r.rule, r.finding_key'


@dataclass
class TrialBlock:
    """One trial and all its findings shown in the page, in triage order."""

    nct_id: str
    title: str | None
    lead_sponsor: str | None
    findings: list[dict] = field(default_factory=list)


@dataclass
class ReportData:
    """What the report shows for one portfolio, read from the published warehouse. Lists
    are bounded (the first rows in triage order); totals count everything."""

    portfolio: Portfolio = EVERYTHING
    total_open: int = 0  # NEW and OPEN, not accepted
    total_new: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)  # open findings per severity
    trials_affected: int = 0
    sponsors_affected: int = 0
    resolved_tonight: int = 0
    counts: list[tuple] = field(default_factory=list)  # (check, severity, weight, new, open)
    sponsors: list[tuple] = field(default_factory=list)  # (lead sponsor, trials, findings, errors, new)
    top_trials: list[tuple] = field(default_factory=list)  # (nct_id, title, sponsor, findings, errors, new)
    examples: dict[str, list[dict]] = field(default_factory=dict)  # check -> first findings in triage order
    blocks: list[TrialBlock] = field(default_factory=list)  # the triage list of the page
    status_changes: list[tuple] = field(default_factory=list)
    status_changes_total: int = 0
    trend: list[tuple] = field(default_factory=list)  # (run_id, open after it, new in it, resolved in it)
    explanations: dict[str, str] = field(default_factory=dict)
    freshness: dict = field(default_factory=dict)

    @property
    def findings(self) -> list[dict]:
        """The findings the page shows, in triage order."""
        return [f for block in self.blocks for f in block.findings]

    @property
    def shown_findings(self) -> int:
        return sum(len(b.findings) for b in self.blocks)

    @property
    def nothing_new(self) -> bool:
        return self.total_new == 0


_FINDING_COLUMNS = ["finding_key", "nct_id", "check", "rule", "severity", "message", "state", "weight"]


def _triage_blocks(con: duckdb.DuckDBPyConnection, portfolio: Portfolio) -> list[TrialBlock]:
    sql, params = _reported(portfolio)
    rows = con.execute(
        sql
        + f"""
        SELECT r.finding_key, r.nct_id, r."check", r.rule, r.severity, r.message, r.state, r.weight,
               t.brief_title, t.lead_sponsor
        FROM reported AS r JOIN trial_order AS o USING (nct_id) LEFT JOIN v_trial_current AS t USING (nct_id)
        WHERE o.position <= ? {_TRIAGE_ORDER} LIMIT ?
        """,
        [*params, MAX_TRIALS_IN_PAGE, MAX_FINDINGS_IN_PAGE],
    ).fetchall()
    blocks: list[TrialBlock] = []
    for row in rows:
        finding = dict(zip(_FINDING_COLUMNS, row[:8], strict=True))
        if not blocks or blocks[-1].nct_id != finding["nct_id"]:
            blocks.append(TrialBlock(finding["nct_id"], row[8], row[9]))
        blocks[-1].findings.append(finding)
    return blocks


def read_report_data(con: duckdb.DuckDBPyConnection, run_id: int, portfolio: Portfolio = EVERYTHING) -> ReportData:
    data = ReportData(portfolio=portfolio)
    sql, params = _reported(portfolio)
    data.total_open, data.total_new, data.trials_affected = con.execute(
        sql + "SELECT count(*), count(*) FILTER (WHERE state = 'NEW'), count(DISTINCT nct_id) FROM reported",
        params,
    ).fetchall()[0]
    data.counts = con.execute(
        sql
        + """
        SELECT "check", severity, any_value(weight), count(*) FILTER (WHERE state = 'NEW'), count(*)
        FROM reported GROUP BY "check", severity
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, 3 DESC, 5 DESC, 1
        """,
        params,
    ).fetchall()
    data.by_severity = {}
    for _, severity, _, _, total in data.counts:
        data.by_severity[severity] = data.by_severity.get(severity, 0) + total
    sponsor_rows = con.execute(
        sql
        + """
        , per_sponsor AS (
            SELECT coalesce(t.lead_sponsor, '(no lead sponsor)') AS sponsor, count(DISTINCT r.nct_id) AS trials,
                   count(*) AS findings, count(*) FILTER (WHERE r.severity = 'error') AS errors,
                   count(*) FILTER (WHERE r.state = 'NEW') AS new
            FROM reported AS r LEFT JOIN v_trial_current AS t USING (nct_id) GROUP BY 1
        )
        SELECT *, count(*) OVER () FROM per_sponsor ORDER BY errors DESC, findings DESC, trials DESC, sponsor LIMIT ?
        """,
        [*params, TOP_SPONSORS],
    ).fetchall()
    data.sponsors = [r[:5] for r in sponsor_rows]
    data.sponsors_affected = sponsor_rows[0][5] if sponsor_rows else 0
    data.top_trials = con.execute(
        sql
        + """
        SELECT r.nct_id, any_value(t.brief_title), any_value(t.lead_sponsor), count(*),
               count(*) FILTER (WHERE r.severity = 'error'), count(*) FILTER (WHERE r.state = 'NEW')
        FROM reported AS r LEFT JOIN v_trial_current AS t USING (nct_id)
        GROUP BY r.nct_id ORDER BY 5 DESC, sum(r.weight) DESC, 4 DESC, r.nct_id LIMIT ?
        """,
        [*params, TOP_TRIALS],
    ).fetchall()
    examples = con.execute(
        sql
        + """
        , numbered AS (
            SELECT r.*, row_number() OVER (PARTITION BY r."check" ORDER BY o.position, r.triage_key, r.finding_key) AS n
            FROM reported AS r JOIN trial_order AS o USING (nct_id)
        )
        SELECT finding_key, nct_id, "check", rule, severity, message, state, weight FROM numbered
        WHERE n <= ? ORDER BY "check", n
        """,
        [*params, EXAMPLES_PER_CHECK],
    ).fetchall()
    data.examples = {}
    for row in examples:
        finding = dict(zip(_FINDING_COLUMNS, row, strict=True))
        data.examples.setdefault(finding["check"], []).append(finding)
    data.blocks = _triage_blocks(con, portfolio)

    where, finding_params = _filter(portfolio)
    findings_ever = (
        'SELECT finding_key, nct_id, check_name AS "check", severity, first_seen_run_id, resolved_run_id '
        f"FROM dq_finding WHERE TRUE{where}"
    )
    data.resolved_tonight = con.execute(
        f"SELECT count(*) FROM ({findings_ever}) WHERE resolved_run_id = ?", [*finding_params, run_id]
    ).fetchall()[0][0]
    trial_where, trial_params = _filter(portfolio, _TRIAL_FIELDS)
    changes = con.execute(
        f"""
        SELECT nct_id, old_value, new_value, changed_between, count(*) OVER () FROM v_trial_changes
        WHERE field = 'overall_status' AND detected_in_run = ?{trial_where} ORDER BY nct_id LIMIT ?
        """,
        [run_id, *trial_params, MAX_STATUS_CHANGES_IN_PAGE],
    ).fetchall()
    data.status_changes = [r[:4] for r in changes]
    data.status_changes_total = changes[0][4] if changes else 0
    # Open after run r = findings first seen by r or earlier, minus those resolved by then:
    # two grouped counts and a running sum, whatever the number of findings.
    data.trend = con.execute(
        f"""
        WITH findings AS ({findings_ever}),
        opened AS (SELECT first_seen_run_id AS run_id, count(*) AS n FROM findings GROUP BY 1),
        closed AS (SELECT resolved_run_id AS run_id, count(*) AS n FROM findings WHERE resolved_run_id IS NOT NULL GROUP BY 1),
        open_after AS (
            SELECT r.run_id, r.status, coalesce(o.n, 0) AS new, coalesce(c.n, 0) AS resolved,
                   sum(coalesce(o.n, 0) - coalesce(c.n, 0)) OVER (ORDER BY r.run_id) AS open_findings
            FROM etl_run AS r LEFT JOIN opened AS o USING (run_id) LEFT JOIN closed AS c USING (run_id)
        ),
        last_runs AS (
            SELECT run_id, open_findings, new, resolved FROM open_after WHERE status = 'completed'
            ORDER BY run_id DESC LIMIT ?
        )
        SELECT run_id, open_findings, new, resolved FROM last_runs ORDER BY run_id
        """,
        [*finding_params, TREND_RUNS],
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


def write_sponsor_counts_csv(con: duckdb.DuckDBPyConnection, path: Path, portfolio: Portfolio = EVERYTHING) -> Path:
    """Open findings per lead sponsor (all of them; the page shows the most affected), by
    severity, most errors first."""
    sql, params = _reported(portfolio)
    query = (
        sql
        + """
        SELECT coalesce(t.lead_sponsor, '(no lead sponsor)') AS lead_sponsor, count(DISTINCT r.nct_id) AS trials,
               count(*) AS findings, count(*) FILTER (WHERE r.severity = 'error') AS errors,
               count(*) FILTER (WHERE r.severity = 'warning') AS warnings,
               count(*) FILTER (WHERE r.severity = 'info') AS info, count(*) FILTER (WHERE r.state = 'NEW') AS new
        FROM reported AS r LEFT JOIN v_trial_current AS t USING (nct_id)
        GROUP BY 1 ORDER BY errors DESC, findings DESC, trials DESC, lead_sponsor
        """
    )
    return _copy_csv(con, neutralized_query(query, ["lead_sponsor"]), params, path)


def write_findings_csv(
    con: duckdb.DuckDBPyConnection, path: Path, only_new: bool = False, portfolio: Portfolio = EVERYTHING
) -> Path:
    """Every reported finding of the portfolio (or tonight's NEW ones) as CSV, in triage
    order, written by DuckDB straight from the warehouse: a million findings never pass
    through Python."""
    sql, params = _reported(portfolio)
    only = " WHERE r.state = 'NEW'" if only_new else ""
    query = (
        sql + 'SELECT r.finding_key AS finding_id, r.state, r.severity, r."check", r.rule, r.nct_id, r.registry_url, '
        "r.message, r.evidence, r.first_seen_run, r.weight AS check_weight, t.brief_title, t.lead_sponsor "
        f"FROM reported AS r JOIN trial_order AS o USING (nct_id) LEFT JOIN v_trial_current AS t USING (nct_id)"
        f"{only} {_TRIAGE_ORDER}"
    )
    # Curators open it in a spreadsheet: record text must not start a formula there.
    text_columns = ["state", "severity", "check", "rule", "nct_id", "registry_url", "message", "evidence"]
    return _copy_csv(con, neutralized_query(query, [*text_columns, "brief_title", "lead_sponsor"]), params, path)


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, params: list, path: Path) -> Path:
    # COPY binds no parameters in its target: the target is our own report path, quoted;
    # the portfolio's values are bound in the query.
    target = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"COPY ({query}) TO {target} (FORMAT csv, HEADER)", params).fetchall()
    return path


# ---------------------------------------------------------------- charts (PNG)


def _figure(width: float, height: float):
    # The Figure API with the Agg canvas: no pyplot, no global state, no display needed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def findings_chart_png(counts: list[tuple], top: int = 12) -> bytes | None:
    """Open findings per check, one bar per check split by severity; the checks beyond
    `top` are summed into one bar."""
    if not counts:
        return None
    per_check: dict[str, dict[str, int]] = {}
    for check, severity, _, _, total in counts:
        per_check.setdefault(check, {}).setdefault(severity, 0)
        per_check[check][severity] += total
    ranked = sorted(per_check.items(), key=lambda x: (-sum(x[1].values()), x[0]))
    if len(ranked) > top:
        rest: dict[str, int] = {}
        for _, by_sev in ranked[top - 1 :]:
            for severity, n in by_sev.items():
                rest[severity] = rest.get(severity, 0) + n
        ranked = ranked[: top - 1] + [(f"{len(per_check) - top + 1} other checks", rest)]
    ranked.reverse()  # barh draws bottom up: the biggest on top
    labels = [check for check, _ in ranked]
    figure = _figure(7.2, 0.9 + 0.32 * len(ranked))
    axes = figure.add_subplot()
    left = [0] * len(ranked)
    for severity in SEVERITIES:
        values = [by_sev.get(severity, 0) for _, by_sev in ranked]
        if any(values):
            axes.barh(labels, values, left=left, color=SEVERITY_COLOUR[severity], label=severity)
            left = [a + b for a, b in zip(left, values, strict=True)]
    for y, total in enumerate(left):
        axes.annotate(f"{total:,}", (total, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    axes.set_xlabel("open findings")
    axes.set_ylabel("check")
    axes.set_title("Open findings by check and severity", fontsize=11)
    axes.tick_params(labelsize=8)
    axes.set_xlim(0, max(left) * 1.15 or 1)
    axes.legend(fontsize=8, loc="lower right")
    return _png(figure)


def trend_chart_png(trend: list[tuple]) -> bytes | None:
    """From the second run on: open findings after each run (line), and the findings each
    run raised and resolved (bars)."""
    if len(trend) < 2:
        return None
    runs = [str(r[0]) for r in trend]
    x = list(range(len(trend)))
    figure = _figure(7.2, 3.2)
    axes = figure.add_subplot()
    new_bars = axes.bar([i - 0.2 for i in x], [r[2] for r in trend], width=0.4, color="#b35c00", label="new in the run")
    resolved_bars = axes.bar(
        [i + 0.2 for i in x], [r[3] for r in trend], width=0.4, color="#2e7d32", label="resolved in the run"
    )
    axes.plot(x, [r[1] for r in trend], color="#1f3b73", marker="o", linewidth=2, label="open after the run")
    if len(trend) <= 12:  # few runs: the numbers fit above the bars
        axes.bar_label(new_bars, fontsize=7)
        axes.bar_label(resolved_bars, fontsize=7)
    axes.set_xticks(x, runs)
    axes.set_xlabel("run")
    axes.set_ylabel("findings")
    axes.set_title("Open findings over the last runs", fontsize=11)
    axes.tick_params(labelsize=8)
    axes.set_ylim(0, max(max(r[1], r[2], r[3]) for r in trend) * 1.2 or 1)
    # Below the plot, where it hides no bar.
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, frameon=False)
    return _png(figure)


def charts(data: ReportData) -> dict[str, bytes]:
    """The report's charts by name (findings, trend), those there is something to show for."""
    made = {"findings": findings_chart_png(data.counts), "trend": trend_chart_png(data.trend)}
    return {name: png for name, png in made.items() if png}


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


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
    con = warehouse.connect(Path(summary.warehouse), read_only=True, memory_limit=memory_limit)
    try:
        data = read_report_data(con, summary.run_id)
        write_findings_csv(con, csv_path)
        write_findings_csv(con, new_csv_path, only_new=True)
        write_sponsor_counts_csv(con, report_dir / f"{stem}-sponsors.csv")
    finally:
        con.close()
    validation_path = None
    if validation_json:
        validation_path = report_dir / f"{stem}.gx-validation.json"
        validation_path.write_text(json.dumps(validation_json, indent=1, default=str), encoding="utf-8")
    pngs = charts(data)
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
