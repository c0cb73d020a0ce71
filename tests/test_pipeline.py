"""A whole run on real records: idempotency, quarantine, versions, atomicity, single writer."""

import hashlib
import shutil
from datetime import date

import duckdb
import pytest
from conftest import run_pipeline, shared_path, snapshot

from transforms.frames import build_frames
from trialwarehouse import warehouse
from trialwarehouse.nightly import files, lifecycle, publication
from trialwarehouse.settings import Settings


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing"
    folder.mkdir()
    for name in ("NCT02552212.json", "NCT03630471.json", "NCT04207047.json"):
        shutil.copy(shared_path(f"data/ctti-clinicaltrials__aact/spec/support/json_data/{name}"), folder / name)
    shutil.copy(shared_path("data/hantswilliams__clinicaltrials_trec_2022/data/sample/NCT00055081.xml"), folder)
    for seed in shared_path("seeds").glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    shutil.copy(
        shared_path("data/ctti-clinicaltrials__aact/history/NCT02654730/20170810_6dbeeb5d4e__a38bab0077.xml"),
        folder / "malformed.xml",
    )
    return folder


def test_run_loads_every_format_and_quarantines_the_malformed_file(landing, tmp_path, read_warehouse):
    wh = tmp_path / "wh" / "trials.duckdb"
    before = hashlib.sha256((landing / "malformed.xml").read_bytes()).hexdigest()
    summary = run_pipeline(landing, wh)
    assert (summary.ingest.files_seen, summary.ingest.files_loaded, summary.ingest.files_quarantined) == (7, 6, 1)
    assert summary.publish.trials_new == 6
    con = read_warehouse(wh)
    assert con.execute("SELECT count(*) FROM v_trial_current").fetchone()[0] == 6
    assert sorted(r[0] for r in con.execute("SELECT DISTINCT source_format FROM v_trial_current").fetchall()) == [
        "ctgov-legacy-xml",
        "ctgov-v2-json",
        "trial-page-classic",
        "trial-page-modern",
    ]
    reason, copy = con.execute(
        "SELECT reason, quarantine_path FROM etl_quarantine WHERE path = 'malformed.xml'"
    ).fetchone()
    assert "not well-formed" in reason
    # The raw file is untouched; the quarantine holds a byte-identical copy and the reason.
    assert hashlib.sha256((landing / "malformed.xml").read_bytes()).hexdigest() == before
    assert hashlib.sha256(open(copy, "rb").read()).hexdigest() == before
    assert "not well-formed" in open(copy + ".reason.txt").read()
    run = con.execute("SELECT status, files_quarantined, records_loaded FROM etl_run").fetchone()
    assert run == ("completed", 1, 6)


def test_second_run_on_same_input_changes_nothing(landing, tmp_path):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(landing, wh)
    first = snapshot(wh)
    again = run_pipeline(landing, wh)
    assert again.ingest.files_unchanged == 7 and again.publish.versions_added == 0
    assert snapshot(wh) == first


def test_a_night_that_staged_nothing_attaches_no_staging_and_publishes_nothing(landing, tmp_path):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(landing, wh)
    con = warehouse.connect(wh)
    flagged = "SELECT count(*) FROM dim_trial WHERE removed_from_source_run_id IS NOT NULL"
    try:
        # Views and tables left from an earlier attach on the same connection go too.
        con.execute("CREATE TEMP VIEW stg_versions AS SELECT 'NCT00000000' AS nct_id")
        con.execute("CREATE TEMP TABLE stg_conditions AS SELECT 1 AS x")
        con.execute("CREATE TEMP TABLE stg_full_sync (pull_id VARCHAR, query VARCHAR)")
        con.execute("CREATE TEMP TABLE stg_listed_ids (pull_id VARCHAR, nct_id VARCHAR)")

        def empty_batch():
            raise AssertionError("a night that staged nothing builds no empty frames")

        warehouse.attach_staging(con, tmp_path / "no-staging", empty_batch)
        staged = {f"stg_{name}" for name in warehouse.STAGING_TABLES}
        left = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE temporary "
            "UNION ALL SELECT table_name FROM duckdb_tables() WHERE temporary"
        ).fetchall()
        assert not staged & {name for (name,) in left}
        assert not warehouse.has_staged_records(con)
        # No record and no full-sync listing: not even the pull steps run.
        assert publication.publish(con, 99) == {}
        assert con.execute(flagged).fetchone()[0] == 0
        # A full sync that listed no trial still runs them: every trial is flagged.
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO stg_full_sync VALUES ('pull-1', NULL)")
        assert publication.publish(con, 99) == {"mark_removed_trials": 6}
        assert con.execute(flagged).fetchone()[0] == 6
        con.execute("ROLLBACK")
    finally:
        con.close()


