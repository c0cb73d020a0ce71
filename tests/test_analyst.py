"""`trialwarehouse sql` and `export`: read-only means read-only, formats, files."""

import csv
import io
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


# Issue 19: analysts' SQL must not touch a file, whatever form the statement takes.


def _sha256(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "statement",
    [
        "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{warehouse}' (FORMAT csv)",
        "EXPLAIN COPY (SELECT 'x') TO '{warehouse}' (FORMAT csv)",
        "EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1",
        "EXPLAIN ANALYZE DELETE FROM dim_trial",
        "SELECT 1; EXPLAIN ANALYZE COPY (SELECT 1) TO '{warehouse}'",
        "PRAGMA disable_checkpoint_on_shutdown",
        "CALL pragma_version()",
    ],
)
def test_explained_writes_and_other_statement_kinds_are_refused(sample_warehouse, statement):
    before = _sha256(sample_warehouse)
    result = _sql(statement.format(warehouse=sample_warehouse), "--warehouse", str(sample_warehouse))
    assert result.exit_code == 5, result.output
    assert "refused" in result.output
    assert _sha256(sample_warehouse) == before


def test_explain_of_a_read_is_allowed(sample_warehouse):
    for statement in ("EXPLAIN SELECT count(*) FROM dim_trial", "EXPLAIN ANALYZE SELECT count(*) FROM dim_trial"):
        (result,) = analyst.run_queries(analyst.open_read_only(sample_warehouse), statement)
        assert result.columns == ["explain_key", "explain_value"]
        assert "physical_plan" in result.rows[0][0] or "analyzed_plan" in result.rows[0][0]


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("COPY (SELECT 'x') TO '{warehouse}' (FORMAT csv)", duckdb.PermissionException),
        ("SELECT * FROM read_text('/etc/passwd')", duckdb.PermissionException),
        ("SELECT * FROM read_csv('/etc/passwd')", duckdb.PermissionException),
        ("SELECT * FROM glob('/etc/*')", duckdb.PermissionException),
        ("ATTACH '{other}' AS other", duckdb.PermissionException),
        ("SET enable_external_access = true", duckdb.InvalidInputException),
        ("RESET enable_external_access", duckdb.InvalidInputException),
        ("SET lock_configuration = false", duckdb.InvalidInputException),
    ],
)
def test_analyst_connection_cannot_reach_files_even_unchecked(sample_warehouse, tmp_path, statement, error):
    """The parser check is the first wall; the connection itself is the second: run
    directly, without the check, these still cannot read or write a file."""
    before = _sha256(sample_warehouse)
    con = analyst.open_read_only(sample_warehouse)
    try:
        with pytest.raises(error):
            con.execute(statement.format(warehouse=sample_warehouse, other=tmp_path / "other.duckdb")).fetchall()
        assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (False,)
    finally:
        con.close()
    assert _sha256(sample_warehouse) == before
    assert not (tmp_path / "other.duckdb").exists()


def test_several_statements_run_in_turn(sample_warehouse):
    result = _sql("SELECT 1 AS a; SELECT 2 AS b, 3 AS c", "--warehouse", str(sample_warehouse), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["a", "1", "", "b,c", "2,3"]


def test_output_file_takes_one_statement(sample_warehouse, tmp_path):
    target = tmp_path / "x.csv"
    result = _sql("SELECT 1; SELECT 2", "--warehouse", str(sample_warehouse), "--output", str(target))
    assert result.exit_code == 1
    assert "--output takes one statement" in result.output
    assert not target.exists()


def test_sql_csv_neutralizes_formula_cells(sample_warehouse):
    query = (
        "SELECT '=HYPERLINK(\"http://127.0.0.1/x\",\"y\")' AS a, '+1' AS b, '-2+3' AS c, '@SUM(A1)' AS d, "
        "chr(9) || 'tab' AS e, chr(13) || 'cr' AS f, -5 AS n, 'plain' AS g"
    )
    result = _sql(query, "--warehouse", str(sample_warehouse), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output, newline="")))
    assert rows[1] == [
        '\'=HYPERLINK("http://127.0.0.1/x","y")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\ttab",
        "'\rcr",
        "-5",
        "plain",
    ]


def test_corrupted_warehouse_is_named_in_one_line(tmp_path):
    broken = tmp_path / "trials.duckdb"
    broken.write_bytes(b"this is not a duckdb file" * 100)
    result = CliRunner().invoke(main, ["sql", "SELECT 1", "--warehouse", str(broken)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"error: {broken} is not a readable DuckDB warehouse")


def test_export_csv_neutralizes_record_text(tmp_path):
    """A real record whose title is a spreadsheet formula, loaded and exported as CSV."""
    from hostile import hostile_landing

    landing = hostile_landing(tmp_path / "landing")
    path = tmp_path / "wh" / "trials.duckdb"
    run_pipeline(landing, path)
    result = CliRunner().invoke(
        main, ["export", "--warehouse", str(path), "--to", str(tmp_path / "c"), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    with open(tmp_path / "c" / "v_trial_current.csv", encoding="utf-8", newline="") as handle:
        rows = {r["nct_id"]: r for r in csv.DictReader(handle)}
    assert rows["NCT02210780"]["brief_title"] == '\'=HYPERLINK("http://127.0.0.1/steal","Dupilumab")'
