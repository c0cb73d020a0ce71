"""The publication: the staged records merged into the star schema, one SQL file a step
(`sql/load/<step>.sql`), in order. The transaction around it is `transaction.py`'s."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.logs import Progress

# Publication steps, in order (sql/load/<name>.sql).
PUBLISH_STEPS = (
    "merge_dim_trial",
    "merge_dim_status",
    "merge_dim_phase",
    "insert_fct_trial_version",
    "widen_version_capture_dates",
    "map_new_versions",
    "merge_dim_organization",
    "merge_dim_condition",
    "merge_dim_intervention",
    "merge_dim_facility",
    "insert_bridge_version_condition",
    "insert_bridge_version_intervention",
    "insert_bridge_version_sponsor",
    "insert_bridge_version_site",
    "insert_bridge_version_keyword",
    "insert_bridge_version_mesh_term",
    "insert_fct_version_arm",
    "insert_fct_version_outcome",
    "insert_fct_version_secondary_id",
    "insert_fct_version_official",
    "insert_fct_version_contact",
    "insert_fct_version_site_geo",
    "insert_fct_version_reference",
    "insert_fct_version_link",
    "insert_fct_version_mesh_browse",
    "insert_fct_version_large_document",
    "insert_fct_version_available_ipd",
    "insert_fct_version_result",
    "insert_fct_version_result_group",
    "insert_fct_version_flow_count",
    "insert_fct_version_result_measure",
    "insert_fct_version_result_denom",
    "insert_fct_version_result_measurement",
    "insert_fct_version_outcome_analysis",
    "insert_fct_version_adverse_event",
    "insert_fct_version_result_event",
    "insert_fct_record_sighting",
    "merge_dim_date",
    "rebuild_version_timeline",
    "rebuild_fct_trial_change",
    "mark_removed_trials",
)
# The publication steps that read the night's pulls (what a full sync listed), not its
# staged records: on a night that staged no record they are the only ones to run.
PULL_STEPS = ("mark_removed_trials",)
# Steps DuckDB runs faster, and in less memory, on one thread. Inserting 570,000 versions into
# fct_trial_version (its primary key, its unique (nct_id, content_hash), four foreign keys):
# on two threads 9.7 s, then 10.3 s more at the commit, which merges what each thread
# inserted, peak 1.81 GB; on one thread 13.5 s and 2.1 s, peak 1.41 GB. Every other step was
# slower on one thread. Replayed from the staged files of a 570k load: the whole publication
# and its commit 57.3 s -> 53.1 s, the process's peak 1.82 -> 1.67 GB.
ONE_THREAD_STEPS = frozenset({"insert_fct_trial_version"})


def publish(con: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, int]:
    """Merge the staged batch into the star schema; returns row counts per step. A night
    that staged no record runs only the steps that read its pulls (every other step reads
    the staged records, and 40 statements over nothing took 0.4 s of a quiet night), and
    those only when a pull listed the registry's trials for a full sync."""
    counts: dict[str, int] = {}
    steps: tuple[str, ...]
    if warehouse.has_staged_records(con):
        steps = PUBLISH_STEPS
    elif warehouse.has_full_sync_listing(con):
        steps = PULL_STEPS
    else:  # an UPDATE of dim_trial over an empty listing still scanned it: 0.1 s at 100k trials
        return counts
    progress = Progress("publish", run_id, len(steps), unit="load steps")
    params = {"run_id": run_id, "registry_study_url": warehouse.REGISTRY_STUDY_URL}
    for step in steps:
        with one_thread(con) if step in ONE_THREAD_STEPS else nullcontext():
            counts[step] = warehouse.run_sql_file(con, f"load/{step}.sql", params) or 0
        progress.advance()
    progress.done()
    return counts


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The connection on one thread for the block, its own thread count again after it. When
    the block fails inside a transaction, DuckDB refuses every statement, SET too, until the
    transaction ends: the block's own error is what the night reports (its building copy is
    discarded with the connection)."""
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute("SET threads = 1")
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("SET threads = ?", [threads])
        raise
    con.execute("SET threads = ?", [threads])
