"""Every data-quality check flags a real failing row and passes a clean one.

The clean trial is a real record (AACT fixture NCT02552212, API v2, captured 2023-12-12:
completed, actual dates, results posted). Each failing case is that same record with one
thing changed, under its own NCT id, so the clean record proves the check stays quiet.
"""

import copy
import json
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE_LANDING, run_pipeline, shared_path
from record_edits import set_path

from trialwarehouse import warehouse
from trialwarehouse.checks import gx
from trialwarehouse.checks import runner as quality
from trialwarehouse.nightly import publication, transaction

BASE = "data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json"


S = "protocolSection.statusModule."
D = "protocolSection.designModule."
# check -> list of (path, value) changes; two-version cases list an earlier version first.
E = "protocolSection.eligibilityModule."
INTERVENTIONS = "protocolSection.armsInterventionsModule.interventions"
RECRUITING_SITE = [
    {"facility": "Site A", "city": "Birmingham", "state": "Alabama", "country": "United States", "status": "RECRUITING"}
]
# check -> list of (path, value) changes; two-version cases list an earlier version first.
CASES = {
    "status_unknown": [(S + "overallStatus", "UNKNOWN")],
    "withdrawn_with_enrollment": [
        (S + "overallStatus", "WITHDRAWN"),
        (S + "whyStopped", "No funding"),
        (S + "startDateStruct", {"date": "2015-09", "type": "ESTIMATED"}),
        (D + "enrollmentInfo", {"count": 60, "type": "ESTIMATED"}),
    ],
    "withdrawn_but_started": [(S + "overallStatus", "WITHDRAWN"), (S + "whyStopped", "No funding")],
    "withdrawn_or_stopped_without_reason": [(S + "overallStatus", "TERMINATED")],
    "reason_without_stop": [(S + "overallStatus", "RECRUITING"), (S + "whyStopped", "<script>alert(1)</script>")],
    "enrollment_text_mismatch": [
        (
            "protocolSection.descriptionModule.briefSummary",
            "Axial spondyloarthritis study. The investigators plan to recruit 500 participants.",
        ),
        (D + "enrollmentInfo", {"count": 317, "type": "ESTIMATED"}),
    ],
    "enrollment_type_vs_status": [(D + "enrollmentInfo.type", "ESTIMATED")],
    "stale_open_status": [(S + "overallStatus", "ACTIVE_NOT_RECRUITING")],
    "open_with_actual_primary_completion": [(S + "overallStatus", "RECRUITING")],
    "date_order": [(S + "primaryCompletionDateStruct.date", "2014-01")],
    "actual_date_in_future": [(S + "startDateStruct.date", "2030-01")],
    "estimated_date_in_past": [
        (S + "overallStatus", "TERMINATED"),
        (S + "whyStopped", "Sponsor decision"),
        (S + "primaryCompletionDateStruct.type", "ESTIMATED"),
    ],
    "completed_without_actual_dates": [(S + "startDateStruct.type", "ESTIMATED")],
    "completed_inconsistent": [(D + "enrollmentInfo", {"count": 0, "type": "ACTUAL"})],
    "phase_na_for_drug": [(D + "phases", ["NA"])],
    "phase_text_mismatch": [
        ("protocolSection.identificationModule.officialTitle", "A Phase 1 Study of Certolizumab Pegol in axSpA")
    ],
    "intervention_type_vs_product": [(INTERVENTIONS, [{"type": "BEHAVIORAL", "name": "Certolizumab Pegol 200 mg"}])],
    "healthy_volunteers_vs_criteria": [(E + "healthyVolunteers", True)],
    "age_range_invalid": [(E + "minimumAge", "80 Years"), (E + "maximumAge", "65 Years")],
    "age_text_mismatch": [
        (E + "maximumAge", "75 Years"),
        (
            E + "eligibilityCriteria",
            "Inclusion Criteria:\n\n* Aged 18 to 65 years\n* Active axSpA\n\nExclusion Criteria:\n\n* None",
        ),
    ],
    # The record's certificate of delay (2019-03-01) would defer the deadline: without it,
    # results were due one year after the primary completion.
    "results_overdue": [
        ("hasResults", False),
        ("resultsSection", None),
        (S + "resultsFirstPostDateStruct", None),
        (S + "resultsFirstSubmitDate", None),
        (S + "resultsFirstSubmitQcDate", None),
        (S + "dispFirstSubmitDate", None),
        (S + "dispFirstSubmitQcDate", None),
        (S + "dispFirstPostDateStruct", None),
    ],
    "retrospective_registration": [(S + "studyFirstSubmitDate", "2016-01-05")],
    "site_status_conflict": [("protocolSection.contactsLocationsModule.locations", RECRUITING_SITE)],
}
# The same site listed twice, its country spelled two ways: one site, so one finding.
SITE_LISTED_TWICE = [
    {"facility": "Site K", "city": "Seongnam", "country": country, "status": "RECRUITING"}
    for country in ("South Korea", "Korea, Republic of")
]
# One problem, one finding (issue 16): changes that must raise exactly the findings listed.
ONE_FINDING_CASES = {
    "site_listed_twice_with_two_country_spellings": (
        [("protocolSection.contactsLocationsModule.locations", SITE_LISTED_TWICE)],
        {"site_status_conflict"},
    ),
    # An UNKNOWN trial's site statuses and estimates are frozen last-known values.
    "unknown_with_frozen_site_and_estimate": (
        [
            (S + "overallStatus", "UNKNOWN"),
            (S + "lastKnownStatus", "RECRUITING"),
            (S + "primaryCompletionDateStruct.type", "ESTIMATED"),
            ("protocolSection.contactsLocationsModule.locations", RECRUITING_SITE),
        ],
        {"status_unknown"},
    ),
    # Follow-up after an ACTUAL primary completion is normal: not stale, nothing to report.
    "active_not_recruiting_in_follow_up": (
        [
            (S + "overallStatus", "ACTIVE_NOT_RECRUITING"),
            (S + "completionDateStruct", {"date": "2024-05", "type": "ESTIMATED"}),
        ],
        set(),
    ),
    # An open trial whose estimated primary completion passed years ago: stale, not also "estimated".
    "recruiting_past_its_estimated_completion": (
        [
            (S + "overallStatus", "RECRUITING"),
            (S + "primaryCompletionDateStruct.type", "ESTIMATED"),
            (S + "completionDateStruct", {"date": "2024-05", "type": "ESTIMATED"}),
        ],
        {"stale_open_status"},
    ),
    # A behavioral trial is not an applicable clinical trial: no results are due.
    "behavioral_trial_without_results": (
        [
            ("hasResults", False),
            ("resultsSection", None),
            (S + "resultsFirstPostDateStruct", None),
            (INTERVENTIONS, [{"type": "BEHAVIORAL", "name": "Exercise programme"}]),
            (D + "phases", ["NA"]),
            ("protocolSection.identificationModule.officialTitle", "Exercise in axSpA"),
        ],
        set(),
    ),
    # Primary completion before the Final Rule (2017-01-18): not tracked as due.
    "completed_before_the_final_rule": (
        [
            ("hasResults", False),
            ("resultsSection", None),
            (S + "resultsFirstPostDateStruct", None),
            (S + "primaryCompletionDateStruct.date", "2016-05"),
        ],
        set(),
    ),
}
HISTORY_CASES = {
    # earlier version changes, later version changes (the later one is current)
    "status_changed": (
        [(S + "overallStatus", "RECRUITING")],
        [(S + "overallStatus", "TERMINATED"), (S + "whyStopped", "Sponsor decision")],
    ),
    "enrollment_shortfall": ([(D + "enrollmentInfo", {"count": 1000, "type": "ESTIMATED"})], []),
}


