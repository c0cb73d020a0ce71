"""One input never stops a night (issue 19): each hostile or broken input is quarantined
or refused record by record, with a reason naming the file, and the rest of the night loads.

Every case is a real file in a real landing folder, beside one real good study
(NCT02210780, an aact fixture), loaded into a real DuckDB warehouse.
"""

import copy
import json
import os
import zipfile

import duckdb
import pytest
from conftest import run_pipeline, shared_path

from trialwarehouse.nightly import ingest, sources
from trialwarehouse.nightly.quarantine_folders import MAX_NAME_BYTES
from trialwarehouse.nightly.sequence import run_night
from trialwarehouse.settings import Settings

GOOD = "NCT02210780"


def _base() -> dict:
    return json.loads(shared_path(f"data/ctti-clinicaltrials__aact/spec/support/json_data/{GOOD}.json").read_text())


def _study(nct_id: str, **changes) -> dict:
    study = copy.deepcopy(_base())
    study["protocolSection"]["identificationModule"]["nctId"] = nct_id
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = study["protocolSection"]
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return study


def _landing(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / f"{GOOD}.json").write_text(json.dumps(_base()), encoding="utf-8")
    return landing


def _query(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _loaded_ids(path):
    return [r[0] for r in _query(path, "SELECT nct_id FROM dim_trial ORDER BY nct_id")]


def test_deep_nesting_is_refused_and_the_night_loads(tmp_path):
    landing = _landing(tmp_path)
    nested: object = "text"
    for _ in range(600):  # orjson gives up at 255 levels; the registry never passes ~10
        nested = [nested]
    (landing / "deep.json").write_text(json.dumps(_study("NCT09000001", **{"descriptionModule.briefSummary": nested})))
    summary = run_pipeline(landing, tmp_path / "wh" / "trials.duckdb")
    assert _loaded_ids(tmp_path / "wh" / "trials.duckdb") == [GOOD]
    assert [(q["path"], q["reason"]) for q in summary.quarantined] == [
        ("deep.json", "no usable API v2 study: study nests JSON more than 64 levels deep: refused")
    ]


def test_a_study_over_16_mb_loads(tmp_path):
    """DuckDB's JSON reader stops at 16 MB per object by default: it is read again with room for it."""
    landing = _landing(tmp_path)
    summary_text = "y" * (17 << 20)
    big = _study("NCT09000003", **{"descriptionModule.briefSummary": summary_text})
    lines = json.dumps(big) + "\n" + json.dumps(_study("NCT09000004")) + "\n"
    (landing / "big.ndjson").write_text(lines, encoding="utf-8")
    (landing / "big-single.json").write_text(
        json.dumps(_study("NCT09000005", **{"descriptionModule.briefSummary": summary_text}))
    )
    path = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, path)
    assert summary.quarantined == []
    assert _loaded_ids(path) == [GOOD, "NCT09000003", "NCT09000004", "NCT09000005"]
    assert _query(
        path,
        "SELECT nct_id, length(brief_summary) FROM fct_trial_version WHERE length(brief_summary) > 1000 ORDER BY 1",
    ) == [("NCT09000003", 17 << 20), ("NCT09000005", 17 << 20)]


def test_a_file_name_that_is_not_utf8_loads_under_an_escaped_name(tmp_path):
    landing = _landing(tmp_path)
    (landing / os.fsdecode(b"caf\xe9-NCT09000005.json")).write_text(json.dumps(_study("NCT09000005")))
    path = tmp_path / "wh" / "trials.duckdb"
    run_pipeline(landing, path)
    assert _loaded_ids(path) == [GOOD, "NCT09000005"]
    assert _query(path, "SELECT path, action FROM etl_run_file ORDER BY path") == [
        ("NCT02210780.json", "loaded"),
        ("caf\\xe9-NCT09000005.json", "loaded"),
    ]


def test_a_file_deleted_while_the_run_reads_is_listed_and_the_night_loads(tmp_path, monkeypatch):
    # One job a file, so the first file is parsed before the last one is hashed.
    monkeypatch.setattr(ingest, "SMALL_JOB_BYTES", 1)
    monkeypatch.setattr(ingest, "FAN_OUT_JOB_BYTES", 1)
    landing = _landing(tmp_path)
    doomed = landing / "zz-deleted.json"
    doomed.write_text(json.dumps(_study("NCT09000006")))

    def parse_and_delete(jobs):
        for job in jobs:  # the first file is being parsed when another process deletes the last one
            doomed.unlink(missing_ok=True)
            yield ingest.parse_sequentially([job]).__next__()

    settings = Settings(raw_dir=landing, warehouse=tmp_path / "wh" / "trials.duckdb")
    summary = run_night(settings, parse_files=parse_and_delete, checks=False)
    assert _loaded_ids(settings.warehouse) == [GOOD]
    assert summary.ingest.skipped == [
        {"path": "zz-deleted.json", "reason": "could not be read: No such file or directory"}
    ]
    assert summary.ingest.files_skipped == 1


