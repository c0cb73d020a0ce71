"""The warehouse fingerprint (bench/fingerprint.py) is equal for equal builds and tells different ones apart."""

import shutil

import duckdb
from conftest import SAMPLE_LANDING

from bench.fingerprint import build, fingerprint, lines


def test_two_builds_of_the_same_landing_have_the_same_fingerprint(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    first = fingerprint(build(landing, tmp_path / "a" / "trials.duckdb"))
    # Another folder, other inodes and times: only content counts.
    moved = tmp_path / "elsewhere"
    shutil.copytree(landing, moved)
    second = fingerprint(build(moved, tmp_path / "b" / "trials.duckdb"))
    assert first == second
    assert first["dim_trial"][0] > 0 and first["fct_trial_version"][0] >= first["dim_trial"][0]
    assert first["etl_run"][0] == 1
    assert len(lines(first)) == len(first)


def test_a_changed_row_changes_the_fingerprint_of_its_table_only(tmp_path):
    warehouse = build(SAMPLE_LANDING, tmp_path / "trials.duckdb", checks=False)
    before = fingerprint(warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute(
        "UPDATE dim_trial SET registry_url = registry_url || '#x' WHERE trial_key = (SELECT min(trial_key) FROM dim_trial)"
    )
    con.close()
    after = fingerprint(warehouse)
    assert after["dim_trial"][0] == before["dim_trial"][0]
    assert after["dim_trial"][1] != before["dim_trial"][1]
    assert {t for t in before if before[t] != after[t]} == {"dim_trial"}