def _variant(base: dict, nct: str, changes, capture: str, last_update: str) -> dict:
    study = copy.deepcopy(base)
    set_path(study, "protocolSection.identificationModule.nctId", nct)
    set_path(study, "derivedSection.miscInfoModule.versionHolder", capture)
    set_path(study, S + "lastUpdatePostDateStruct", {"date": last_update, "type": "ACTUAL"})
    for path, value in changes:
        set_path(study, path, copy.deepcopy(value))
    return study


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    base = json.loads(shared_path(BASE).read_text())
    folder = tmp_path_factory.mktemp("landing")
    (folder / "clean.json").write_text(json.dumps(base))
    ids: dict[str, str] = {}
    lines = []
    for number, (check, changes) in enumerate(CASES.items(), start=1):
        ids[check] = f"NCT9900{number:04d}"
        lines.append(json.dumps(_variant(base, ids[check], changes, "2023-12-12", "2022-08-18")))
    for number, (case, (changes, _)) in enumerate(ONE_FINDING_CASES.items(), start=70):
        ids[case] = f"NCT9900{number:04d}"
        lines.append(json.dumps(_variant(base, ids[case], changes, "2023-12-12", "2022-08-18")))
    for number, (check, (earlier, later)) in enumerate(HISTORY_CASES.items(), start=50):
        ids[check] = f"NCT9900{number:04d}"
        lines.append(json.dumps(_variant(base, ids[check], earlier, "2021-01-05", "2021-01-04")))
        lines.append(json.dumps(_variant(base, ids[check], later, "2023-12-12", "2022-08-18")))
    (folder / "variants.ndjson").write_text("\n".join(lines) + "\n")
    wh = tmp_path_factory.mktemp("wh") / "trials.duckdb"
    summary = run_pipeline(folder, wh, checks=True)
    con = duckdb.connect(str(wh), read_only=True)
    findings = con.execute("SELECT nct_id, check_name, rule, severity, message, evidence FROM dq_finding").fetchall()
    con.close()
    return ids, findings, summary