def test_tables_a_batch_did_not_stage_get_their_shape_from_one_empty_batch(tmp_path):
    frames = build_frames([])
    staging = tmp_path / "staging"
    staging.mkdir()
    frames["versions"].write_parquet(staging / "versions-00000.parquet")
    built = []

    def empty_batch():
        built.append(1)
        return frames

    con = duckdb.connect()
    try:
        warehouse.attach_staging(con, staging, empty_batch)
        assert built == [1]  # once for every table without a file, only because one lacks it
        assert warehouse.has_staged_versions(con) and not warehouse.has_staged_records(con)
        for name in warehouse.STAGING_TABLES:
            columns = [c[0] for c in con.execute(f"DESCRIBE stg_{name}").fetchall()]
            assert columns == frames[name].columns, name
    finally:
        con.close()


def test_same_content_under_another_name_is_stored_once(landing, tmp_path, read_warehouse):
    shutil.copy(landing / "NCT02552212.json", landing / "copy-of-NCT02552212.json")
    wh = tmp_path / "trials.duckdb"
    run_pipeline(landing, wh)
    con = read_warehouse(wh)
    assert con.execute("SELECT count(*) FROM fct_trial_version WHERE nct_id = 'NCT02552212'").fetchone()[0] == 1
    actions = dict(con.execute("SELECT path, action FROM etl_run_file").fetchall())
    assert actions["copy-of-NCT02552212.json"] == "unchanged"


def test_misnamed_fixture_with_other_capture_is_one_version_two_sightings(tmp_path, read_warehouse):
    # AACT's json_data/NCT02278341.json really holds NCT02552212, captured 2024-01-03 vs 2023-12-12.
    folder = tmp_path / "landing"
    folder.mkdir()
    for name in ("NCT02278341.json", "NCT02552212.json"):
        shutil.copy(shared_path(f"data/ctti-clinicaltrials__aact/spec/support/json_data/{name}"), folder / name)
    wh = tmp_path / "trials.duckdb"
    run_pipeline(folder, wh)
    con = read_warehouse(wh)
    rows = con.execute(
        "SELECT count(*), min(first_capture_date), max(last_capture_date) FROM fct_trial_version"
    ).fetchone()
    assert rows == (1, date(2023, 12, 12), date(2024, 1, 3))
    assert con.execute("SELECT count(*) FROM fct_record_sighting").fetchone()[0] == 2


