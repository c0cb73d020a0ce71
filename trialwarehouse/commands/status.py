"""`trialwarehouse status`: last night at a glance, for the people who own the pipeline."""

from __future__ import annotations

from pathlib import Path

from trialwarehouse import warehouse
from trialwarehouse.nightly.runlog import email_outcome, read_events
from trialwarehouse.settings import Settings


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} GB"


def status_text(settings: Settings, last: int = 10) -> str:
    live = settings.warehouse
    if not live.exists():
        return f"No warehouse at {live} yet: run `trialwarehouse run` first."
    events = read_events(live)
    con = warehouse.connect(live, read_only=True)
    try:
        runs = con.execute(
            """
            SELECT r.run_id, r.started_at, date_diff('second', r.started_at, r.finished_at), r.status,
                   r.files_seen, r.records_loaded, r.trials_new, r.trials_changed, r.error,
                   (SELECT count(*) FROM dq_finding AS f WHERE f.first_seen_run_id = r.run_id),
                   (SELECT count(*) FROM dq_finding AS f WHERE f.first_seen_run_id <= r.run_id
                        AND (f.resolved_run_id IS NULL OR f.resolved_run_id > r.run_id))
            FROM etl_run AS r ORDER BY r.run_id DESC LIMIT ?
            """,
            [last],
        ).fetchall()
        fresh = warehouse.read_freshness(con)
        trials = con.execute("SELECT count(*) FROM dim_trial").fetchall()[0][0]
    finally:
        con.close()
    known = {r[0] for r in runs}
    lines = [
        f"Warehouse: {live} ({_size(live)}, {trials} trials)",
        "",
        "Last runs:",
        f"  {'run':>5}  {'started (UTC)':<19}  {'took':>6}  {'status':<9}  {'files':>5}  {'records':>7}  "
        f"{'new/changed':>11}  {'findings new/open':>17}  email",
    ]
    pending = [
        (run_id, e) for run_id, e in events.items() if run_id not in known and "started" in e and "completed" not in e
    ]
    for run_id, e in sorted(pending, reverse=True):
        status = "failed" if "failed" in e else "running?"
        lines.append(
            f"  {run_id:>5}  {e['started']['at'][:19]:<19}  {'':>6}  {status:<9}  "
            f"{e.get('failed', {}).get('error', 'no end recorded (killed, or still running)')}"
        )
    for run_id, started, took, status, files, records, new, changed, error, f_new, f_open in runs:
        email = email_outcome(events.get(run_id, {}))
        took_text = f"{took}s" if took is not None else "-"
        lines.append(
            f"  {run_id:>5}  {str(started)[:19]:<19}  {took_text:>6}  {status:<9}  {files or 0:>5}  {records or 0:>7}  "
            f"{f'{new or 0}/{changed or 0}':>11}  {f'{f_new}/{f_open}':>17}  {email}"
        )
        if error:
            lines.append(f"         error: {error}")
    outbox = settings.resolved_outbox_dir()
    waiting = sorted(outbox.glob("*.eml")) if outbox.is_dir() else []
    lines += [
        "",
        "Data freshness:",
        f"  newest last update posted: {fresh['newest_last_update'] or '-'}",
        f"  newest capture:            {fresh['newest_capture'] or '-'}",
        f"  API data timestamp:        {fresh['api_data_timestamp'] or 'no pull yet'}"
        + (f" (pulled {str(fresh['last_pull_at'])[:19]})" if fresh["last_pull_at"] else ""),
        "",
        f"Outbox: {len(waiting)} message(s) waiting" + (f" (oldest {waiting[0].name})" if waiting else ""),
    ]
    return "\n".join(lines)
