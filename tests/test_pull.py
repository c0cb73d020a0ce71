"""Pulling from the API v2: against a real HTTP server on 127.0.0.1 replaying real records."""

import json
import zipfile
from datetime import date

import duckdb
import pytest
from api_server import FakeRegistry
from conftest import run_pipeline, shared_path

from trialwarehouse.nightly.pull import PullError, incremental_term, pull
from trialwarehouse.nightly.pull_state import default_since
from trialwarehouse.settings import Settings


@pytest.fixture(scope="module")
def real_studies() -> list[dict]:
    archive = shared_path("data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip")
    with zipfile.ZipFile(archive) as z:
        return [json.loads(z.read(name)) for name in sorted(z.namelist())[:250]]


def _settings(tmp_path, registry, **overrides) -> Settings:
    values = dict(
        api_url=registry.url,
        warehouse=tmp_path / "trials.duckdb",
        pull_page_size=40,
        pull_rate_per_minute=60_000,
        pull_backoff_seconds=0.01,
        pull_read_timeout=1.0,
        pull_connect_timeout=1.0,
        pull_max_attempts=4,
    )
    values.update(overrides)
    return Settings(**values)


def _ids_in(path) -> list[str]:
    return [
        json.loads(line)["protocolSection"]["identificationModule"]["nctId"] for line in path.read_text().splitlines()
    ]


def test_query_term():
    assert incremental_term(date(2026, 11, 20), None) == "AREA[LastUpdatePostDate]RANGE[2026-11-20,MAX]"
    assert (
        incremental_term(date(2026, 11, 20), "cancer") == "(cancer) AND AREA[LastUpdatePostDate]RANGE[2026-11-20,MAX]"
    )


def test_every_study_arrives_exactly_once_through_faults(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies) as registry:
        registry.faults = ["ok", "429", "ok", "503", "ok", "drop", "ok", "truncate", "ok", "slow", "ok"]
        state = pull(_settings(tmp_path, registry), raw, since=date(2024, 1, 1), log=lambda _: None)
    data = raw / state.data_file
    ids = _ids_in(data)
    expected = [s["protocolSection"]["identificationModule"]["nctId"] for s in real_studies]
    assert ids == expected  # in order, none twice, none missing
    assert (state.pages, state.studies, state.total_count, state.count_mismatch) == (7, 250, 250, False)
    assert not list(raw.rglob("*.part"))
    studies_requests = [r for r in registry.requests if r["path"].endswith("/studies")]
    assert len(studies_requests) == 7 + 5  # seven pages, five of them asked twice
    first, *rest = studies_requests
    assert first["params"]["countTotal"] == "true" and "pageToken" not in first["params"]
    for request in rest:
        # Every page repeats the first page's parameters, plus its token.
        assert request["params"]["query.term"] == "AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]"
        assert request["params"]["pageSize"] == "40"
    assert all(r["user_agent"].startswith("trialwarehouse/") for r in registry.requests)
    assert state.data_timestamp == "2026-11-21T09:00:00"
    # The saved lines are the API's study objects, unchanged.
    assert json.loads(data.read_text().splitlines()[0]) == real_studies[0]


def test_attempts_are_bounded_and_the_error_names_url_and_status(tmp_path, real_studies):
    with FakeRegistry(real_studies) as registry:
        registry.faults = ["503"] * 10
        with pytest.raises(PullError, match=r"/api/v2/studies failed after 4 attempts; last problem: HTTP 503"):
            pull(_settings(tmp_path, registry), tmp_path / "landing", since=date(2024, 1, 1), log=lambda _: None)
        assert len([r for r in registry.requests if r["path"].endswith("/studies")]) == 4


def test_crash_mid_pull_resumes_from_the_last_completed_page(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies) as registry:
        registry.faults = ["ok", "ok", "ok", "404"]  # the 4th page fails hard: the pull stops
        settings = _settings(tmp_path, registry)
        with pytest.raises(PullError, match="HTTP 404"):
            pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)
        part = next(raw.rglob("*.ndjson.part"))
        assert len(_ids_in(part)) == 120
        with part.open("ab") as handle:  # a page half-written when the process died
            handle.write(b'{"protocolSection": {"identificationModule": {"nctId": "NCT0')
        # Meanwhile a nightly load ignores the unfinished file.
        summary = run_pipeline(raw, tmp_path / "trials.duckdb")
        assert summary.ingest.files_seen == 0
        before = len(registry.requests)
        state = pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)
        resumed = [r for r in registry.requests[before:] if r["path"].endswith("/studies")]
        assert "pageToken" in resumed[0]["params"]  # page 4, not page 1 again
    ids = _ids_in(raw / state.data_file)
    assert len(ids) == 250 and len(set(ids)) == 250


