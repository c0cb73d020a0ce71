"""A night published but never reported gets its report and email on the next run.

The report and the email come after the swap that publishes a night. A kill between the
two (or a full disk while writing the report) left a published night whose findings were
never reported as NEW: the next night would show them as OPEN, and nobody would have been
told. The run log beside the warehouse says which runs completed and which were reported
(the `email` event comes last); before a new run starts, the latest completed run without
it is reported, while its findings are still NEW relative to the latest run.
"""

from __future__ import annotations

from typing import Any

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.nightly import runlog
from trialwarehouse.settings import Settings


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> Any:
    row = con.execute(sql, params).fetchone()
    return row[0] if row else None


def _summary(settings: Settings, run_id: int):
    """The run's summary rebuilt from what the published warehouse recorded of it."""
    from trialwarehouse.checks.runner import QualityStats
    from trialwarehouse.nightly.quarantine import quarantined_inputs
    from trialwarehouse.nightly.results import IngestStats, PublishStats, RunSummary

    con = warehouse.connect(settings.warehouse, read_only=True)
    try:
        row = con.execute(
            """
            SELECT raw_dir, epoch(finished_at - started_at), files_seen, files_loaded, files_unchanged,
                   files_quarantined, records_seen, records_loaded, records_rejected,
                   versions_added, trials_new, trials_changed, trials_unchanged
            FROM etl_run WHERE run_id = ? AND status = 'completed'
            """,
            [run_id],
        ).fetchone()
        if row is None:
            return None
        latest = _one(con, "SELECT max(run_id) FROM etl_run WHERE status = 'completed'", [])
        if latest != run_id:
            return None  # a later night was published: these findings are no longer NEW
        quality = QualityStats(validated=False)
        quality.by_severity = dict(
            con.execute(
                "SELECT severity, count(*) FROM dq_finding "
                "WHERE resolved_run_id IS NULL AND accepted_at IS NULL GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        quality.findings_open = sum(quality.by_severity.values())
        quality.findings_new = _one(
            con, "SELECT count(*) FROM dq_finding WHERE first_seen_run_id = ? AND accepted_at IS NULL", [run_id]
        )
        quality.findings_resolved = _one(con, "SELECT count(*) FROM dq_finding WHERE resolved_run_id = ?", [run_id])
        quarantined = quarantined_inputs(con, run_id)
    finally:
        con.close()
    raw_dir, seconds, *counts = row
    counts = [int(c or 0) for c in counts]
    ingest = IngestStats(
        files_seen=counts[0],
        files_loaded=counts[1],
        files_unchanged=counts[2],
        files_quarantined=counts[3],
        records_seen=counts[4],
        records_loaded=counts[5],
        records_rejected=counts[6],
    )
    publish = PublishStats(
        versions_added=counts[7], trials_new=counts[8], trials_changed=counts[9], trials_unchanged=counts[10]
    )
    return RunSummary(
        run_id=run_id,
        status="completed",
        warehouse=str(settings.warehouse),
        report=None,
        raw_dir=raw_dir or "",
        seconds=float(seconds or 0.0),
        ingest=ingest,
        publish=publish,
        quarantined=quarantined,
        quality=quality,
    )


def report_unreported_night(settings: Settings) -> str | None:
    """Report and email the latest published night that was never reported; what was done, or None."""
    from trialwarehouse.nightly import mailer, messages, report
    from trialwarehouse.nightly.outbox import MailOutcome

    run_id = runlog.unreported_run(settings.warehouse)
    if run_id is None or not settings.warehouse.exists():
        return None
    summary = _summary(settings, run_id)
    if summary is None:
        return None
    files = report.write_run_report(
        summary, settings.resolved_report_dir(), None, settings.report_memory_limit, settings.report_url
    )
    try:
        composed = messages.compose_messages(settings, summary, files)
    except messages.SubscriptionError as error:  # a broken subscriptions file: said, nothing sent
        outcome = MailOutcome([], [], str(error))
    else:
        for _, message in composed:  # the curator should know this night's news is a day old
            subject = message["Subject"]
            del message["Subject"]
            message["Subject"] = f"{subject} (reported late)"
        outcome = mailer.deliver_report(settings, run_id, composed)
    runlog.log_email_outcome(settings.warehouse, run_id, outcome.describe(), outcome.error)
    return f"run {run_id} was published but never reported: report {files.html}; email {outcome.describe()}"
