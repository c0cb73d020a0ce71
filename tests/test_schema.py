"""The warehouse documents itself: every table, view and column has a COMMENT."""

from trialwarehouse import warehouse
from trialwarehouse.nightly import publication

REQUIRED_CURRENT_COLUMNS = """nct_id brief_title official_title overall_status last_known_status why_stopped study_type
phases allocation intervention_model masking primary_purpose enrollment_count enrollment_type start_date start_date_type
primary_completion_date primary_completion_date_type completion_date completion_date_type first_posted_date
last_update_posted_date status_verified_date min_age_years max_age_years sex healthy_volunteers lead_sponsor n_sites
n_conditions n_interventions has_results source_format""".split()


def test_every_table_and_column_has_a_comment(fresh_db):
    missing_tables = fresh_db.execute("SELECT table_name FROM duckdb_tables() WHERE comment IS NULL").fetchall()
    missing_views = fresh_db.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND comment IS NULL"
    ).fetchall()
    missing_columns = fresh_db.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert (missing_tables, missing_views, missing_columns) == ([], [], [])


def test_schema_files_match_the_declared_objects(fresh_db):
    tables = {r[0] for r in fresh_db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    views = {r[0] for r in fresh_db.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert tables == set(warehouse.TABLES)
    assert views == set(warehouse.VIEWS)
    on_disk = {p.stem for p in (warehouse.sql_dir() / "tables").glob("*.sql")}
    assert on_disk == set(warehouse.TABLES)
    from trialwarehouse.checks.runner import LIFECYCLE_STEPS

    expected_steps = set(publication.PUBLISH_STEPS) | {f"dq_{step}" for step in LIFECYCLE_STEPS}
    assert {p.stem for p in (warehouse.sql_dir() / "load").glob("*.sql")} == expected_steps


def test_current_view_has_the_documented_columns(fresh_db):
    columns = [r[0] for r in fresh_db.execute("DESCRIBE v_trial_current").fetchall()]
    assert [c for c in REQUIRED_CURRENT_COLUMNS if c not in columns] == []
    for view, expected in {
        "v_trial_sites": ["nct_id", "facility", "city", "state", "zip", "country", "site_status"],
        "v_trial_sponsors": ["nct_id", "sponsor_role", "organization_name", "agency_class"],
        "v_trial_conditions": ["nct_id", "condition_name"],
        "v_trial_interventions": ["nct_id", "intervention_type", "intervention_name"],
        "v_trial_arms": ["nct_id", "arm_label", "arm_type"],
        "v_trial_outcomes": ["nct_id", "outcome_kind", "measure", "time_frame"],
    }.items():
        present = [r[0] for r in fresh_db.execute(f"DESCRIBE {view}").fetchall()]
        assert [c for c in expected if c not in present] == [], view


def test_schema_is_idempotent(fresh_db):
    warehouse.apply_schema(fresh_db)
    assert fresh_db.execute("SELECT count(*) FROM dim_status").fetchone()[0] == 14
    assert fresh_db.execute("SELECT count(*) FROM dim_phase").fetchone()[0] == 8


def test_constraints_reject_bad_rows(fresh_db):
    # Bridges and detail tables carry no index-backed keys: the integrity suite guards them
    # (tests/test_quality.py::test_every_integrity_rule_flags_a_broken_warehouse).
    import duckdb
    import pytest

    with pytest.raises(duckdb.ConstraintException):  # no such trial
        fresh_db.execute(
            "INSERT INTO fct_trial_version (version_key, trial_key, nct_id, content_hash, first_source_file_key, "
            "first_seen_run_id, source_format, is_patient_registry, has_results) "
            "VALUES (1, 12345, 'NCT00000001', 'h', 1, 1, 'x', false, false)"
        )
    with pytest.raises(duckdb.ConstraintException):
        fresh_db.execute("INSERT INTO dim_trial (nct_id, first_seen_run_id, registry_url) VALUES (NULL, 1, 'x')")


def test_sql_files_are_split_by_duckdb_and_bind_only_the_parameters_they_name():
    merge = warehouse.statements("load/merge_dim_trial.sql")
    assert [(s.type.name, s.named_parameters) for s in merge] == [("INSERT", {"run_id", "registry_study_url"})]
    # A check input is embedded in COPY (...): one statement, its semicolon gone.
    for path in sorted((warehouse.sql_dir() / "checks").glob("*.sql")):
        statement, bound = warehouse.single_statement(f"checks/{path.name}", {"run_id": 1, "unused": 2})
        assert statement.lstrip().upper().startswith(("SELECT", "WITH", "FROM")) and not statement.endswith(";")
        assert bound == ({"run_id": 1} if "$run_id" in statement else {})


def test_a_schema_that_fails_half_way_leaves_the_warehouse_as_it_was(tmp_path, monkeypatch):
    # Applied in one transaction (an upgrade whole or not at all, and one commit a night).
    import duckdb
    import pytest

    run_sql_file = warehouse.run_sql_file

    def fail_at_the_views(con, relative, params=None):
        if relative.startswith("views/"):
            raise duckdb.Error("a broken view")
        return run_sql_file(con, relative, params)

    monkeypatch.setattr(warehouse, "run_sql_file", fail_at_the_views)
    con = warehouse.connect(tmp_path / "trials.duckdb")
    with pytest.raises(duckdb.Error, match="a broken view"):
        warehouse.apply_schema(con)
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]
    con.close()


def test_the_schema_is_applied_again_only_when_it_changed_or_an_object_is_missing(tmp_path, monkeypatch):
    from conftest import SAMPLE_LANDING, run_pipeline

    path = tmp_path / "trials.duckdb"
    run_pipeline(SAMPLE_LANDING, path)
    applied = []
    apply_schema = warehouse.apply_schema

    def counted(con):
        applied.append(1)
        apply_schema(con)

    monkeypatch.setattr(warehouse, "apply_schema", counted)
    con = warehouse.connect(path)
    recorded = con.execute("SELECT schema_fingerprint FROM etl_run ORDER BY run_id").fetchall()
    assert recorded == [(warehouse.schema_fingerprint(),)]  # the run recorded what it applied
    assert warehouse.ensure_schema(con) == warehouse.schema_fingerprint() and applied == []
    # A view dropped by hand comes back, whatever the fingerprint says.
    con.execute("DROP VIEW v_trial_changes")
    warehouse.ensure_schema(con)
    assert applied == [1]
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'v_trial_changes'").fetchall() == [(1,)]
    # Another schema (a new release, an edited file) is applied.
    con.execute("UPDATE etl_run SET schema_fingerprint = 'an older schema'")
    warehouse.ensure_schema(con)
    assert applied == [1, 1]
    # So is ours after an older release's run, which recorded none (and applied its own).
    con.execute("UPDATE etl_run SET schema_fingerprint = NULL")
    warehouse.ensure_schema(con)
    assert applied == [1, 1, 1]
    con.close()


def test_a_warehouse_from_before_the_fingerprint_is_upgraded_by_the_next_night(tmp_path):
    """A release before `etl_run.schema_fingerprint` left its warehouse without the column:
    the next night adds it, applies the schema and records its fingerprint; its history stays."""
    import duckdb
    from conftest import SAMPLE_LANDING, run_pipeline

    path = tmp_path / "trials.duckdb"
    run_pipeline(SAMPLE_LANDING, path)
    con = warehouse.connect(path)
    before = con.execute("SELECT count(*) FROM fct_trial_version").fetchall()
    con.execute("ALTER TABLE etl_run DROP COLUMN schema_fingerprint")  # as the older release made it
    con.execute("DROP VIEW v_trial_changes")  # and a view it did not have
    con.close()
    run_pipeline(SAMPLE_LANDING, path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        runs = con.execute("SELECT run_id, status, schema_fingerprint FROM etl_run ORDER BY run_id").fetchall()
        assert runs == [(1, "completed", None), (2, "completed", warehouse.schema_fingerprint())]
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'v_trial_changes'").fetchall() == [
            (1,)
        ]
        assert con.execute("SELECT count(*) FROM fct_trial_version").fetchall() == before
    finally:
        con.close()
