"""The data dictionary and the cookbook stay true to the warehouse."""

import duckdb
import pytest
from conftest import REPO

from trialwarehouse.devtools import docs


def test_schema_doc_is_up_to_date_with_the_ddl():
    committed = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    assert committed == docs.schema_markdown(), "docs/schema.md is stale: run `make docs`"


def test_schema_doc_covers_every_object():
    text = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    from trialwarehouse import warehouse

    for name in (*warehouse.TABLES, *warehouse.VIEWS):
        assert f"### `{name}`" in text
    assert "```mermaid" in text and "erDiagram" in text


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = docs.build_reference_warehouse(tmp_path_factory.mktemp("ref") / "reference.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_cookbook_has_at_least_15_questions():
    assert len(docs.cookbook_queries(docs.COOKBOOK.read_text(encoding="utf-8"))) >= 15


@pytest.mark.parametrize("number", range(len(docs.cookbook_queries(docs.COOKBOOK.read_text(encoding="utf-8")))))
def test_every_cookbook_query_runs_and_returns_rows(reference, number):
    from trialwarehouse.commands import analyst

    sql = docs.cookbook_queries(docs.COOKBOOK.read_text(encoding="utf-8"))[number]
    result = analyst.run_query(reference, sql)
    assert result.rows, f"cookbook query {number + 1} returned nothing"


def test_cookbook_outputs_are_current(reference):
    text = docs.COOKBOOK.read_text(encoding="utf-8")
    assert docs.render_cookbook(text, reference) == text, "docs/cookbook.md outputs are stale: run `make docs`"


def test_cookbook_names_the_inputs_of_its_warehouse():
    """A reader can rebuild the warehouse the outputs come from (issue 13): every folder the
    reference warehouse loads is named in the cookbook, in load order."""
    text = docs.COOKBOOK.read_text(encoding="utf-8")
    named = [text.index(f"`{docs.display_path(folder)}`") for folder in docs.reference_landing()]
    assert named == sorted(named)


def test_readme_counts_the_cookbook_questions():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    count = len(docs.cookbook_queries(docs.COOKBOOK.read_text(encoding="utf-8")))
    assert f"has {count} worked questions" in readme
