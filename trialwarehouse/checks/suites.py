"""The suites in `expectations/` (one JSON file each, found as package resources) and their
registry in dq_check: a check whose definition (its rules, or the SQL of its inputs) changed
re-checks every trial."""

from __future__ import annotations

import hashlib
import json

import duckdb

from trialwarehouse.resources import resource_dir
from trialwarehouse.warehouse import read_sql

SUITES = ("trial_checks", "site_checks", "result_checks", "warehouse_integrity")


def load_suite(name: str) -> dict:
    return json.loads((resource_dir("expectations") / f"{name}.json").read_text(encoding="utf-8"))


def _definition_hash(suite: dict, check: str, input_sql: dict[str, str]) -> str:
    rules = [x for x in suite["expectations"] if x["meta"]["check"] == check]
    # The SQL that computes a check's input is part of its definition: a changed measure
    # re-checks every trial, as a changed threshold does (and a night's scoped integrity
    # checks are preceded by one over the whole warehouse when their SQL changes).
    inputs = sorted({x["meta"].get("input_sql") or suite["meta"]["input_sql"] for x in rules})
    definition = [rules, suite["meta"]["checks"][check], [input_sql[path] for path in inputs]]
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


def register_checks(con: duckdb.DuckDBPyConnection, suites: dict[str, dict]) -> bool:
    """Refresh dq_check from the suites; True when any definition is new or changed. Only rows
    that differ are written: each write is a commit of its own, and a night where no suite
    changed (nearly every night) then writes nothing (0.36 s of 45 commits before)."""
    known = {row[0]: tuple(row) for row in con.execute("SELECT * FROM dq_check").fetchall()}
    changed = False
    for name, suite in suites.items():
        input_sql = {path: read_sql(path) for path in by_input(suite)}  # each file read once a suite
        for check, info in suite["meta"]["checks"].items():
            digest = _definition_hash(suite, check, input_sql)
            row = (
                check,
                info["severity"],
                info["explanation"],
                list(info["fields"]),
                name,
                bool(suite["meta"]["blocks_publication"]),
                digest,
            )
            stored = known.get(check)
            changed |= stored is None or stored[-1] != digest
            if stored != row:
                con.execute("INSERT OR REPLACE INTO dq_check VALUES (?, ?, ?, ?, ?, ?, ?)", list(row))
    return changed


def by_input(suite: dict) -> dict[str, list[dict]]:
    by_input: dict[str, list[dict]] = {}
    for expectation in suite["expectations"]:
        input_sql = expectation["meta"].get("input_sql") or suite["meta"]["input_sql"]
        by_input.setdefault(input_sql, []).append(expectation)
    return by_input