def test_count_mismatch_is_recorded_and_loaded(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies) as registry:
        registry.total_count_override = 260
        state = pull(_settings(tmp_path, registry), raw, since=date(2024, 1, 1), log=lambda _: None)
    assert state.count_mismatch is True
    run_pipeline(raw, tmp_path / "trials.duckdb")
    con = duckdb.connect(str(tmp_path / "trials.duckdb"), read_only=True)
    try:
        row = con.execute(
            "SELECT studies_received, total_count, count_mismatch, data_timestamp FROM etl_pull"
        ).fetchone()
        assert row == (250, 260, True, "2026-11-21T09:00:00")
        assert con.execute("SELECT count(*) FROM dim_trial").fetchone()[0] == 250
    finally:
        con.close()


def test_since_defaults_to_last_pull_newest_update_minus_one_day(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies) as registry:
        settings = _settings(tmp_path, registry, pull_window_days=5)
        assert default_since(settings, raw, today=date(2026, 11, 22)) == date(2026, 11, 17)
        state = pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)
        newest = max(s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] for s in real_studies)
        assert state.newest_last_update == newest
        expected = date.fromordinal(date.fromisoformat(newest).toordinal() - 1)
        assert default_since(settings, raw) == expected  # from the manifest, before any load
        run_pipeline(raw, settings.warehouse)
        for manifest in (raw / ".pulls").glob("*.manifest.json"):
            manifest.unlink()
        assert default_since(settings, raw) == expected  # from etl_pull in the warehouse


def test_full_sync_flags_trials_the_registry_no_longer_returns(tmp_path, real_studies):
    raw = tmp_path / "landing"
    wh = tmp_path / "trials.duckdb"
    with FakeRegistry(real_studies) as registry:
        settings = _settings(tmp_path, registry)
        pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)
        run_pipeline(raw, wh)
        gone = real_studies[0]["protocolSection"]["identificationModule"]["nctId"]
        registry.listed_ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in real_studies[1:]]
        state = pull(settings, raw, since=date(2024, 1, 1), full=True, log=lambda _: None)
        assert state.listed_ids == 249
        run_pipeline(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        removed = con.execute("SELECT nct_id FROM dim_trial WHERE removed_from_source_run_id IS NOT NULL").fetchall()
        assert removed == [(gone,)]
        assert con.execute("SELECT count(*) FROM fct_trial_version WHERE nct_id = ?", [gone]).fetchone()[0] == 1
        # The second pull delivered the same bytes: that night staged no record, and the
        # listing alone flagged the trial (publication runs its pull steps on such a night).
        second_night = con.execute("SELECT DISTINCT action FROM etl_run_file WHERE run_id = 2").fetchall()
        assert second_night == [("unchanged",)]
    finally:
        con.close()


@pytest.mark.prefect
def test_nightly_flow_pulls_then_loads(tmp_path, real_studies):
    import os
    import subprocess
    import sys

    raw = tmp_path / "landing"
    raw.mkdir()
    wh = tmp_path / "trials.duckdb"
    with FakeRegistry(real_studies[:30]) as registry:
        env = {
            **os.environ,
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "TW_PULL_BACKOFF_SECONDS": "0.01",
            "TW_PULL_RATE_PER_MINUTE": "60000",
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "run",
                "--pull",
                "--api-url",
                registry.url,
                "--raw-dir",
                str(raw),
                "--warehouse",
                str(wh),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "trials:      30 new" in result.stdout
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM etl_pull").fetchone()[0] == 1
    finally:
        con.close()


def test_pull_command_reports_what_it_fetched(tmp_path, real_studies):
    from click.testing import CliRunner

    from flows.cli import main

    with FakeRegistry(real_studies[:10]) as registry:
        result = CliRunner().invoke(
            main,
            [
                "pull",
                "--raw-dir",
                str(tmp_path / "landing"),
                "--since",
                "2024-01-01",
                "--api-url",
                registry.url,
                "--warehouse",
                str(tmp_path / "w.duckdb"),
            ],
        )
    assert result.exit_code == 0, result.output
    assert "pulled 10 studies in 1 pages" in result.output


# Issue 19: bounded in pages, time and trust.


def _progress(raw) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((raw / ".pulls").glob("*.progress.json"))]


def test_a_repeated_page_token_stops_the_pull_and_is_not_resumed(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies[:120]) as registry:
        registry.faults = ["ok", "repeat-token"]  # page 2 hands back its own token
        settings = _settings(tmp_path, registry)
        with pytest.raises(PullError, match="repeated page token .* after page 2: stopped"):
            pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)
        assert len([r for r in registry.requests if r["path"].endswith("/studies")]) == 2
        (state,) = _progress(raw)
        assert state["status"] == "abandoned" and state["pages"] == 1
        assert "repeated page token" in state["problem"]
        fresh = pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)  # starts afresh, not the loop
    assert fresh.status == "completed" and fresh.studies == 120 and fresh.pages == 3
    assert fresh.pull_id != state["pull_id"]


