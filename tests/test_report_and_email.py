"""The curators' report and email: escaping, content, a real SMTP server on 127.0.0.1, the outbox."""

import json
import socket
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from conftest import run_pipeline, shared_path

from trialwarehouse import mailer, report
from trialwarehouse.settings import Settings

HOSTILE_TITLE = 'Evil <script>alert("x")</script> & co'


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, collector
    controller.stop()


@pytest.fixture
def run_with_findings(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    for seed in shared_path("seeds").glob("*.txt"):
        (landing / seed.name).write_bytes(seed.read_bytes())
    study = json.loads(
        shared_path("data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json").read_text()
    )
    study["protocolSection"]["identificationModule"]["briefTitle"] = HOSTILE_TITLE
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    study["protocolSection"]["statusModule"]["whyStopped"] = '<img src=x onerror="alert(1)">'
    (landing / "hostile.json").write_text(json.dumps(study))
    wh = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, wh, checks=True)
    files = report.write_run_report(summary, tmp_path / "reports", summary.quality.validation_json)
    return summary, files, tmp_path


def test_report_is_self_contained_and_escaped(run_with_findings):
    summary, files, _ = run_with_findings
    page = files.html.read_text(encoding="utf-8")
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<img" not in page
    assert 'src="http' not in page and "<link" not in page and "@import" not in page  # nothing external
    assert '<a href="https://clinicaltrials.gov/study/NCT04293692">NCT04293692</a>' in page
    assert "<svg" in page  # inline charts
    # NEW findings come first, errors and warnings before info.
    states = [line for line in page.split("<tr>") if "<td>NEW</td>" in line or "<td>OPEN</td>" in line]
    assert states and "<td>NEW</td>" in states[0]


def test_findings_csv_lists_every_open_finding(run_with_findings):
    summary, files, _ = run_with_findings
    rows = files.csv.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("finding_id,state,severity,check,rule,nct_id,registry_url,message")
    assert len(rows) - 1 == summary.quality.findings_open
    assert any("phase_na_for_drug" in r and "NCT04293692" in r for r in rows)


def test_gx_validation_results_and_data_docs_are_kept(run_with_findings):
    _, files, _ = run_with_findings
    docs = files.html.parent / "run-000001-gx-data-docs" / "index.html"
    assert docs.exists()
    assert "run-000001-gx-data-docs/index.html" in files.html.read_text()
    results = json.loads(files.validation.read_text())
    assert set(results) == {"warehouse_integrity", "trial_checks", "site_checks"}
    first = next(iter(results["trial_checks"].values()))
    assert "results" in first and "statistics" in first


def test_email_reaches_a_real_smtp_server(run_with_findings, smtp_server):
    summary, files, tmp_path = run_with_findings
    controller, collector = smtp_server
    settings = Settings(
        warehouse=tmp_path / "wh" / "trials.duckdb",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        mail_from="warehouse@example.org",
        mail_to="curator1@example.org, curator2@example.org",
    )
    outcome = mailer.deliver_report(
        settings, summary.run_id, report.email_subject(summary), files.text, files.html.read_text(), files.csv
    )
    assert outcome.error is None and outcome.sent == ["run-000001.eml"]
    sender, recipients, raw = collector.messages[0]
    assert sender == "warehouse@example.org"
    assert recipients == ["curator1@example.org", "curator2@example.org"]
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["Subject"].startswith(
        f"[trialwarehouse] run {summary.run_id}: {summary.quality.findings_new} new findings"
    )
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html_part = message.get_body(preferencelist=("html",)).get_content()
    assert "phase_na_for_drug NCT04293692" in plain
    assert "&lt;img src=x" in html_part and "<img" not in html_part
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == files.csv.name
    assert "NCT04293692" in attachment.get_content()
    assert not list((tmp_path / "wh" / "outbox").glob("*.eml"))  # sent, moved to outbox/sent


def test_smtp_down_keeps_the_message_and_the_next_run_sends_it(run_with_findings, smtp_server):
    summary, files, tmp_path = run_with_findings
    controller, collector = smtp_server
    down = Settings(
        warehouse=tmp_path / "wh" / "trials.duckdb",
        smtp_host="127.0.0.1",
        smtp_port=_free_port(),
        mail_to="curator@example.org",
    )
    outcome = mailer.deliver_report(down, summary.run_id, "subject", files.text, files.html.read_text(), files.csv)
    assert outcome.error and "ConnectionRefused" in outcome.error
    assert outcome.waiting == ["run-000001.eml"]
    assert "not sent" in outcome.describe()
    up = down.model_copy(update={"smtp_port": controller.port})
    later = mailer.flush_outbox(up, up.resolved_outbox_dir())
    assert later.sent == ["run-000001.eml"] and len(collector.messages) == 1


def test_without_smtp_the_message_waits_in_the_outbox(run_with_findings):
    summary, files, tmp_path = run_with_findings
    settings = Settings(warehouse=tmp_path / "wh" / "trials.duckdb", mail_to="curator@example.org")
    outcome = mailer.deliver_report(settings, summary.run_id, "subject", files.text, files.html.read_text(), files.csv)
    assert outcome.error is None and outcome.waiting == ["run-000001.eml"]
    eml = (tmp_path / "wh" / "outbox" / "run-000001.eml").read_bytes()
    message = BytesParser(policy=policy.default).parsebytes(eml)
    assert message["To"] == "curator@example.org"
    assert message.get_body(preferencelist=("html",)) is not None


