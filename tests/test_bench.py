"""The benchmark's corpus scaler makes valid, distinct, realistic records (timing is `make bench`'s job)."""

import json

from conftest import run_pipeline, shared_path

from bench.scale import build_increment, build_json, build_xml


def test_scaled_corpus_loads_with_distinct_trials_and_a_real_increment(tmp_path):
    shared_path("data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip")
    corpus = build_json(120, tmp_path / "json")
    increment = build_increment(120, tmp_path / "inc", changed=20, new=5)
    lines = (corpus / "studies-0000.ndjson").read_text().splitlines()
    ids = [json.loads(line)["protocolSection"]["identificationModule"]["nctId"] for line in lines]
    assert len(ids) == 120 and len(set(ids)) == 120
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.ndjson").write_text((corpus / "studies-0000.ndjson").read_text())
    first = run_pipeline(landing, tmp_path / "w.duckdb")
    assert first.publish.trials_new == 120
    (landing / "b.ndjson").write_text((increment / "pull-increment.ndjson").read_text())
    second = run_pipeline(landing, tmp_path / "w.duckdb")
    assert (second.publish.trials_new, second.publish.trials_changed) == (5, 20)


def test_scaled_xml_corpus_loads(tmp_path):
    shared_path("data/reesewang25__enrollment_and_studylength/AllPublicXML_subset_20230203.tar.gz")
    corpus = build_xml(40, tmp_path / "xml")
    summary = run_pipeline(corpus, tmp_path / "x.duckdb")
    assert summary.publish.trials_new == 40
    assert summary.ingest.formats == {"ctgov-legacy-xml": 40}
