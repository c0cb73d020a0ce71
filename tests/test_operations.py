"""Operations: status at a glance, logs, progress, and configuration that documents itself."""

import io
import re

from click.testing import CliRunner
from conftest import REPO, SAMPLE_LANDING, run_pipeline
from terminal import screen

from flows.cli import main
from trialwarehouse.logs import Progress, configure_logging, live_progress
from trialwarehouse.settings import Settings


def test_status_shows_runs_freshness_outbox_and_size(tmp_path):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(SAMPLE_LANDING, wh, checks=True)
    run_pipeline(SAMPLE_LANDING, wh, checks=True)
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / "run-000002.eml").write_text("waiting")
    result = CliRunner().invoke(main, ["status", "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"Warehouse: .*trials\.duckdb \(\d+\.\d MB, 27 trials\)", out)
    assert re.search(r"^\s+2\s+\S+ \S+\s+\d+s\s+completed\s+15\s+0\s+0/0\s+0/\d+", out, re.M)
    assert re.search(r"^\s+1\s+\S+ \S+\s+\d+s\s+completed\s+15\s+31\s+27/0\s+\d+/\d+", out, re.M)
    assert "newest last update posted: 2026-10-30" in out
    assert "Outbox: 1 message(s) waiting (oldest run-000002.eml)" in out


def test_status_shows_a_killed_run(tmp_path):
    wh = tmp_path / "trials.duckdb"
    run_pipeline(SAMPLE_LANDING, wh)
    (tmp_path / "trials.duckdb.runs.jsonl").open("a").write(
        '{"event": "started", "run_id": 2, "at": "2026-11-22T02:00:00+00:00", "raw_dir": "x", "version": "0.1.0"}\n'
    )
    out = CliRunner().invoke(main, ["status", "--warehouse", str(wh)]).output
    assert re.search(r"^\s+2\s+2026-11-22T02:00:00\s+running\?\s+no end recorded", out, re.M)


def test_log_lines_carry_run_step_counts_and_timings(tmp_path):
    log = configure_logging(tmp_path / "logs", "INFO")
    run_pipeline(SAMPLE_LANDING, tmp_path / "trials.duckdb")
    lines = log.read_text().splitlines()
    ingest = next(line for line in lines if "step=ingest " in line)
    assert re.search(
        r"run=1 step=ingest files=15 loaded=14 unchanged=0 quarantined=1 records=31 rejected=1 seconds=\d", ingest
    )
    assert any("step=complete-run status=completed" in line for line in lines)


def test_progress_is_line_oriented_off_a_terminal(tmp_path):
    configure_logging(tmp_path / "logs", "INFO")
    stream = io.StringIO()  # not a TTY: no live display, plain log lines
    progress = Progress("ingest", 7, 4, every=0.0, stream=stream)
    for _ in range(4):
        progress.advance(records=10)
    progress.done()
    pages = Progress("pull", 3, None, unit="pages", every=0.0, stream=stream)
    pages.advance(records=1000)
    pages.set_total(2)
    pages.advance(records=500)
    pages.done()
    assert stream.getvalue() == ""
    lines = (tmp_path / "logs" / "trialwarehouse.log").read_text().splitlines()
    assert re.search(r"run=7 step=ingest progress=4/4 records=40 rate=\d+ seconds_left=0 unit=files$", lines[3])
    assert re.search(r"run=3 step=pull progress=1/\? records=1000 rate=\d+ seconds_left=0 unit=pages$", lines[4])
    assert re.search(r"run=3 step=pull progress=2/2 records=1500 rate=\d+ seconds_left=0 unit=pages$", lines[5])
    assert len(lines) == 6


def test_progress_off_a_terminal_writes_at_most_every_n_seconds(tmp_path):
    configure_logging(tmp_path / "logs", "INFO")
    progress = Progress("ingest", 1, 1000, every=3600.0, stream=io.StringIO())
    for _ in range(1000):
        progress.advance(records=1)
    progress.done()
    assert "step=ingest progress=" not in (tmp_path / "logs" / "trialwarehouse.log").read_text()


def test_progress_on_a_terminal_is_one_live_display_of_every_step():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    with live_progress(stream):
        ingest = Progress("ingest", 1, 2, stream=stream)
        ingest.advance(records=5)
        ingest.advance(records=7)
        ingest.done()
        publish = Progress("publish", 1, 3, unit="load steps", stream=stream)
        for _ in range(3):
            publish.advance()
        publish.done()
    assert stream.getvalue().count("\x1b[?25l") == 1  # one display: the cursor is hidden once
    ingest_row, publish_row, end = screen(stream.getvalue())  # redrawn in place: one row per step
    assert ingest_row.split()[0] == "ingest" and "2/2 files, 12 records" in ingest_row
    assert publish_row.split()[0] == "publish" and "3/3 load steps" in publish_row
    assert end == ""


def _documented_settings(text: str) -> set[str]:
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(TW_[A-Z_]+)` \|", section, re.M))


def test_every_setting_is_documented_and_nothing_else():
    declared = {f"TW_{name.upper()}" for name in Settings.model_fields}
    assert _documented_settings((REPO / "README.md").read_text()) == declared
    example = set(re.findall(r"^# (TW_[A-Z_]+)=", (REPO / ".env.example").read_text(), re.M))
    assert example == declared


def _simple_defaults() -> dict[str, str]:
    """Settings whose default is one plain value, as a person would write it."""
    defaults = {}
    for name, field in Settings.model_fields.items():
        if isinstance(field.default, (str, int, float, bool)):
            value = field.default
            value = (
                str(value).lower()
                if isinstance(value, bool)
                else f"{value:g}"
                if isinstance(value, float)
                else str(value)
            )
            defaults[f"TW_{name.upper()}"] = value
    return defaults


def test_documented_defaults_are_the_real_ones():
    section = (REPO / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    readme = dict(re.findall(r"^\| `(TW_[A-Z_]+)` \| `([^`|]*)` \|", section, re.M))
    example = dict(re.findall(r"^# (TW_[A-Z_]+)=(.*)$", (REPO / ".env.example").read_text(), re.M))
    for name, value in _simple_defaults().items():
        if name in readme:
            assert readme[name] == value, name
        assert example[name].lower() == value.lower(), name


def test_settings_read_a_dotenv_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TW_SCHEDULE=30 3 * * *\nTW_MAIL_TO=a@example.org,b@example.org\n")
    settings = Settings()
    assert settings.schedule == "30 3 * * *"
    assert settings.recipients() == ["a@example.org", "b@example.org"]