@pytest.mark.prefect
def test_nightly_run_emails_the_report(tmp_path, smtp_server):
    import os
    import subprocess
    import sys

    from conftest import SAMPLE_LANDING

    controller, collector = smtp_server
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "TW_MAIL_TO": "curators@example.org"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "trialwarehouse.cli",
            "run",
            "--raw-dir",
            str(SAMPLE_LANDING),
            "--warehouse",
            str(tmp_path / "trials.duckdb"),
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(controller.port),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "email:       sent 1 message(s)" in result.stdout
    message = BytesParser(policy=policy.default).parsebytes(collector.messages[0][2])
    assert message["To"] == "curators@example.org"
    assert "NCT04293692" in message.get_body(preferencelist=("html",)).get_content()


def test_an_unchanged_night_skips_validation_and_says_so(tmp_path):
    import duckdb

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "classic.txt").write_bytes((shared_path("seeds") / "002_2a0bb01d304053c2.txt").read_bytes())
    wh = tmp_path / "wh" / "trials.duckdb"
    first = run_pipeline(landing, wh, checks=True)
    second = run_pipeline(landing, wh, checks=True)
    assert first.quality.validated and not second.quality.validated
    assert second.quality.findings_new == 0 and second.quality.findings_open == first.quality.findings_open
    files = report.write_run_report(second, tmp_path / "reports", second.quality.validation_json)
    page = files.html.read_text(encoding="utf-8")
    assert "nothing to validate" in page and files.validation is None
    assert len(files.csv.read_text().splitlines()) - 1 == first.quality.findings_open  # still open, still listed
    assert files.new_csv.read_text().splitlines() == [files.csv.read_text().splitlines()[0]]  # header only
    con = duckdb.connect(str(wh), read_only=True)
    try:
        states = {s for (s,) in con.execute("SELECT DISTINCT state FROM v_dq_findings").fetchall()}
        last_seen = {r for (r,) in con.execute("SELECT DISTINCT last_seen_run FROM v_dq_findings").fetchall()}
    finally:
        con.close()
    assert states == {"OPEN"} and last_seen == {2}


def test_trend_matches_its_definition_night_after_night(tmp_path):
    import duckdb

    seeds = shared_path("seeds")
    nights = [tmp_path / f"n{i}" for i in range(3)]
    for night in nights:
        night.mkdir()
    (nights[0] / "classic.txt").write_bytes((seeds / "002_2a0bb01d304053c2.txt").read_bytes())
    (nights[1] / "modern.txt").write_bytes((seeds / "000_993b791048a96074.txt").read_bytes())
    fixed = (seeds / "002_2a0bb01d304053c2.txt").read_text(encoding="utf-8")
    fixed = fixed.replace("Biological: UC-MSCs", "Other: UC-MSCs").replace(
        "Last Update Posted : March 18, 2020", "Last Update Posted : April 18, 2020"
    )
    (nights[2] / "fixed.txt").write_text(fixed, encoding="utf-8")
    wh = tmp_path / "trials.duckdb"
    for night in nights:
        run_pipeline(night, wh, checks=True)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        trend = report.read_report_data(con, 3).trend
        # Open after run r: first seen by r and not resolved by r.
        expected = con.execute(
            """
            SELECT r.run_id, count(f.finding_key) FROM etl_run AS r
            LEFT JOIN dq_finding AS f ON f.first_seen_run_id <= r.run_id
                 AND (f.resolved_run_id IS NULL OR f.resolved_run_id > r.run_id)
            WHERE r.status = 'completed' GROUP BY r.run_id ORDER BY r.run_id
            """
        ).fetchall()
    finally:
        con.close()
    assert trend == expected and len(trend) == 3 and trend[2][1] < trend[1][1]  # night 3 resolved one


def test_a_findings_csv_too_big_to_mail_is_gzipped_or_replaced_by_a_note(run_with_findings):
    import gzip

    summary, files, tmp_path = run_with_findings
    size = files.csv.stat().st_size
    squeezed = len(gzip.compress(files.csv.read_bytes()))

    def queued(limit_bytes: int, name: str):
        settings = Settings(
            warehouse=tmp_path / "wh" / "trials.duckdb",
            mail_to="curator@example.org",
            outbox_dir=tmp_path / name,
            mail_max_attachment_mb=limit_bytes / 1e6,
        )
        mailer.deliver_report(
            settings, summary.run_id, "subject", files.text, files.html.read_text(), files.csv, files.new_csv
        )
        return BytesParser(policy=policy.default).parsebytes((tmp_path / name / "run-000001.eml").read_bytes())

    gzipped = queued(squeezed + 10, "box1")  # the CSV is too big, gzipped it fits
    attachment = next(gzipped.iter_attachments())
    assert attachment.get_filename() == files.csv.name + ".gz"
    assert gzip.decompress(attachment.get_content()) == files.csv.read_bytes()
    assert size > squeezed + 10

    nothing = queued(10, "box2")  # nothing fits: no attachment, and the message says where the files are
    assert list(nothing.iter_attachments()) == []
    plain = nothing.get_body(preferencelist=("plain",)).get_content()
    assert "too many to attach" in plain and str(files.csv) in plain
    assert "too many to attach" in nothing.get_body(preferencelist=("html",)).get_content()