def test_empty_pages_with_fresh_tokens_are_bounded_by_the_announced_total(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies[:100]) as registry:
        registry.always = "empty-fresh"
        with pytest.raises(PullError, match="page 6 is more than the 5 pages 100 studies need: stopped"):
            pull(_settings(tmp_path, registry), raw, since=date(2024, 1, 1), log=lambda _: None)
        assert len([r for r in registry.requests if r["path"].endswith("/studies")]) == 6


def test_a_trickled_body_is_cut_off_per_request(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies[:5]) as registry:
        registry.faults = ["trickle", "trickle"]
        registry.trickle_seconds = 0.05  # 4 bytes every 50 ms: far inside the 1 s read timeout
        settings = _settings(tmp_path, registry, pull_request_seconds=0.5, pull_max_attempts=3)
        state = pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)  # the third attempt is clean
    assert state.studies == 5 and state.status == "completed"


def test_the_whole_pull_is_bounded_in_wall_time(tmp_path, real_studies):
    import time

    raw = tmp_path / "landing"
    with FakeRegistry(real_studies[:5]) as registry:
        registry.always = "trickle"
        registry.trickle_seconds = 0.05
        settings = _settings(tmp_path, registry, pull_request_seconds=0.4, pull_max_seconds=1.5, pull_max_attempts=50)
        started = time.monotonic()
        with pytest.raises(PullError, match=r"pull stopped at its 2 s bound \(TW_PULL_MAX_SECONDS\)"):
            pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)
    assert time.monotonic() - started < 4.0


def test_an_html_page_with_status_200_fails_at_once(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies[:5]) as registry:
        registry.faults = ["html"]
        with pytest.raises(PullError, match="answered HTML with status 200, not JSON"):
            pull(_settings(tmp_path, registry), raw, since=date(2024, 1, 1), log=lambda _: None)
        assert len([r for r in registry.requests if r["path"].endswith("/studies")]) == 1


@pytest.mark.parametrize("where", ["page", "version"])
def test_a_response_that_is_a_list_fails_with_its_name(tmp_path, real_studies, where):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies[:5]) as registry:
        if where == "page":
            registry.faults = ["list"]
        else:
            registry.version_body = b'["2.0.5"]'
        with pytest.raises(PullError, match="answered JSON list, not an object"):
            pull(_settings(tmp_path, registry), raw, since=date(2024, 1, 1), log=lambda _: None)


def test_a_short_pull_is_loaded_but_never_advances_the_watermark(tmp_path, real_studies):
    raw = tmp_path / "landing"
    with FakeRegistry(real_studies[:3]) as registry:
        registry.total_count_override = 5000  # announced 5,000, sent 3
        settings = _settings(tmp_path, registry, pull_window_days=5)
        state = pull(settings, raw, since=date(2024, 1, 1), log=lambda _: None)
    assert (state.status, state.studies, state.total_count) == ("short", 3, 5000)
    assert default_since(settings, raw, today=date(2026, 11, 22)) == date(2026, 11, 17)  # not from the short pull
    run_pipeline(raw, settings.warehouse)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute("SELECT status, studies_received, total_count FROM etl_pull").fetchall() == [
            ("short", 3, 5000)
        ]
        assert con.execute("SELECT count(*) FROM dim_trial").fetchall() == [(3,)]
    finally:
        con.close()
    assert default_since(settings, raw, today=date(2026, 11, 22)) == date(2026, 11, 17)
