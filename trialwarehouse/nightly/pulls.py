"""The API pulls a run finds in the landing folder: their manifests copied into etl_pull."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from trialwarehouse.nightly.pull_state import STATE_DIR, pending_manifests


def record_pulls(con: duckdb.DuckDBPyConnection, raw_dir: Path, run_id: int) -> None:
    """Copy completed pull manifests into etl_pull and stage full-sync id lists."""
    con.execute("CREATE OR REPLACE TEMP TABLE stg_full_sync (pull_id VARCHAR, query VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE stg_listed_ids (pull_id VARCHAR, nct_id VARCHAR)")
    for manifest in pending_manifests(raw_dir):
        inserted = con.execute(
            """
            INSERT INTO etl_pull VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING RETURNING pull_id
            """,
            [
                manifest["pull_id"],
                manifest["started_at"],
                manifest["finished_at"],
                manifest["status"],
                manifest["since"],
                manifest["query"],
                manifest["full"],
                manifest["pages"],
                manifest["studies"],
                manifest["total_count"],
                manifest["count_mismatch"],
                manifest["newest_last_update"],
                manifest["api_version"],
                manifest["data_timestamp"],
                manifest["listed_ids"],
                manifest["data_file"],
                run_id,
            ],
        ).fetchall()
        if inserted and manifest.get("full") and manifest.get("nct_ids_file"):
            listing = json.loads((raw_dir / STATE_DIR / manifest["nct_ids_file"]).read_text(encoding="utf-8"))
            con.execute("INSERT INTO stg_full_sync VALUES (?, ?)", [manifest["pull_id"], manifest["query"]])
            con.execute(
                "INSERT INTO stg_listed_ids SELECT ?, unnest(?::VARCHAR[])", [manifest["pull_id"], listing["nct_ids"]]
            )