def test_a_file_deleted_after_it_was_hashed_costs_only_itself_among_the_small_files_parsed_with_it(tmp_path):
    """Small files are parsed several to a job: one of them failing whole sends each file of
    the job to be parsed alone, so only that one is refused."""
    landing = _landing(tmp_path)
    for nct_id in ("NCT09000007", "NCT09000008"):
        (landing / f"{nct_id}.json").write_text(json.dumps(_study(nct_id)))
    doomed = landing / "NCT09000007.json"

    def delete_then_parse(jobs):
        for job in jobs:
            assert len(job.raws) == 3  # the three small files are one job
            doomed.unlink()
            yield from ingest.parse_sequentially([job])

    settings = Settings(raw_dir=landing, warehouse=tmp_path / "wh" / "trials.duckdb")
    summary = run_night(settings, parse_files=delete_then_parse, checks=False)
    assert _loaded_ids(settings.warehouse) == [GOOD, "NCT09000008"]
    assert [(q["path"], q["reason"].partition(":")[0]) for q in summary.quarantined] == [
        ("NCT09000007.json", "file refused whole")
    ]
    assert "No such file or directory" in summary.quarantined[0]["reason"]
    # Each version keeps the file it came from, though they were read in one job.
    assert _query(
        settings.warehouse,
        "SELECT v.nct_id, f.first_path FROM fct_trial_version AS v "
        "JOIN dim_source_file AS f ON f.source_file_key = v.first_source_file_key ORDER BY 1",
    ) == [(GOOD, "NCT02210780.json"), ("NCT09000008", "NCT09000008.json")]


def test_non_ascii_digits_in_an_nct_id_are_refused_and_publication_goes_on(tmp_path):
    landing = _landing(tmp_path)
    arabic = "NCT\u0660\u0667\u0660\u0660\u0660\u0662\u0660\u0661"  # NCT07000201 in Arabic-Indic digits
    (landing / "arabic.ndjson").write_text(
        json.dumps(_study(arabic)) + "\n" + json.dumps(_study("NCT09000007")) + "\n", encoding="utf-8"
    )
    path = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, path, checks=True)  # the integrity check used to stop it here
    assert summary.status == "completed"
    assert _loaded_ids(path) == [GOOD, "NCT09000007"]
    assert [(q["path"], q["record_index"], q["reason"]) for q in summary.quarantined] == [
        ("arabic.ndjson", 0, f"nctId {arabic!r} is not NCT followed by 8 digits")
    ]


def test_an_archive_member_with_a_314_character_path_is_quarantined(tmp_path):
    landing = _landing(tmp_path)
    member = "/".join(["d" * 59] * 5) + "/x" * 5 + ".json"
    assert len(member) == 314
    with zipfile.ZipFile(landing / "long.zip", "w") as archive:
        archive.writestr(member, b"{ not json")
        archive.writestr("ok.json", json.dumps(_study("NCT09000008")))
    path = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, path)
    assert _loaded_ids(path) == [GOOD, "NCT09000008"]
    (refused,) = summary.quarantined
    assert refused["member"] == member
    copy_path = refused["quarantine_path"]
    assert len(os.path.basename(copy_path).encode()) <= MAX_NAME_BYTES
    assert open(copy_path, "rb").read() == b"{ not json"
    reason_file = copy_path + ".reason.txt"
    assert f"member: {member}\n" in open(reason_file, encoding="utf-8").read()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"designModule.enrollmentInfo": {"count": "abc", "type": "ACTUAL"}},
            "designModule.enrollmentInfo.count: 'abc'",
        ),
        ({"statusModule.startDateStruct": {"date": "2023-13-45"}}, "statusModule.startDateStruct.date: '2023-13-45'"),
        ({"designModule.phases": 3}, "designModule.phases: 3 is not a list of phase names"),
    ],
)
def test_wrong_types_are_refused_with_a_reason(tmp_path, change, reason):
    landing = _landing(tmp_path)
    (landing / "typed.json").write_text(
        json.dumps({"studies": [_study("NCT09000009", **change), _study("NCT09000010")]})
    )
    path = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, path)
    assert _loaded_ids(path) == [GOOD, "NCT09000010"]
    (refused,) = summary.quarantined
    assert (refused["path"], refused["record_index"]) == ("typed.json", 0)
    assert refused["reason"].startswith("wrong type, record refused: " + reason)


def test_a_bad_date_is_refused_on_the_ndjson_fast_path_too(tmp_path):
    landing = _landing(tmp_path)
    lines = [_study("NCT09000011", **{"statusModule.startDateStruct": {"date": "2023-13-45"}}), _study("NCT09000012")]
    (landing / "typed.ndjson").write_text("".join(json.dumps(s) + "\n" for s in lines))
    path = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, path)
    assert _loaded_ids(path) == [GOOD, "NCT09000012"]
    assert [(q["record_index"], q["reason"]) for q in summary.quarantined] == [
        (0, "wrong type, record refused: statusModule.startDateStruct.date: 2023-13-45 is not a calendar date")
    ]


