"""The bundled sample is reproducible and covers every supported shape."""

import filecmp

from conftest import SAMPLE_LANDING, run_pipeline

from trialwarehouse.devtools.samplegen import generate


def test_generator_reproduces_the_committed_sample(tmp_path):
    written = generate(tmp_path)
    for path in written:
        committed = SAMPLE_LANDING / path.relative_to(tmp_path)
        assert committed.exists(), committed
        assert filecmp.cmp(path, committed, shallow=False), f"{committed} differs: run `make sample`"


def test_sample_loads_every_format_with_history(tmp_path, read_warehouse):
    summary = run_pipeline(SAMPLE_LANDING, tmp_path / "trials.duckdb")
    assert set(summary.ingest.formats) == {
        "ctgov-v2-json",
        "ctgov-legacy-xml",
        "trial-page-modern",
        "trial-page-classic",
    }
    assert summary.ingest.files_quarantined == 1
    con = read_warehouse(tmp_path / "trials.duckdb")
    changed = con.execute(
        "SELECT nct_id, list(overall_status ORDER BY version_number) FROM v_trial_versions GROUP BY 1 HAVING count(*) > 1 ORDER BY 1"
    ).fetchall()
    assert changed == [
        ("NCT09900001", ["RECRUITING", "ACTIVE_NOT_RECRUITING"]),
        ("NCT09900005", ["RECRUITING", "TERMINATED"]),
        ("NCT09900009", ["ACTIVE_NOT_RECRUITING", "COMPLETED"]),
        ("NCT09900017", ["NOT_YET_RECRUITING", "WITHDRAWN"]),
    ]