@pytest.mark.parametrize("check", [*CASES, *HISTORY_CASES])
def test_check_flags_the_failing_variant_and_not_the_clean_record(checked, check):
    ids, findings, _ = checked
    flagged = {nct for nct, name, *_ in findings if name == check}
    assert ids[check] in flagged, f"{check} did not flag its failing case"
    assert "NCT02552212" not in flagged, f"{check} flagged the clean record"


def test_the_clean_record_has_no_finding_at_all(checked):
    _, findings, _ = checked
    assert [f for f in findings if f[0] == "NCT02552212"] == []


def test_status_change_severity_follows_the_transition(checked):
    ids, findings, _ = checked
    severities = {(n, c): s for n, c, _, s, _, _ in findings}
    assert severities[(ids["status_changed"], "status_changed")] == "warning"  # RECRUITING -> TERMINATED


def test_findings_explain_themselves(checked):
    ids, findings, _ = checked
    by_check = {c: (m, json.loads(e)) for n, c, _, _, m, e in findings if n == ids.get(c)}
    message, evidence = by_check["enrollment_text_mismatch"]
    assert message == (
        "The text plans 500 participants, the planned (ESTIMATED) enrollment is 317: "
        '"The investigators plan to recruit 500 participants."'
    )
    assert evidence["values"]["stated_enrollment"] == 500
    assert "enrollment_count" in evidence["fields"]


def test_results_overdue_says_why_the_trial_is_applicable_and_when_results_were_due(checked):
    ids, findings, _ = checked
    [message] = [m for n, c, _, _, m, _ in findings if (n, c) == (ids["results_overdue"], "results_overdue")]
    assert message == (
        "No results posted: they were due 2019-05-01, one year after the primary completion 2018-05, and are "
        "4 years late at the capture date 2023-12-12. An applicable clinical trial (42 CFR 11.22) because it tests "
        "a drug or biological at a U.S. site (a probable ACT: the record predates the FDA-regulated flags)."
    )


def test_messages_quote_source_values_as_written_and_never_print_null(checked):
    ids, findings, _ = checked
    messages = {c: m for n, c, _, _, m, _ in findings if n == ids.get(c)}
    assert all("NULL" not in m and "None" not in m for m in messages.values())
    assert messages["age_text_mismatch"] == (
        'The criteria state a maximum age of 65 years, the structured maximum age is 75 Years: "* Aged 18 to 65 years"'
    )
    assert messages["age_range_invalid"] == "Minimum age 80 Years is above the maximum age 65 Years."
    assert messages["phase_na_for_drug"] == "Phase is NA for an interventional trial that tests Certolizumab Pegol."
    assert messages["withdrawn_or_stopped_without_reason"] == (
        "TERMINATED, but the record gives no reason why the trial stopped (why_stopped is empty)."
    )