def test_older_capture_loaded_later_lands_in_the_past(tmp_path, read_warehouse):
    # AACT fixture history of NCT02591810: NOT_YET_RECRUITING in 2016, WITHDRAWN later.
    history = shared_path("data/ctti-clinicaltrials__aact/history/NCT02591810")
    files = sorted(history.glob("*.xml"))
    assert len(files) >= 2
    newest, older = files[-1], files[0]
    wh = tmp_path / "trials.duckdb"
    night1, night2 = tmp_path / "n1", tmp_path / "n2"
    night1.mkdir()
    night2.mkdir()
    shutil.copy(newest, night1)
    shutil.copy(older, night2)
    run_pipeline(night1, wh)
    run_pipeline(night2, wh)
    con = read_warehouse(wh)
    timeline = con.execute(
        "SELECT version_number, overall_status, is_current FROM v_trial_versions WHERE nct_id = 'NCT02591810'"
    ).fetchall()
    assert timeline[0][1] == "NOT_YET_RECRUITING" and timeline[0][2] is False
    assert timeline[-1] == (len(timeline), "WITHDRAWN", True)
    assert con.execute("SELECT count(*) FROM fct_trial_version WHERE is_current").fetchone()[0] == 1


def test_failed_run_leaves_warehouse_as_it_was_and_is_recorded(landing, tmp_path, monkeypatch, read_warehouse):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(landing, wh)
    before = snapshot(wh)
    extra = tmp_path / "night2"
    shutil.copytree(landing, extra)
    shutil.copy(shared_path("data/ctti-clinicaltrials__aact/spec/support/json_data/NCT06171568.json"), extra)

    def explode(con, run_id):
        con.execute(
            "INSERT INTO dim_trial (nct_id, first_seen_run_id, registry_url) VALUES ('NCT99999999', ?, 'x')", [run_id]
        )
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(publication, "publish", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_pipeline(extra, wh)
    assert snapshot(wh) == before
    assert not (tmp_path / "trials.duckdb.building").exists()
    assert "disk on fire" in (tmp_path / "trials.duckdb.runs.jsonl").read_text()
    monkeypatch.undo()
    run_pipeline(extra, wh)  # the next run records the failure and does the work
    con = read_warehouse(wh)
    assert con.execute("SELECT run_id, status, error FROM etl_run ORDER BY run_id").fetchall() == [
        (1, "completed", None),
        (2, "failed", "RuntimeError: disk on fire"),
        (3, "completed", None),
    ]
    assert con.execute("SELECT count(*) FROM dim_trial WHERE nct_id = 'NCT06171568'").fetchone()[0] == 1


def test_next_run_after_failure_completes_the_work(landing, tmp_path, read_warehouse):
    wh = tmp_path / "trials.duckdb"
    (tmp_path / "trials.duckdb.building").write_bytes(b"leftover of a killed run")
    run_pipeline(landing, wh)
    con = read_warehouse(wh)
    assert con.execute("SELECT count(*) FROM dim_trial").fetchone()[0] == 6


def test_second_writer_is_refused_with_a_clear_message(tmp_path):
    wh = tmp_path / "trials.duckdb"
    held = files.acquire_writer_lock(wh)
    try:
        with pytest.raises(files.WarehouseBusy, match="another run is writing"):
            lifecycle.open_run(Settings(warehouse=wh), tmp_path)
    finally:
        held.close()


def test_unchanged_files_are_not_read_again_and_a_rewritten_one_is(landing, tmp_path, monkeypatch, read_warehouse):
    from trialwarehouse.nightly import sources

    wh = tmp_path / "trials.duckdb"
    run_pipeline(landing, wh)
    hashed = []
    real_file_sha256 = sources.file_sha256

    def counting_file_sha256(path):
        hashed.append(path.name)
        return real_file_sha256(path)

    monkeypatch.setattr(sources, "file_sha256", counting_file_sha256)
    again = run_pipeline(landing, wh)
    assert hashed == [] and again.ingest.files_unchanged == again.ingest.files_seen  # stat matched: nothing read

    # Same size, old modification time put back: only ctime tells, and it is enough.
    target = landing / "NCT02552212.json"
    before = target.stat()
    target.write_text(target.read_text(encoding="utf-8").replace("COMPLETED", "WITHDRAWN", 1), encoding="utf-8")
    import os

    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    third = run_pipeline(landing, wh)
    assert hashed == ["NCT02552212.json"] and third.ingest.files_loaded == 1