def test_an_archive_bomb_is_refused_whole_within_bounds(tmp_path):
    landing = _landing(tmp_path)
    bomb = landing / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok.json", json.dumps(_study("NCT09000013")))
        for number in range(3):
            archive.writestr(f"zeros-{number}.json", b"0" * (60 << 20))  # 180 MB from ~180 kB
    size = bomb.stat().st_size
    path = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, path)
    assert _loaded_ids(path) == [GOOD]  # the archive's one good study is refused with it
    (refused,) = summary.quarantined
    limit = sources.MAX_ARCHIVE_RATIO * max(size, 1 << 20)
    assert (refused["path"], refused["member"]) == ("bomb.zip", "")
    assert refused["reason"].startswith(f"file refused whole: archive expands beyond {limit:,} bytes")
    quarantine = tmp_path / "wh" / "quarantine" / "run-000001"
    assert sorted(p.name for p in quarantine.iterdir()) == ["bomb.zip", "bomb.zip.reason.txt"]
    assert (quarantine / "bomb.zip").stat().st_size == size


def test_skipped_entries_are_counted_and_listed(tmp_path):
    landing = _landing(tmp_path)
    (landing / "link.json").symlink_to(landing / f"{GOOD}.json")
    (landing / ".hidden.json").write_text("{}")
    (landing / ".cache").mkdir()
    (landing / ".cache" / "x.json").write_text("{}")
    (landing / "pull.ndjson.part").write_text("{}")
    (landing / "studies.json.tmp").write_text("{}")
    summary = run_pipeline(landing, tmp_path / "wh" / "trials.duckdb")
    assert summary.ingest.files_skipped == 5
    assert summary.ingest.skipped == [
        {"path": ".cache/", "reason": "hidden folder: not read"},
        {"path": ".hidden.json", "reason": "hidden file: not read"},
        {"path": "link.json", "reason": "symbolic link: not followed (the landing folder holds files)"},
        {"path": "pull.ndjson.part", "reason": "still being written (*.part, *.tmp, ...): read once complete"},
        {"path": "studies.json.tmp", "reason": "still being written (*.part, *.tmp, ...): read once complete"},
    ]


def test_each_run_gets_a_fresh_quarantine_folder(tmp_path):
    landing = _landing(tmp_path)
    (landing / "empty.json").write_bytes(b"")
    path = tmp_path / "wh" / "trials.duckdb"
    stale = tmp_path / "wh" / "quarantine" / "run-000001"
    stale.mkdir(parents=True)
    (stale / "left-by-a-killed-run.json").write_text("x")

    def parse_then_fail(jobs):
        yield from ingest.parse_sequentially(jobs)
        raise RuntimeError("the night fails after quarantining")

    with pytest.raises(RuntimeError):
        run_night(Settings(raw_dir=landing, warehouse=path), parse_files=parse_then_fail, checks=False)
    root = tmp_path / "wh" / "quarantine"
    assert sorted(p.name for p in root.iterdir()) == ["run-000001.earlier-1", "run-000001.failed-1"]
    assert sorted(p.name for p in (root / "run-000001.failed-1").iterdir()) == ["empty.json", "empty.json.reason.txt"]
    summary = run_pipeline(landing, path)
    assert summary.run_id == 2
    assert sorted(p.name for p in (root / "run-000002").iterdir()) == ["empty.json", "empty.json.reason.txt"]


def test_same_nct_id_twice_in_one_page_is_ordered_by_its_own_dates(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    newer = _study(GOOD, **{"statusModule.overallStatus": "COMPLETED"})
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2021-06-01", "type": "ACTUAL"}
    older = _study(GOOD, **{"statusModule.overallStatus": "ACTIVE_NOT_RECRUITING"})
    older["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2019-01-15", "type": "ACTUAL"}
    (landing / "page.json").write_text(json.dumps({"studies": [newer, older]}))  # newest first, as the API sorts
    path = tmp_path / "wh" / "trials.duckdb"
    run_pipeline(landing, path)
    assert _query(
        path, "SELECT version_number, overall_status, is_current FROM fct_trial_version ORDER BY version_number"
    ) == [(1, "ACTIVE_NOT_RECRUITING", False), (2, "COMPLETED", True)]
    assert _query(path, "SELECT overall_status FROM v_trial_current") == [("COMPLETED",)]
    changes = _query(path, "SELECT field, old_value, new_value FROM fct_trial_change WHERE field = 'overall_status'")
    assert changes == [("overall_status", "ACTIVE_NOT_RECRUITING", "COMPLETED")]