@pytest.mark.parametrize("case", ONE_FINDING_CASES)
def test_one_problem_raises_one_finding(checked, case):
    ids, findings, _ = checked
    assert {c for n, c, *_ in findings if n == ids[case]} == ONE_FINDING_CASES[case][1]


def test_a_site_listed_twice_gets_the_same_finding_text_on_every_run(checked):
    # The site's two rows tie on the finding's identity (facility and city): the one the
    # finding quotes is the first in the check input's order, which must not be left to
    # the sort (a 20k load gave "South Korea" in one run and "Korea, Republic of" in another).
    ids, findings, _ = checked
    [message] = [m for n, c, *_, m, _ in findings if n == ids["site_listed_twice_with_two_country_spellings"]]
    assert message == "Site Site K (Seongnam, Korea, Republic of) is still RECRUITING while the trial is COMPLETED."


@pytest.fixture(scope="module")
def seeds_checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    for seed in shared_path("seeds").glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    wh = tmp_path_factory.mktemp("wh") / "trials.duckdb"
    run_pipeline(folder, wh, checks=True)
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT nct_id, check_name, message FROM dq_finding").fetchall()
    con.close()
    return rows


def test_seed_findings(seeds_checked):
    found = {(n, c) for n, c, _ in seeds_checked}
    assert ("NCT04293692", "phase_na_for_drug") in found
    assert ("NCT04293692", "withdrawn_but_started") in found  # "Withdrawn" with an "Actual Study Start Date"
    assert ("NCT05689008", "status_unknown") in found
    # Issue 16: the planned 48 is no finding against a withdrawn trial's ACTUAL 0, and an UNKNOWN
    # trial's RECRUITING site is its frozen last-known status, already reported by status_unknown.
    assert ("NCT04293692", "enrollment_text_mismatch") not in found
    assert ("NCT05689008", "site_status_conflict") not in found
    message = next(m for n, c, m in seeds_checked if (n, c) == ("NCT04293692", "phase_na_for_drug"))
    assert message == "Phase is NA for an interventional trial that tests UC-MSCs."


def test_findings_have_a_life(tmp_path):
    seeds = shared_path("seeds")
    night1, night2, night3 = (tmp_path / f"n{i}" for i in (1, 2, 3))
    for night in (night1, night2, night3):
        night.mkdir()
    (night1 / "classic.txt").write_bytes((seeds / "002_2a0bb01d304053c2.txt").read_bytes())
    (night2 / "modern.txt").write_bytes((seeds / "000_993b791048a96074.txt").read_bytes())
    fixed = (seeds / "002_2a0bb01d304053c2.txt").read_text(encoding="utf-8")
    fixed = fixed.replace("Biological: UC-MSCs", "Other: UC-MSCs").replace(
        "Last Update Posted : March 18, 2020", "Last Update Posted : April 18, 2020"
    )
    (night3 / "classic-fixed.txt").write_text(fixed, encoding="utf-8")
    wh = tmp_path / "trials.duckdb"

    def state(check, nct):
        con = duckdb.connect(str(wh), read_only=True)
        try:
            return con.execute(
                'SELECT state FROM v_dq_findings WHERE "check" = ? AND nct_id = ? ORDER BY finding_key DESC',
                [check, nct],
            ).fetchone()[0]
        finally:
            con.close()

    run_pipeline(night1, wh, checks=True)
    assert state("phase_na_for_drug", "NCT04293692") == "NEW"
    run_pipeline(night2, wh, checks=True)
    assert state("phase_na_for_drug", "NCT04293692") == "OPEN"
    assert state("status_unknown", "NCT05689008") == "NEW"
    run_pipeline(night3, wh, checks=True)  # no drug or biological any more: phase NA is fine
    assert state("phase_na_for_drug", "NCT04293692") == "RESOLVED"
    assert state("withdrawn_but_started", "NCT04293692") == "OPEN"


