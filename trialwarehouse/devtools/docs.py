"""Documentation generated from the warehouse itself: the data dictionary and the cookbook.

`docs/schema.md` is rendered from a fresh warehouse's catalog (tables, views, columns, types,
COMMENT ON texts, keys) with a Mermaid diagram of the star schema; `docs/cookbook.md` keeps
hand-written questions and SQL, and its sample outputs are re-run against a reference
warehouse built from the bundled sample. `make docs` rewrites both; tests fail when
either is out of date.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.commands import analyst
from trialwarehouse.resources import resource_dir

SCHEMA_DOC = resource_dir("docs") / "schema.md"
COOKBOOK = resource_dir("docs") / "cookbook.md"
# A development tool: it reads the real records beside the checkout (../shared), never shipped.
CHECKOUT = Path(__file__).resolve().parents[2]
SHARED_DATA = CHECKOUT.parent / "shared" / "data"
SAMPLE_ROWS = 8
_SQL_BLOCK = re.compile(r"```sql\n(?P<sql>.*?)```\n(?:\n```text\n.*?```\n)?", re.DOTALL)


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _keys(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        """
        SELECT constraint_type, constraint_column_names, referenced_table, referenced_column_names
        FROM duckdb_constraints()
        WHERE table_name = ? AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
        ORDER BY constraint_type DESC, constraint_index
        """,
        [table],
    ).fetchall()
    keys = []
    for kind, columns, referenced, referenced_columns in rows:
        text = f"{kind}: ({', '.join(columns)})"
        if kind == "FOREIGN KEY":
            text += f" → {referenced} ({', '.join(referenced_columns)})"
        keys.append(text)
    if "version_key" in _column_names(con, table) and table != "fct_trial_version":
        keys.append("logical key: (version_key) → fct_trial_version (version_key), checked by the integrity checks")
    return keys


def _column_names(con, table: str) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()
    ]


def _mermaid(con: duckdb.DuckDBPyConnection) -> list[str]:
    lines = ["```mermaid", "erDiagram"]
    edges = con.execute(
        """
        SELECT DISTINCT table_name, referenced_table, constraint_column_names[1]
        FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY' ORDER BY ALL
        """
    ).fetchall()
    for child, parent, column in edges:
        lines.append(f'    {parent} ||--o{{ {child} : "{column}"')
    for table in warehouse.TABLES:
        if table != "fct_trial_version" and "version_key" in _column_names(con, table):
            lines.append(f'    fct_trial_version ||--o{{ {table} : "version_key"')
    lines.append("```")
    return lines


def render_schema(con: duckdb.DuckDBPyConnection) -> str:
    out = [
        "# Data dictionary",
        "",
        "Generated from the warehouse catalog by `make docs` (`python -m trialwarehouse.devtools.docs`); do not edit by hand.",
        "Every table, view and column below carries this text as its `COMMENT ON`, so",
        "`SELECT * FROM duckdb_columns()` shows the same dictionary inside DuckDB.",
        "",
        "## Star schema",
        "",
        *_mermaid(con),
        "",
        "## Views (the stable interface for analysts)",
        "",
    ]
    objects = [("view", v) for v in warehouse.VIEWS] + [("table", t) for t in warehouse.TABLES]
    for kind, name in objects:
        if kind == "table" and name == warehouse.TABLES[0]:
            out += ["## Tables", ""]
        found = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = ? UNION ALL "
            "SELECT comment FROM duckdb_views() WHERE view_name = ?",
            [name, name],
        ).fetchone()
        comment = found[0] if found else None
        out += [f"### `{name}`", "", comment or "", ""]
        keys = _keys(con, name) if kind == "table" else []
        if keys:
            out += [f"- {k}" for k in keys] + [""]
        out += ["| column | type | meaning |", "|---|---|---|"]
        for column, data_type, meaning in con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [name],
        ).fetchall():
            out.append(f"| `{column}` | {data_type} | {_cell(meaning)} |")
        out.append("")
    out += ["## Table macros", ""]
    for name, comment in con.execute(
        "SELECT DISTINCT function_name, comment FROM duckdb_functions() WHERE function_type = 'table_macro' "
        "AND NOT internal ORDER BY 1"
    ).fetchall():
        out += [f"### `{name}(as_of)`", "", comment or "", ""]
    return "\n".join(out).rstrip() + "\n"


def schema_markdown() -> str:
    con = duckdb.connect(":memory:")
    try:
        warehouse.apply_schema(con)
        return render_schema(con)
    finally:
        con.close()


def cookbook_queries(text: str) -> list[str]:
    return [m.group("sql").strip() for m in _SQL_BLOCK.finditer(text)]


def render_cookbook(text: str, con: duckdb.DuckDBPyConnection) -> str:
    """Re-run every ```sql block and put its first rows in the ```text block after it."""

    def replace(match: re.Match) -> str:
        sql = match.group("sql")
        result = analyst.run_query(con, sql)
        shown = analyst.QueryResult(result.columns, result.rows[:SAMPLE_ROWS], result.arrow)
        table = analyst.format_table(shown)
        if len(result.rows) > SAMPLE_ROWS:
            table = table.rsplit("\n", 1)[0] + f"\n(first {SAMPLE_ROWS} of {len(result.rows)} rows)"
        return f"```sql\n{sql}```\n\n```text\n{table}\n```\n"

    return _SQL_BLOCK.sub(replace, text)


def reference_landing() -> list[Path]:
    """The folders the reference warehouse is built from: the sample and, when present,
    the real AACT history series (for status changes) and two trials with posted results
    (API v2 NCT02552212, legacy XML NCT00734539) for the results questions."""
    folders = [resource_dir("sample") / "landing"]
    history = SHARED_DATA / "ctti-clinicaltrials__aact" / "history"
    # Results trials first: the last run stays the status-change series the findings
    # questions are about.
    for nct in ("NCT02552212", "NCT00734539", "NCT02591810", "NCT02586688"):
        if (history / nct).is_dir():
            folders.append(history / nct)
    return folders


def display_path(folder: Path) -> str:
    """A landing folder as the cookbook names it: relative to the checkout, never a local path."""
    folder = Path(folder).resolve()
    shared = SHARED_DATA.resolve()
    if folder.is_relative_to(shared):  # ../shared may be a link to elsewhere: name it as the checkout sees it
        return (Path(os.path.relpath(SHARED_DATA, CHECKOUT)) / folder.relative_to(shared)).as_posix()
    return Path(os.path.relpath(folder, CHECKOUT)).as_posix()


def build_reference_warehouse(target: Path) -> Path:
    from trialwarehouse.nightly.sequence import run_night
    from trialwarehouse.settings import Settings

    for folder in reference_landing():
        run_night(
            Settings(
                raw_dir=folder,
                warehouse=target,
                report_dir=target.parent / "reports",
                quarantine_dir=target.parent / "quarantine",
            ),
            report_and_email=False,
        )
    return target


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--warehouse-only"]:
        # `make cookbook`: the same warehouse, kept, so a reader can run the cookbook on it.
        target = Path(args[1] if len(args) > 1 else "warehouse/cookbook.duckdb")
        for leftover in (target, target.with_name(target.name + ".runs.jsonl")):
            leftover.unlink(missing_ok=True)  # rebuilt from its inputs, never added to
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"wrote {build_reference_warehouse(target)}")
        return
    SCHEMA_DOC.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_DOC.write_text(schema_markdown(), encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        con = warehouse.connect(build_reference_warehouse(Path(folder) / "reference.duckdb"), read_only=True)
        try:
            COOKBOOK.write_text(render_cookbook(COOKBOOK.read_text(encoding="utf-8"), con), encoding="utf-8")
        finally:
            con.close()
    print(f"wrote {SCHEMA_DOC} and {COOKBOOK}")


if __name__ == "__main__":
    main()
