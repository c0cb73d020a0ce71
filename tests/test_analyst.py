"""`trialwarehouse sql` and `export`: read-only means read-only, formats, files."""

import csv
import json

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_LANDING, run_pipeline

from flows.cli import main
from trialwarehouse.commands import analyst


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "trials.duckdb"
    run_pipeline(SAMPLE_LANDING, path)
    return path


def _sql(*args):
    return CliRunner().invoke(main, ["sql", *args])


def test_table_output_is_aligned(sample_warehouse):
    result = _sql(
        "SELECT nct_id, enrollment_count FROM v_trial_current ORDER BY nct_id LIMIT 2",
        "--warehouse",
        str(sample_warehouse),
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "nct_id      | enrollment_count"
    assert lines[1] == "------------+-----------------"
    assert lines[2] == "NCT04293692 |                0"
    assert lines[-1] == "(2 rows)"


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM dim_trial",
        "INSERT INTO dim_status VALUES ('X','x',true,true,true)",
        "DROP TABLE dim_trial",
        "CREATE TABLE x AS SELECT 1",
        "COPY dim_trial TO '/tmp/x.csv'",
        "ATTACH '/tmp/other.duckdb'",
        "UPDATE dim_trial SET nct_id = 'x'",
        "SELECT 1; DELETE FROM dim_trial",
        "INSTALL httpfs",
        "SET threads = 1",
    ],
)
def test_writes_are_refused_with_a_clear_message(sample_warehouse, statement):
    before = duckdb.connect(str(sample_warehouse), read_only=True)
    count = before.execute("SELECT count(*) FROM dim_trial").fetchone()[0]
    before.close()
    result = _sql(statement, "--warehouse", str(sample_warehouse))
    assert result.exit_code == 5
    assert "refused" in result.output and "only reads" in result.output
    after = duckdb.connect(str(sample_warehouse), read_only=True)
    assert after.execute("SELECT count(*) FROM dim_trial").fetchone()[0] == count
    after.close()


def test_csv_json_and_parquet_outputs(sample_warehouse, tmp_path):
    query = "SELECT nct_id, start_date FROM v_trial_current WHERE nct_id = 'NCT04293692'"
    as_csv = _sql(query, "--warehouse", str(sample_warehouse), "--format", "csv")
    assert as_csv.output.splitlines() == ["nct_id,start_date", "NCT04293692,2020-02-24"]
    as_json = _sql(query, "--warehouse", str(sample_warehouse), "--format", "json")
    assert json.loads(as_json.output) == [{"nct_id": "NCT04293692", "start_date": "2020-02-24"}]
    target = tmp_path / "out.parquet"
    as_parquet = _sql(query, "--warehouse", str(sample_warehouse), "--format", "parquet", "--output", str(target))
    assert as_parquet.exit_code == 0
    assert pq.read_table(target).to_pylist()[0]["nct_id"] == "NCT04293692"


def test_prompt_reads_statements_from_stdin(sample_warehouse):
    result = CliRunner().invoke(
        main,
        ["sql", "--warehouse", str(sample_warehouse)],
        input="SELECT count(*) AS n\nFROM v_trial_current;\nDELETE FROM dim_trial;\n",
    )
    assert "n \n" in result.output or "n\n" in result.output
    assert "27" in result.output
    assert "refused" in result.output


def test_export_writes_every_view_and_table_with_the_dictionary(sample_warehouse, tmp_path):
    result = CliRunner().invoke(main, ["export", "--warehouse", str(sample_warehouse), "--to", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        for name in analyst.public_objects(con):
            expected = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            path = tmp_path / "x" / name
            if path.is_dir():
                got = pq.ParquetDataset(path).read().num_rows
            else:
                got = pq.read_table(tmp_path / "x" / f"{name}.parquet").num_rows
            assert got == expected, name
    finally:
        con.close()
    assert (tmp_path / "x" / "fct_trial_version" / "overall_status=WITHDRAWN").is_dir()
    with open(tmp_path / "x" / "data_dictionary.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {"table", "column", "type", "meaning"} == set(rows[0])
    assert (tmp_path / "x" / "schema.md").exists()


def test_export_csv(sample_warehouse, tmp_path):
    result = CliRunner().invoke(
        main, ["export", "--warehouse", str(sample_warehouse), "--to", str(tmp_path / "c"), "--format", "csv"]
    )
    assert result.exit_code == 0
    with open(tmp_path / "c" / "v_trial_current.csv", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 27