def test_accepted_findings_are_not_reported(tmp_path):
    from click.testing import CliRunner

    from flows.cli import main
    from trialwarehouse.nightly.report import read_report_data

    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "classic.txt").write_bytes((shared_path("seeds") / "002_2a0bb01d304053c2.txt").read_bytes())
    wh = tmp_path / "trials.duckdb"
    run_pipeline(folder, wh, checks=True)
    con = duckdb.connect(str(wh), read_only=True)
    key = con.execute("SELECT finding_key FROM dq_finding WHERE check_name = 'phase_na_for_drug'").fetchone()[0]
    con.close()
    result = CliRunner().invoke(
        main, ["accept", str(key), "--note", "device-like cell therapy, NA is right", "--warehouse", str(wh)]
    )
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(wh), read_only=True)
    try:
        data = read_report_data(con, 1)
        assert "phase_na_for_drug" not in {f["check"] for f in data.findings}
        assert (
            con.execute("SELECT accepted_note FROM v_dq_findings WHERE finding_key = ?", [key])
            .fetchone()[0]
            .startswith("device")
        )
    finally:
        con.close()
    assert CliRunner().invoke(main, ["accept", "999999", "--note", "x", "--warehouse", str(wh)]).exit_code == 7


def _second_night(tmp_path: Path) -> Path:
    """A night that adds one trial to the sample warehouse, NCT02591810, in two versions."""
    night = tmp_path / "night"
    night.mkdir()
    history = "data/ctti-clinicaltrials__aact/history/NCT02591810/"
    for name, record in (
        ("withdrawn.xml", "20171020_140a133b62__93b76b510c.xml"),
        ("earlier.xml", "20170130_beff82e835__98f152c0de.xml"),
    ):
        (night / name).write_bytes(shared_path(history + record).read_bytes())
    return night


def test_a_night_checks_the_integrity_of_what_it_wrote_not_of_the_whole_warehouse(tmp_path):
    # A night re-read every trial and every row of the registry (two inputs of 570,000 rows
    # validated by GX, four seconds a night); it reads the trials it loaded and rows it wrote.
    wh = tmp_path / "trials.duckdb"
    first = run_pipeline(SAMPLE_LANDING, wh, checks=True)
    second = run_pipeline(_second_night(tmp_path), wh, checks=True)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        evaluated = {
            (run, rule): rows
            for run, rule, rows in con.execute(
                "SELECT run_id, rule, evaluated_rows FROM dq_run_check WHERE check_name LIKE 'integrity_%'"
            ).fetchall()
        }
        trials = con.execute("SELECT count(*) FROM dim_trial").fetchall()[0][0]
    finally:
        con.close()
    assert first.quality.evaluated_trials == trials - 1 > 10  # every trial of the first night
    assert evaluated[(first.run_id, "exactly_one_current")] == trials - 1
    assert second.quality.evaluated_trials == 1
    assert evaluated[(second.run_id, "exactly_one_current")] == evaluated[(second.run_id, "nct_plus_8_digits")] == 1


@pytest.mark.parametrize(
    "breakage, message",
    [
        ("UPDATE fct_trial_version SET is_current = true", "NCT02591810 has 2 current versions"),
        (
            "INSERT INTO bridge_version_sponsor SELECT * FROM bridge_version_sponsor "
            "WHERE version_key = (SELECT max(version_key) FROM fct_trial_version) LIMIT 1",
            "bridge_version_sponsor has 1 \\(version_key, ordinal\\) keys stored more than once",
        ),
        (
            "INSERT INTO fct_version_arm (version_key, ordinal) SELECT max(version_key) + 5, 0 FROM fct_trial_version",
            "fct_version_arm has 1 rows whose version does not exist",
        ),
        (  # on the night's own last version: pins where the rows it wrote begin
            "INSERT INTO bridge_version_site SELECT max(version_key), 999, -1, 'RECRUITING' FROM fct_trial_version",
            "bridge_version_site has 1 rows whose version does not exist, or whose dimension row does not",
        ),
        (
            "UPDATE fct_record_sighting SET version_key = -1 WHERE run_id = (SELECT max(run_id) FROM fct_record_sighting)",
            "fct_record_sighting has 2 rows whose version does not exist",
        ),
    ],
)
def test_a_broken_row_written_by_the_night_stops_its_publication(tmp_path, monkeypatch, breakage, message):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(SAMPLE_LANDING, wh, checks=True)
    before = Path(wh).read_bytes()
    original = publication.publish

    def publish_then_break(con, run_id):
        counts = original(con, run_id)
        con.execute(breakage)
        return counts

    monkeypatch.setattr(publication, "publish", publish_then_break)
    with pytest.raises(quality.IntegrityError, match=message):
        run_pipeline(_second_night(tmp_path), wh, checks=True)
    assert Path(wh).read_bytes() == before


