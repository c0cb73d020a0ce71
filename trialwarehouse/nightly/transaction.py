"""The publication's transaction, opened and closed here: the staged records merged into the
star schema and committed, then the checks run on what was committed.

The checks read the committed load, not the open transaction: inside it, DuckDB keeps the
uncommitted rows and their new index entries pinned in memory, which leaves the checks'
exports too little at registry scale (a 570k full load ran out of memory at the 1536MB cap
exporting them; at 100k under a cap scaled down to 270MB the same happened, and exporting
after the commit passed, 30 % faster). Committing first is safe because the run writes a
building copy: integrity failures still raise before the copy is swapped in, and on any
failure the copy is discarded whole.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from trialwarehouse.checks import runner as checks
from trialwarehouse.checks.runner import QualityStats
from trialwarehouse.logs import event
from trialwarehouse.nightly import publication
from trialwarehouse.nightly.lifecycle import RunContext
from trialwarehouse.nightly.results import PublishStats


def publish_and_check(ctx: RunContext, checks_on: bool = True) -> tuple[PublishStats, QualityStats | None]:
    """Publish the staged batch in one transaction, then run the checks; returns both counts."""
    ctx.con.execute("BEGIN TRANSACTION")
    published = _publish(ctx)
    _commit(ctx)
    if not checks_on:
        return published, None
    with checks.prepared(ctx.con, ctx.run_id, work_dir=ctx.staging_dir) as check:
        try:
            if check.work is not None:
                # Started by ingest when it parsed here; after a fan-out, only now: idle through
                # the publication, GX's process would add its 300 MB to the load's peak (570k).
                with cache_released(ctx.con, ctx.settings.duckdb_memory_limit):
                    checks.validate(check, ctx.start_gx().run)
        finally:
            # Its memory goes before the findings are persisted and reported; on a failure,
            # before the work folder it writes in is removed.
            ctx.stop_gx()
        return published, checks.persist(check)


# What a connection keeps while another process does the work (GX validating the exported inputs).
IDLE_MEMORY_LIMIT = "64MB"


@contextmanager
def cache_released(con: duckdb.DuckDBPyConnection, memory_limit: str) -> Iterator[None]:
    """While the connection waits, its memory limit is lowered, so DuckDB evicts the blocks it
    cached and gives their memory back; on leaving, `memory_limit` holds again. A full load's
    validation at 570k trials had GX's process (up to 1 GB) on top of the flow's cached
    blocks (about 700 MB) and the server: 2.28 GB. The next statements read again what they need."""
    con.execute(f"SET memory_limit = '{IDLE_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        con.execute("SET memory_limit = ?", [memory_limit])


def _publish(ctx: RunContext) -> PublishStats:
    started = time.monotonic()
    con = ctx.con
    counts = publication.publish(con, ctx.run_id)
    stats = PublishStats(
        versions_added=counts.get("insert_fct_trial_version", 0), trials_new=counts.get("merge_dim_trial", 0)
    )
    if counts.get("insert_fct_record_sighting") or counts.get("insert_fct_trial_version"):
        touched, changed = con.execute(
            """
            SELECT count(DISTINCT s.nct_id),
                   count(DISTINCT s.nct_id) FILTER (WHERE v.first_seen_run_id = ? AND t.first_seen_run_id <> ?)
            FROM stg_versions AS s
            JOIN dim_trial AS t USING (nct_id)
            LEFT JOIN fct_trial_version AS v ON v.trial_key = t.trial_key AND v.first_seen_run_id = ?
            """,
            [ctx.run_id, ctx.run_id, ctx.run_id],
        ).fetchall()[0]
        stats.trials_changed = changed
        stats.trials_unchanged = touched - changed - stats.trials_new
    event(
        "publish",
        ctx.run_id,
        versions_added=stats.versions_added,
        trials_new=stats.trials_new,
        trials_changed=stats.trials_changed,
        trials_unchanged=stats.trials_unchanged,
        seconds=time.monotonic() - started,
    )
    return stats


def _commit(ctx: RunContext) -> None:
    started = time.monotonic()
    ctx.con.execute("COMMIT")
    event("commit", ctx.run_id, seconds=time.monotonic() - started)
