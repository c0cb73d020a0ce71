"""Staging parsed files (trialwarehouse/nightly/staging.py): memory follows the batch size; small
files share batches."""

import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE_LANDING, run_pipeline, snapshot

from bench.scale import build_json
from trialwarehouse.nightly import ingest
from trialwarehouse.nightly.sequence import run_night
from trialwarehouse.nightly.sources import describe_raw_file
from trialwarehouse.nightly.staging import ParseJob, parse_raw_files
from trialwarehouse.settings import Settings


def test_an_ndjson_file_of_many_studies_is_normalized_a_batch_at_a_time(tmp_path):
    """Issue 18: a pull file of 10,000 studies was normalized in one piece whatever
    TW_BATCH_SIZE said (a worker's memory followed the file); now in batches, same result."""
    corpus = build_json(120, tmp_path / "json")
    path = corpus / "studies-0000.ndjson"
    parsed = parse_raw_files(ParseJob((describe_raw_file(path, corpus),), 0, 50, tmp_path / "staged"))
    assert parsed.accepted == 120
    assert sorted(p.name for p in parsed.staged if p.name.startswith("versions-")) == [
        "versions-0000000-00000.parquet",
        "versions-0000000-00001.parquet",
        "versions-0000000-00002.parquet",
    ]
    whole = run_pipeline(corpus, tmp_path / "whole.duckdb")
    batched = run_pipeline(corpus, tmp_path / "batched.duckdb", batch_size=50)
    assert whole.publish.trials_new == batched.publish.trials_new == 120
    assert snapshot(tmp_path / "whole.duckdb") == snapshot(tmp_path / "batched.duckdb")


def test_small_files_parsed_together_give_the_same_warehouse_as_one_job_a_file(tmp_path, monkeypatch):
    """Small files share a job and its batches (API v2 JSON, legacy XML, page renders and a
    broken file in the sample landing folder): the warehouse is the same, row for row, as
    when each file is parsed alone, provenance included."""
    landing = Path(__file__).resolve().parents[1] / "sample" / "landing"
    jobs: list[int] = []

    def counting(parse_jobs):
        for job in parse_jobs:
            jobs.append(len(job.raws))
            yield from ingest.parse_sequentially([job])

    together = run_night(
        Settings(raw_dir=landing, warehouse=tmp_path / "together.duckdb"), parse_files=counting, checks=False
    )
    assert len(jobs) < sum(jobs) == together.ingest.files_loaded + together.ingest.files_quarantined
    monkeypatch.setattr(ingest, "SMALL_JOB_BYTES", 1)
    monkeypatch.setattr(ingest, "FAN_OUT_JOB_BYTES", 1)
    jobs.clear()
    alone = run_night(
        Settings(raw_dir=landing, warehouse=tmp_path / "alone.duckdb"), parse_files=counting, checks=False
    )
    assert set(jobs) == {1}
    assert together.ingest == alone.ingest
    assert snapshot(tmp_path / "together.duckdb") == snapshot(tmp_path / "alone.duckdb")


@pytest.mark.parametrize("layout", ["files in one job", "members of one archive"])
def test_an_ndjson_file_longer_than_a_batch_then_an_xml_record_loses_nothing(tmp_path, layout):
    """Review of issue 18's batching: the NDJSON slices left after a batch filled were
    dropped when an XML record came next, and the XML trial was credited to the NDJSON file."""
    corpus = build_json(12, tmp_path / "json")
    xml = SAMPLE_LANDING / "legacy_xml" / "NCT09900017.xml"
    landing = tmp_path / "landing"
    landing.mkdir()
    if layout == "files in one job":
        shutil.copy(corpus / "studies-0000.ndjson", landing / "a.ndjson")
        shutil.copy(xml, landing / "b.xml")
    else:
        with zipfile.ZipFile(landing / "mixed.zip", "w") as archive:
            archive.write(corpus / "studies-0000.ndjson", "a.ndjson")
            archive.write(xml, "b.xml")
    summary = run_pipeline(landing, tmp_path / "trials.duckdb", batch_size=5)
    assert summary.ingest.records_loaded == summary.publish.trials_new == 13
    con = duckdb.connect(str(tmp_path / "trials.duckdb"), read_only=True)
    try:
        sources = con.execute(
            "SELECT f.first_path, count(*) FROM fct_trial_version AS v "
            "JOIN dim_source_file AS f ON f.source_file_key = v.first_source_file_key GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    expected = [("a.ndjson", 12), ("b.xml", 1)] if layout == "files in one job" else [("mixed.zip", 13)]
    assert sources == expected


def test_job_bytes_shrink_to_one_file_a_job_towards_the_end_of_a_fan_out():
    """Issue 18: a fanned-out job is a Prefect task run (about 0.4 s of a worker's CPU and
    0.14 s of the server's apiece), so jobs gather files while much is left, and get small
    at the end, where one big job would leave the other workers idle."""
    mib = 1024 * 1024
    assert ingest.job_bytes(13_000 * mib, 2) == ingest.FAN_OUT_JOB_BYTES
    assert ingest.job_bytes(800 * mib, 2) == 100 * mib
    assert ingest.job_bytes(40 * mib, 2) == ingest.SMALL_JOB_BYTES
    assert ingest.job_bytes(13_000 * mib, 1) == ingest.SMALL_JOB_BYTES  # in one process: as before


def test_a_fan_out_parses_files_in_guided_jobs_and_loads_the_same_warehouse(tmp_path, monkeypatch):
    """Twelve files on two workers: several files a job first, one a job at the end, and the
    warehouse row for row the one that one job a file loads."""
    lines = (build_json(120, tmp_path / "json") / "studies-0000.ndjson").read_bytes().splitlines(keepends=True)
    landing = tmp_path / "landing"
    landing.mkdir()
    for number in range(12):
        (landing / f"part-{number:02d}.ndjson").write_bytes(b"".join(lines[number * 10 : number * 10 + 10]))
    size = (landing / "part-00.ndjson").stat().st_size
    monkeypatch.setattr(ingest, "SMALL_JOB_BYTES", 1)
    monkeypatch.setattr(ingest, "FAN_OUT_JOB_BYTES", 3 * size)
    jobs: list[int] = []

    def counting(parse_jobs):
        for job in parse_jobs:
            jobs.append(len(job.raws))
            yield from ingest.parse_sequentially([job])

    settings = Settings(raw_dir=landing, warehouse=tmp_path / "guided.duckdb", workers=2)
    guided = run_night(settings, parse_files=counting, checks=False)
    assert sum(jobs) == 12 and jobs[0] > 1 and jobs[-3:] == [1, 1, 1]
    assert jobs == sorted(jobs, reverse=True)
    monkeypatch.setattr(ingest, "FAN_OUT_JOB_BYTES", 1)
    jobs.clear()
    alone = run_night(
        settings.model_copy(update={"warehouse": tmp_path / "alone.duckdb"}), parse_files=counting, checks=False
    )
    assert set(jobs) == {1} and len(jobs) == 12
    assert guided.ingest == alone.ingest
    assert guided.ingest.records_loaded == 120
    assert snapshot(tmp_path / "guided.duckdb") == snapshot(tmp_path / "alone.duckdb")