def test_checks_read_the_committed_load(tmp_path, monkeypatch):
    # Exported inside the open publication, the checks' inputs ran out of memory at registry
    # scale (DuckDB keeps an uncommitted load pinned in memory), so they read the commit.
    seen = []
    export = quality._export_inputs

    def probe_then_export(con, suite, run_id, work):
        # Outside a transaction every statement gets its own id; inside one they share it.
        first, second = (con.execute("SELECT txid_current()").fetchall()[0][0] for _ in range(2))
        seen.append("inside the open publication" if first == second else "after the commit")
        return export(con, suite, run_id, work)

    monkeypatch.setattr(quality, "_export_inputs", probe_then_export)
    run_pipeline(SAMPLE_LANDING, tmp_path / "trials.duckdb", checks=True)
    assert seen and set(seen) == {"after the commit"}


def test_the_flow_gives_its_cache_back_while_gx_validates(tmp_path, monkeypatch):
    """Issue 18: while GX's process validates, the flow's connection waits; at 570k trials its
    cached blocks (about 700 MB) and GX's process took the full load past 2 GB. Its limit is
    lowered then, and the loading limit holds again for the findings' persistence."""
    seen = []
    validate = quality.validate

    def probe_then_validate(check, in_gx=None):
        seen.append(check.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return validate(check, in_gx)

    persist = quality.persist

    def probe_then_persist(check):
        seen.append(check.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return persist(check)

    monkeypatch.setattr(quality, "validate", probe_then_validate)
    monkeypatch.setattr(quality, "persist", probe_then_persist)
    run_pipeline(SAMPLE_LANDING, tmp_path / "trials.duckdb", checks=True, duckdb_memory_limit="700MB")
    assert seen == ["61.0 MiB", "667.5 MiB"]


def test_a_released_cache_is_memory_given_back(tmp_path):
    """What the flow's process holds after a query (DuckDB keeps the memory it used) goes back to
    the system while the cache is released, and the connection's limit comes back after, even
    when the work it waited for failed."""

    def resident_mb() -> int:
        return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) // 1024

    con = warehouse.connect(tmp_path / "w.duckdb", memory_limit="1GB")
    con.execute("CREATE TABLE t AS SELECT range AS id, repeat('x', 200) || range AS payload FROM range(1000000)")
    con.execute("SELECT count(DISTINCT payload) FROM t").fetchall()  # a 300 MB hash table, then freed
    holding = resident_mb()
    with transaction.cache_released(con, "1GB"):
        released = resident_mb()
    assert holding - released > 150
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("953.6 MiB",)]
    with pytest.raises(RuntimeError), transaction.cache_released(con, "900MB"):
        raise RuntimeError("GX's process failed")
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("858.3 MiB",)]
    con.close()


