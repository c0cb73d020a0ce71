"""Staging a parsed file (trialwarehouse/nightly/staging.py): memory follows the batch size."""

from conftest import run_pipeline, snapshot

from bench.scale import build_json
from trialwarehouse.nightly.sources import describe_raw_file
from trialwarehouse.nightly.staging import ParseJob, parse_raw_file


def test_an_ndjson_file_of_many_studies_is_normalized_a_batch_at_a_time(tmp_path):
    """Issue 18: a pull file of 10,000 studies was normalized in one piece whatever
    TW_BATCH_SIZE said (a worker's memory followed the file); now in batches, same result."""
    corpus = build_json(120, tmp_path / "json")
    path = corpus / "studies-0000.ndjson"
    parsed = parse_raw_file(ParseJob(describe_raw_file(path, corpus), 0, 50, tmp_path / "staged"))
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
