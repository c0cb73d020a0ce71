"""What the curators' report shows, read from the warehouse: the findings of a portfolio in
triage order (severity, the check's weight, new tonight), grouped by trial, with their
counts (the CSVs: `report_csv`). A `Portfolio` narrows everything to the
trials a curator follows; its values are bound as SQL parameters, its clauses come from an
allowlist."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import duckdb

from trialwarehouse import warehouse

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITIES = tuple(SEVERITY_ORDER)
SEVERITY_COLOUR = {"error": "#a4161a", "warning": "#b35c00", "info": "#2b5d8a"}

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
    "flow_started_vs_enrollment": 3,
    "baseline_vs_flow_started": 3,
    "primary_outcomes_vs_registered": 3,
    "status_unknown": 3,
    "stale_open_status": 3,
    "completed_without_actual_dates": 3,
    "withdrawn_or_stopped_without_reason": 3,
    "enrollment_type_vs_status": 3,
    "site_status_conflict": 2,
    "ae_at_risk_vs_started": 2,
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
    """The query of the reported findings (open, not accepted, in the portfolio), each with
    its check's weight, its triage key, its trial's place in triage order (`position`), and
    the trial's title and lead sponsor; and its parameters. Record text is left out: see
    `WITH_TEXT`."""
    where, params = _filter(portfolio)
    # Triage key: severity, then weight (heavier first), then NEW before OPEN. A trial
    # ranks by its most urgent finding, then by how many it has.
    sql = f"""
    WITH weights AS (SELECT unnest(?::VARCHAR[]) AS "check", unnest(?::INTEGER[]) AS weight),
    reported AS (
        SELECT f.finding_key, f.nct_id, f."check", f.rule, f.severity, f.state, f.first_seen_run,
               coalesce(w.weight, 1) AS weight,
               CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END * 1000
               + (100 - coalesce(w.weight, 1)) * 10 + CASE WHEN f.state = 'NEW' THEN 0 ELSE 1 END AS triage_key
        FROM v_dq_findings AS f LEFT JOIN weights AS w USING ("check")
        WHERE f.state IN ('NEW', 'OPEN') AND NOT f.accepted{where}
    ),
    trial_order AS (
        SELECT nct_id, row_number() OVER (ORDER BY min(triage_key), count(*) DESC, nct_id) AS position
        FROM reported GROUP BY nct_id
    ),
    trial AS (
        -- What the report shows of a trial beside its findings. Not v_trial_current: DuckDB
        -- would count every version's sites, conditions and interventions for it, which ran
        -- out of the report's memory at 570k trials.
        SELECT v.nct_id, v.brief_title, s.organization_name AS lead_sponsor
        FROM fct_trial_version AS v
        LEFT JOIN v_trial_sponsors AS s ON s.nct_id = v.nct_id AND s.sponsor_role = 'LEAD'
        WHERE v.is_current AND v.nct_id IN (SELECT nct_id FROM reported)
    )
    SELECT r.*, o.position, t.brief_title, t.lead_sponsor
    FROM reported AS r JOIN trial_order AS o USING (nct_id) LEFT JOIN trial AS t USING (nct_id)
    """
    return sql, [list(CHECK_WEIGHT), list(CHECK_WEIGHT.values()), *params]


TRIAGE_ORDER = 'ORDER BY r.position, r.triage_key, r."check", r.rule, r.finding_key'
# The reported findings (`r`) with their record text (`d.message`, `d.evidence`) and the
# trial's registry page (`t.registry_url`). The derived table keeps only what triage sorts
# and counts by: with the text (40 MB at 100,000 trials) deriving it took three times as
# long, and only the CSV and the page's few findings show the text.
WITH_TEXT = (
    "{r} AS r JOIN dq_finding AS d ON d.finding_key = r.finding_key LEFT JOIN dim_trial AS t ON t.nct_id = r.nct_id"
)
_TABLES = itertools.count(1)


class ReportedFindings:
    """A portfolio's reported findings, derived once into a temporary table of the
    connection: every count, list and CSV of its report reads that table. Derived for each
    of them instead (ten times a report), they cost a third of a night's report at 570k
    trials. Use it as a context manager: the table is dropped on leaving."""

    def __init__(self, con: duckdb.DuckDBPyConnection, portfolio: Portfolio = EVERYTHING):
        self.con, self.portfolio = con, portfolio
        # Our own counter names the table, never record text.
        self.table = f"reported_findings_{next(_TABLES)}"
        sql, params = _reported(portfolio)
        con.execute(f"CREATE TEMP TABLE {self.table} AS {sql}", params)

    def __enter__(self) -> ReportedFindings:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.table}")

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        """`sql` with `{r}` standing for the table."""
        return self.con.execute(sql.format(r=self.table), params or []).fetchall()


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


def _triage_blocks(reported: ReportedFindings) -> list[TrialBlock]:
    rows = reported.rows(
        f"""
        SELECT r.finding_key, r.nct_id, r."check", r.rule, r.severity, d.message, r.state, r.weight,
               r.brief_title, r.lead_sponsor
        FROM {WITH_TEXT} WHERE r.position <= ? {TRIAGE_ORDER} LIMIT ?
        """,
        [MAX_TRIALS_IN_PAGE, MAX_FINDINGS_IN_PAGE],
    )
    blocks: list[TrialBlock] = []
    for row in rows:
        finding = dict(zip(_FINDING_COLUMNS, row[:8], strict=True))
        if not blocks or blocks[-1].nct_id != finding["nct_id"]:
            blocks.append(TrialBlock(finding["nct_id"], row[8], row[9]))
        blocks[-1].findings.append(finding)
    return blocks


def read_report_data(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    portfolio: Portfolio = EVERYTHING,
    reported: ReportedFindings | None = None,
) -> ReportData:
    """What the report of `portfolio` shows after run `run_id`. `reported`: the portfolio's
    findings already derived (the report's CSVs read them too)."""
    if reported is None:
        with ReportedFindings(con, portfolio) as derived:
            return read_report_data(con, run_id, portfolio, derived)
    data = ReportData(portfolio=portfolio)
    data.total_open, data.total_new, data.trials_affected = reported.rows(
        "SELECT count(*), count(*) FILTER (WHERE state = 'NEW'), count(DISTINCT nct_id) FROM {r}"
    )[0]
    data.counts = reported.rows(
        """
        SELECT "check", severity, any_value(weight), count(*) FILTER (WHERE state = 'NEW'), count(*)
        FROM {r} GROUP BY "check", severity
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, 3 DESC, 5 DESC, 1
        """
    )
    data.by_severity = {}
    for _, severity, _, _, total in data.counts:
        data.by_severity[severity] = data.by_severity.get(severity, 0) + total
    sponsor_rows = reported.rows(
        """
        WITH per_sponsor AS (
            SELECT coalesce(lead_sponsor, '(no lead sponsor)') AS sponsor, count(DISTINCT nct_id) AS trials,
                   count(*) AS findings, count(*) FILTER (WHERE severity = 'error') AS errors,
                   count(*) FILTER (WHERE state = 'NEW') AS new
            FROM {r} GROUP BY 1
        )
        SELECT *, count(*) OVER () FROM per_sponsor ORDER BY errors DESC, findings DESC, trials DESC, sponsor LIMIT ?
        """,
        [TOP_SPONSORS],
    )
    data.sponsors = [r[:5] for r in sponsor_rows]
    data.sponsors_affected = sponsor_rows[0][5] if sponsor_rows else 0
    data.top_trials = reported.rows(
        """
        SELECT nct_id, any_value(brief_title), any_value(lead_sponsor), count(*),
               count(*) FILTER (WHERE severity = 'error'), count(*) FILTER (WHERE state = 'NEW')
        FROM {r} GROUP BY nct_id ORDER BY 5 DESC, sum(weight) DESC, 4 DESC, nct_id LIMIT ?
        """,
        [TOP_TRIALS],
    )
    examples = reported.rows(
        """
        WITH numbered AS (
            SELECT *, row_number() OVER (PARTITION BY "check" ORDER BY position, triage_key, finding_key) AS n
            FROM {r}
        ),
        shown AS (SELECT * FROM numbered WHERE n <= ?)
        SELECT r.finding_key, r.nct_id, r."check", r.rule, r.severity, d.message, r.state, r.weight
        FROM shown AS r JOIN dq_finding AS d ON d.finding_key = r.finding_key ORDER BY r."check", r.n
        """,
        [EXAMPLES_PER_CHECK],
    )
    data.examples = {}
    for row in examples:
        finding = dict(zip(_FINDING_COLUMNS, row, strict=True))
        data.examples.setdefault(finding["check"], []).append(finding)
    data.blocks = _triage_blocks(reported)

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
    data.freshness = warehouse.read_freshness(con)
    return data