def test_every_integrity_rule_flags_a_broken_warehouse(fresh_db):
    fresh_db.execute("INSERT INTO dim_source_file VALUES (1, 'abc', 'f.json', 1, 'x', 'loaded', 2, 1)")
    fresh_db.execute(
        "INSERT INTO dim_trial (trial_key, nct_id, first_seen_run_id, registry_url) VALUES (1, 'NCT123', 1, 'x')"
    )
    fresh_db.execute("INSERT INTO bridge_version_keyword VALUES (77, 0, 'orphan')")
    fresh_db.execute("INSERT INTO bridge_version_keyword VALUES (77, 0, 'same key again')")
    fresh_db.execute("INSERT INTO bridge_version_site VALUES (77, 0, 999, 'RECRUITING')")  # no such version or facility
    with pytest.raises(quality.IntegrityError) as raised:
        quality.check_integrity(fresh_db, 1)
    text = " ".join(raised.value.messages)
    assert "NCT123 has 0 current versions" in text
    assert "bridge_version_keyword has 2 rows whose version does not exist, or whose dimension row does not" in text
    assert "bridge_version_site has 1 rows whose version does not exist, or whose dimension row does not" in text
    assert "bridge_version_keyword has 1 (version_key, ordinal) keys stored more than once" in text
    assert "Trial id NCT123 is not NCT followed by 8 digits" in text
    assert "f.json: 2 records accepted from the file but 0 stored" in text


def test_chunked_validation_gives_the_same_findings_and_counts(tmp_path, monkeypatch):
    # Inputs are validated CHUNK_ROWS at a time (bounded memory): chunks of 7 rows (the trial
    # input of 25 rows spans four; GX's cost is per chunk, and 2 rows took 90 s) must find
    # exactly what one chunk finds, and GX's merged results must count the whole input.
    folder = tmp_path / "landing"
    folder.mkdir()
    for seed in shared_path("seeds").glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    base = json.loads(shared_path(BASE).read_text())
    lines = [
        json.dumps(_variant(base, f"NCT9900{n:04d}", changes, "2023-12-12", "2022-08-18"))
        for n, (_, changes) in enumerate(CASES.items(), start=1)
    ]
    (folder / "variants.ndjson").write_text("\n".join(lines) + "\n")

    def findings(name: str):
        wh = tmp_path / name / "trials.duckdb"
        summary = run_pipeline(folder, wh, checks=True)
        con = duckdb.connect(str(wh), read_only=True)
        try:
            rows = con.execute(
                "SELECT finding_key, fingerprint, nct_id, check_name, rule, severity, message, evidence "
                "FROM dq_finding ORDER BY finding_key"
            ).fetchall()
            tallies = con.execute("SELECT * EXCLUDE (run_id) FROM dq_run_check ORDER BY ALL").fetchall()
        finally:
            con.close()
        counts = {
            sql: [
                (r["expectation_config"]["meta"]["rule"], r["result"]["element_count"], r["result"]["unexpected_count"])
                for r in result["results"]
            ]
            for suite in summary.quality.validation_json.values()
            for sql, result in suite.items()
        }
        return rows, tallies, counts

    whole = findings("whole")
    monkeypatch.setattr(gx, "CHUNK_ROWS", 7)
    chunked = findings("chunked")
    assert chunked == whole
    assert any(unexpected for rules in whole[2].values() for _, _, unexpected in rules)


def test_unchanged_suites_write_nothing_to_the_check_registry(tmp_path):
    from trialwarehouse.checks.suites import SUITES, load_suite, register_checks

    suites = {name: load_suite(name) for name in SUITES}
    path = tmp_path / "trials.duckdb"
    con = warehouse.connect(path)
    warehouse.apply_schema(con)
    register_checks(con, suites)
    con.close()
    reader = warehouse.connect(path, read_only=True)  # any write would raise
    assert not register_checks(reader, suites)
    reader.close()


def test_the_sql_of_a_checks_input_is_part_of_its_definition(fresh_db, monkeypatch):
    # A night's integrity checks read only what it wrote: when their SQL changes (a release),
    # one night re-checks the whole warehouse, as for a changed rule.
    from trialwarehouse.checks import suites as registry

    suites = {name: registry.load_suite(name) for name in registry.SUITES}
    assert registry.register_checks(fresh_db, suites)
    before = dict(fresh_db.execute("SELECT check_name, definition_hash FROM dq_check").fetchall())
    original = registry.read_sql
    monkeypatch.setattr(
        registry, "read_sql", lambda path: original(path) + ("\n-- reworked" if path.endswith("orphans.sql") else "")
    )
    assert registry.register_checks(fresh_db, suites)
    after = dict(fresh_db.execute("SELECT check_name, definition_hash FROM dq_check").fetchall())
    assert {check for check in before if before[check] != after[check]} == {"integrity_no_orphans"}


def test_the_check_registry_follows_the_suites_and_flags_only_changed_definitions(fresh_db):
    from trialwarehouse.checks.suites import SUITES, load_suite, register_checks

    suites = {name: load_suite(name) for name in SUITES}
    assert register_checks(fresh_db, suites)  # an empty registry: every definition is new
    registered = fresh_db.execute("SELECT * FROM dq_check ORDER BY check_name").fetchall()
    assert len(registered) == sum(len(s["meta"]["checks"]) for s in suites.values())
    assert not register_checks(fresh_db, suites)  # the same suites again: nothing to re-check
    # A reworded explanation is written back without re-checking every trial.
    first = registered[0][0]
    fresh_db.execute("UPDATE dq_check SET explanation = 'stale words' WHERE check_name = ?", [first])
    assert not register_checks(fresh_db, suites)
    assert fresh_db.execute("SELECT * FROM dq_check ORDER BY check_name").fetchall() == registered
    # A changed rule (its hash) is a definition change.
    fresh_db.execute("UPDATE dq_check SET definition_hash = 'older rule' WHERE check_name = ?", [first])
    assert register_checks(fresh_db, suites)
    assert fresh_db.execute("SELECT * FROM dq_check ORDER BY check_name").fetchall() == registered


def test_a_finding_raised_again_is_seen_by_the_run_and_refreshed_where_it_changed(fresh_db):
    """Issue 18: an open finding raised again gets the run as its last raiser, and its text,
    severity and version only where they changed (rewriting every text of a full re-check
    took 150 s at 570k trials). A resolved row with the same fingerprint stays as it was."""
    con = fresh_db
    rows = [  # key, fingerprint, severity, message, evidence, version, resolved
        (1, "same", "warning", "m1", '{"a": 1}', 10, None),
        (2, "reworded", "warning", "old words", '{"a": 2}', 10, None),
        (3, "new-evidence", "warning", "m3", None, 10, None),
        (4, "graver", "warning", "m4", '{"a": 4}', 10, None),
        (5, "new-version", "info", "m5", '{"a": 5}', 10, None),
        (6, "same", "warning", "resolved long ago", '{"a": 0}', 7, 1),
        (7, "not-raised", "info", "m7", None, 10, None),
    ]
    for key, fingerprint, severity, message, evidence, version, resolved in rows:
        con.execute(
            "INSERT INTO dq_finding (finding_key, fingerprint, nct_id, check_name, rule, severity, message, evidence, "
            "version_key, first_seen_run_id, last_raised_run_id, resolved_run_id) "
            "VALUES (?, ?, 'NCT00000001', 'c', 'r', ?, ?, ?, ?, 1, 1, ?)",
            [key, fingerprint, severity, message, evidence, version, resolved],
        )
    con.execute(
        """
        CREATE TEMP TABLE stg_dq_finding AS SELECT * FROM (VALUES
            ('same', 'warning', 'm1', '{"a": 1}', 10), ('reworded', 'warning', 'new words', '{"a": 2}', 10),
            ('new-evidence', 'warning', 'm3', '{"b": 3}', 10), ('graver', 'error', 'm4', '{"a": 4}', 10),
            ('new-version', 'info', 'm5', '{"a": 5}', 11)
        ) AS t(fingerprint, severity, message, evidence, version_key)
        """
    )
    warehouse.run_sql_file(con, "load/dq_update_open_findings.sql", {"run_id": 2})
    after = con.execute(
        "SELECT finding_key, severity, message, evidence::VARCHAR, version_key, last_raised_run_id "
        "FROM dq_finding ORDER BY finding_key"
    ).fetchall()
    assert after == [
        (1, "warning", "m1", '{"a": 1}', 10, 2),
        (2, "warning", "new words", '{"a": 2}', 10, 2),
        (3, "warning", "m3", '{"b": 3}', 10, 2),
        (4, "error", "m4", '{"a": 4}', 10, 2),
        (5, "info", "m5", '{"a": 5}', 11, 2),
        (6, "warning", "resolved long ago", '{"a": 0}', 7, 1),
        (7, "info", "m7", None, 10, 1),
    ]
