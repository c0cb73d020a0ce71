"""The curators' report and email: triage order, the summary, portfolios, what a browser and
a mail parser see, a real SMTP server on 127.0.0.1, the outbox, the flow's artifact and logs.

Browser tests run Debian's `chromium` package (/usr/bin/chromium) headless, offline."""

import base64
import csv
import gzip
import html
import json
import re
import shutil
import socket
import subprocess
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import duckdb
import pytest
from aiosmtpd.controller import Controller
from conftest import SAMPLE_LANDING, run_pipeline, shared_path

from trialwarehouse import warehouse
from trialwarehouse.checks import runner as quality
from trialwarehouse.commands.accept import accept_findings
from trialwarehouse.nightly import mailer, messages, report, report_csv, results
from trialwarehouse.nightly.report_data import TRIAGE_ORDER, ReportedFindings
from trialwarehouse.settings import Settings

HOSTILE_TITLE = 'Evil <script>alert("x")</script> & co'
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium absent (Debian package `chromium`; CI installs it)"
)


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


@pytest.fixture(scope="module")
def run_with_findings(tmp_path_factory):
    """The bundled sample (6 lead sponsors, 5 countries) plus a real record made hostile."""
    tmp_path = tmp_path_factory.mktemp("night")
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    shutil.rmtree(landing / "broken")  # quarantine is tested elsewhere
    study = json.loads(
        shared_path("data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json").read_text()
    )
    study["protocolSection"]["identificationModule"]["briefTitle"] = HOSTILE_TITLE
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    study["protocolSection"]["statusModule"]["whyStopped"] = '<img src=x onerror="alert(1)">'
    (landing / "hostile.json").write_text(json.dumps(study))
    wh = tmp_path / "wh" / "trials.duckdb"
    summary = run_pipeline(landing, wh, checks=True)
    files = report.write_run_report(summary, tmp_path / "reports", _q(summary).validation_json)
    return summary, files, tmp_path


def _settings(tmp_path: Path, name: str, **values) -> Settings:
    return Settings(warehouse=tmp_path / "wh" / "trials.duckdb", outbox_dir=tmp_path / name, **values)


def _parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def _q(summary) -> quality.QualityStats:
    assert isinstance(summary.quality, quality.QualityStats)
    return summary.quality


def _body(message, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None, f"no {kind} part"
    return part.get_content()


def _expected_block_order(wh: Path) -> list[str]:
    """Trials in triage order, computed here from the definition: a trial ranks by its most
    urgent finding (severity, then check weight, then NEW first), then by its number of findings."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(
            "SELECT nct_id, severity, \"check\", state FROM v_dq_findings WHERE state IN ('NEW', 'OPEN') AND NOT accepted"
        ).fetchall()
    finally:
        con.close()
    keys: dict[str, list] = {}
    for nct_id, severity, check, state in rows:
        key = (report.SEVERITY_ORDER[severity], -report.CHECK_WEIGHT.get(check, 1), state != "NEW")
        keys.setdefault(nct_id, []).append(key)
    return sorted(keys, key=lambda n: (min(keys[n]), -len(keys[n]), n))


# ---------------------------------------------------------------- triage, as data


def _findings_db(path: Path, findings: list[tuple]) -> Path:
    """A warehouse with two completed runs and the given findings
    (nct_id, check, severity, first_seen_run, resolved_run)."""
    con = warehouse.connect(path)
    warehouse.apply_schema(con)
    started = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    for run_id in (1, 2):
        con.execute("INSERT INTO etl_run (run_id, started_at, status) VALUES (?, ?, 'completed')", [run_id, started])
    for key, (nct_id, check, severity, first, resolved) in enumerate(findings, start=1):
        con.execute(
            "INSERT INTO dq_finding (finding_key, fingerprint, nct_id, check_name, rule, severity, message, "
            "first_seen_run_id, last_raised_run_id, resolved_run_id) VALUES (?, ?, ?, ?, 'r', ?, ?, ?, ?, ?)",
            [key, f"fp{key}", nct_id, check, severity, f"{check} on {nct_id}", first, first, resolved],
        )
    con.close()
    return path


def test_triage_puts_severity_then_weight_then_new_first_one_block_per_trial(tmp_path):
    wh = _findings_db(
        tmp_path / "t.duckdb",
        [
            ("NCT00000001", "estimated_date_in_past", "info", 2, None),  # 1
            ("NCT00000002", "phase_na_for_drug", "warning", 1, None),  # 2: weight 2, OPEN
            ("NCT00000003", "retrospective_registration", "info", 2, None),  # 3
            ("NCT00000003", "results_overdue", "warning", 1, None),  # 4: weight 4, OPEN
            ("NCT00000004", "results_overdue", "warning", 2, None),  # 5: weight 4, NEW
            ("NCT00000005", "integrity_unique_keys", "error", 1, None),  # 6
            ("NCT00000006", "date_order", "warning", 1, 2),  # 7: resolved tonight, not reported
        ],
    )
    con = duckdb.connect(str(wh), read_only=True)
    data = report.read_report_data(con, 2)
    con.close()
    assert [(b.nct_id, [f["finding_key"] for f in b.findings]) for b in data.blocks] == [
        ("NCT00000005", [6]),
        ("NCT00000004", [5]),
        ("NCT00000003", [4, 3]),
        ("NCT00000002", [2]),
        ("NCT00000001", [1]),
    ]
    assert (data.total_open, data.total_new, data.trials_affected, data.resolved_tonight) == (6, 3, 5, 1)
    assert data.by_severity == {"error": 1, "warning": 3, "info": 2}
    assert data.trend == [(1, 4, 4, 0), (2, 6, 3, 1)]  # (run, open after it, new in it, resolved in it)
    assert data.counts[0] == ("integrity_unique_keys", "error", 5, 0, 1)


def test_a_registry_scale_night_stays_a_small_page_with_the_summary_first(tmp_path):
    # 100,000 findings over 50,000 trials, as a first night of `make bench`'s corpus.
    wh = tmp_path / "wh" / "big.duckdb"
    con = warehouse.connect(wh)
    warehouse.apply_schema(con)
    con.execute(
        "INSERT INTO etl_run (run_id, started_at, status) VALUES (1, TIMESTAMPTZ '2026-01-01 02:00Z', 'completed')"
    )
    checks = sorted(report.CHECK_WEIGHT)[:12]
    con.execute(
        """
        INSERT INTO dq_finding (finding_key, fingerprint, nct_id, check_name, rule, severity, message,
                                first_seen_run_id, last_raised_run_id)
        SELECT i, 'fp' || i, 'NCT' || lpad(CAST(i % 50000 AS VARCHAR), 8, '0'), ?[1 + i % 12], 'r',
               CASE WHEN i % 97 = 0 THEN 'error' WHEN i % 3 = 0 THEN 'info' ELSE 'warning' END,
               'A sentence of about the length of a real finding message, with the values involved: ' || i, 1, 1
        FROM range(1, 100001) AS t(i)
        """,
        [checks],
    )
    con.close()
    summary = results.RunSummary(
        run_id=1,
        status="completed",
        warehouse=str(wh),
        report=None,
        raw_dir="landing",
        seconds=60.0,
        ingest=results.IngestStats(),
        publish=results.PublishStats(),
        quality=quality.QualityStats(),
    )
    files = report.write_run_report(summary, tmp_path / "reports")
    data = files.data
    assert data is not None
    page = files.html.read_text(encoding="utf-8")
    assert files.html.stat().st_size < 500_000
    assert len(files.csv.read_text().splitlines()) == 100_001  # the full list is in the CSV
    assert data.total_open == 100_000 and data.trials_affected == 50_000
    assert data.shown_findings <= report.MAX_FINDINGS_IN_PAGE
    assert len(data.blocks) <= report.MAX_TRIALS_IN_PAGE
    # The first screen: the summary line, then the counts; the triage list comes after.
    body = page[page.index("<body") :]
    assert body.index('id="summary"') < body.index("At a glance") < body.index("Act on these first")
    assert "Run 1: 100,000 new findings tonight; 100,000 open in 50,000 trials (1,030 errors, " in page
    assert f"{100_000 - data.shown_findings:,} more findings" in page
    # Errors first: the first trial block is a trial with an error.
    assert data.blocks[0].findings[0]["severity"] == "error"


def test_report_is_self_contained_escaped_and_styled_inline(run_with_findings):
    summary, files, _ = run_with_findings
    page = files.html.read_text(encoding="utf-8")
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<img src=x" not in page
    assert "<style" not in page and "<svg" not in page and "<link" not in page  # mail clients drop them
    assert re.findall(r'src="([a-z]+):', page) == ["data"]  # one chart on a first night, nothing external
    assert '<a href="https://clinicaltrials.gov/study/NCT04293692"' in page
    assert "Data Docs" in page and not list(files.html.parent.glob("*gx-data-docs*"))  # replaced, said so
    assert str(files.html.parent) not in page  # no local path


def test_findings_csv_lists_every_open_finding_in_triage_order(run_with_findings):
    summary, files, tmp_path = run_with_findings
    rows = files.csv.read_text(encoding="utf-8").splitlines()
    assert rows[0] == (
        "finding_id,state,severity,check,rule,nct_id,registry_url,message,evidence,first_seen_run,"
        "check_weight,brief_title,lead_sponsor"
    )
    assert len(rows) - 1 == _q(summary).findings_open
    trials_in_csv_order = list(dict.fromkeys(r.split(",")[5] for r in rows[1:]))
    assert trials_in_csv_order == _expected_block_order(tmp_path / "wh" / "trials.duckdb")
    # Each row's record text and registry page are its finding's (joined back to the derived
    # findings, which leave the text out).
    con = duckdb.connect(str(tmp_path / "wh" / "trials.duckdb"), read_only=True)
    try:
        expected = {
            str(key): (url or "", message or "", evidence or "")
            for key, url, message, evidence in con.execute(
                "SELECT finding_key, registry_url, message, evidence FROM v_dq_findings"
            ).fetchall()
        }
    finally:
        con.close()
    with files.csv.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert written and all(r["message"] for r in written)
    for row in written:
        assert (row["registry_url"], row["message"], row["evidence"]) == expected[row["finding_id"]]


# ---------------------------------------------------------------- portfolios


def test_portfolio_filters_bind_their_values(run_with_findings):
    summary, _, tmp_path = run_with_findings
    con = duckdb.connect(str(tmp_path / "wh" / "trials.duckdb"), read_only=True)
    try:
        acme = report.read_report_data(con, 1, report.Portfolio("Acme", lead_sponsor=("ACME therapeutics",)))
        acme_trials = {
            n
            for (n,) in con.execute(
                "SELECT nct_id FROM v_trial_current WHERE lead_sponsor = 'Acme Therapeutics'"
            ).fetchall()
        }
        asthma_warnings = report.read_report_data(
            con, 1, report.Portfolio("a", condition=("asthma",), severity=("warning",))
        )
        asthma = report.read_report_data(con, 1, report.Portfolio("a", condition=("ASTHMA",)))
        hostile = report.read_report_data(con, 1, report.Portfolio("x", lead_sponsor=("x' OR 1=1 --",)))
        japan = report.read_report_data(
            con, 1, report.Portfolio("j", country=("japan",), check=("site_status_conflict",))
        )
    finally:
        con.close()
    assert acme.total_open > 0 and {b.nct_id for b in acme.blocks} <= acme_trials
    assert [s[0] for s in acme.sponsors] == ["Acme Therapeutics"]
    assert asthma_warnings.by_severity.keys() == {"warning"}
    assert [(b.nct_id, [f["check"] for f in b.findings]) for b in asthma_warnings.blocks] == [
        # One finding per problem and trial (issue 16); estimated dates in the past are warnings.
        ("NCT09900021", ["stale_open_status"]),
        ("NCT09900007", ["estimated_date_in_past"]),
    ]
    assert [b.nct_id for b in asthma.blocks] == ["NCT09900021", "NCT09900007"]  # either asthma trial, any finding
    assert hostile.total_open == 0  # a value, never SQL
    # A trial with a site in Japan: both its site conflicts (Osaka, and Madrid) are in.
    assert [(b.nct_id, [f["check"] for f in b.findings]) for b in japan.blocks] == [
        ("NCT09900005", ["site_status_conflict", "site_status_conflict"])
    ]


def test_subscriptions_file_is_checked_line_by_line(tmp_path):
    path = tmp_path / "subscriptions.toml"
    path.write_text(
        '[[recipient]]\naddress = "a@example.org"\nportfolio = "Acme"\nlead_sponsor = "Acme Therapeutics"\n'
        '[[recipient]]\naddress = "b@example.org"\ncondition = ["asthma", "cancer"]\nseverity = ["warning"]\n'
    )
    assert messages.load_subscriptions(path) == [
        messages.Subscription("a@example.org", report.Portfolio("Acme", lead_sponsor=("Acme Therapeutics",))),
        messages.Subscription(
            "b@example.org", report.Portfolio("b@example.org", condition=("asthma", "cancer"), severity=("warning",))
        ),
    ]
    cases = {
        '[[recipient]]\naddress = "a@example.org"\nsponsor = "x"\n': "recipient 1: unknown key(s) sponsor",
        '[[recipient]]\naddress = "a@example.org"\nseverity = "fatal"\n': "severity fatal is not one of",
        '[[recipient]]\naddress = "a@example.org"\ncheck = "no_such_check"\n': "no check named no_such_check",
        '[[recipient]]\naddress = "nobody"\n': "recipient 1: address must be an email address",
        "[[recipient]\n": "not valid TOML",
    }
    for text, expected in cases.items():
        path.write_text(text)
        with pytest.raises(messages.SubscriptionError, match=re.escape(expected)) as error:
            messages.load_subscriptions(path, known_checks={"results_overdue"})
        assert "\n" not in str(error.value) and str(error.value).startswith("subscriptions.toml: ")


def test_a_broken_subscriptions_file_stops_composing_with_one_line(run_with_findings):
    summary, files, tmp_path = run_with_findings
    broken = tmp_path / "broken.toml"
    broken.write_text('[[recipient]]\naddress = "a@example.org"\ncheck = "results_overdeu"\n')
    settings = _settings(tmp_path, "box-broken", mail_to="lead@example.org", subscriptions=broken)
    with pytest.raises(messages.SubscriptionError, match="^broken.toml: recipient 1: no check named results_overdeu$"):
        messages.compose_messages(settings, summary, files)


def test_sponsor_counts_cover_every_lead_sponsor(run_with_findings):
    _, files, tmp_path = run_with_findings
    rows = (files.html.parent / "run-000001-sponsors.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "lead_sponsor,trials,findings,errors,warnings,info,new"
    con = duckdb.connect(str(tmp_path / "wh" / "trials.duckdb"), read_only=True)
    try:
        (acme,) = con.execute(
            """
            SELECT count(DISTINCT f.nct_id), count(*) FROM v_dq_findings AS f JOIN v_trial_current AS t USING (nct_id)
            WHERE t.lead_sponsor = 'Acme Therapeutics' AND f.state <> 'RESOLVED'
            """
        ).fetchall()
    finally:
        con.close()
    assert any(r.startswith(f"Acme Therapeutics,{acme[0]},{acme[1]},0,") for r in rows)
    assert files.data is not None
    # The last five fields are numbers; a sponsor name may hold commas (quoted).
    assert sum(int(r.rsplit(",", 5)[1]) for r in rows[1:]) == files.data.total_open


def test_example_subscriptions_file_is_valid():
    example = Path(__file__).resolve().parent.parent / "subscriptions.example.toml"
    subscriptions = messages.load_subscriptions(example, known_checks=set(report.CHECK_WEIGHT))
    assert len(subscriptions) >= 2
    assert {f for s in subscriptions for f in report.FILTER_FIELDS if getattr(s.portfolio, f)} == set(
        report.FILTER_FIELDS
    )


# ---------------------------------------------------------------- the messages


def _composed(tmp_path: Path, summary, files, name: str, **values):
    settings = _settings(tmp_path, name, **values)
    return settings, messages.compose_messages(settings, summary, files)


def test_the_eml_parses_into_subject_recipient_parts_inline_chart_and_attachment(run_with_findings):
    summary, files, tmp_path = run_with_findings
    settings, composed = _composed(tmp_path, summary, files, "box-eml", mail_to="curator@example.org")
    outcome = mailer.deliver_report(settings, summary.run_id, composed)
    assert outcome.waiting == ["run-000001-001-curator_example.org.eml"]
    message = _parse((tmp_path / "box-eml" / outcome.waiting[0]).read_bytes())
    assert message["Subject"] == (
        f"[trialwarehouse] run 1: {_q(summary).findings_new} new findings "
        f"({_q(summary).findings_open} open: 0 errors, {_q(summary).by_severity['warning']} warnings)"
    )
    assert message["To"] == "curator@example.org"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "text/csv",
    ]
    html_part = _body(message, "html")
    image = next(p for p in message.walk() if p.get_content_type() == "image/png")
    assert image.get_content().startswith(b"\x89PNG") and image["Content-Disposition"].startswith("inline")
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html_part
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "run-000001-findings.csv"
    assert attachment.get_content() == files.csv.read_text(encoding="utf-8")
    plain = _body(message, "plain")
    assert plain.startswith(report.headline(summary, files.data))
    block = files.data.blocks[0]
    assert f"{block.nct_id}  {block.title}" in plain and f"https://clinicaltrials.gov/study/{block.nct_id}" in plain
    assert f"  id {block.findings[0]['finding_key']}  [{block.findings[0]['severity']}]" in plain
    assert "attached: run-000001-findings.csv" in plain
    for part in (plain, html_part):
        assert str(tmp_path) not in part and "/tmp" not in part  # no local path


def test_each_recipient_gets_one_message_with_only_their_portfolio(run_with_findings, smtp_server):
    summary, files, tmp_path = run_with_findings
    controller, collector = smtp_server
    subscriptions = tmp_path / "subscriptions.toml"
    subscriptions.write_text(
        '[[recipient]]\naddress = "acme@example.org"\nportfolio = "Acme"\nlead_sponsor = ["Acme Therapeutics"]\n'
        '[[recipient]]\naddress = "asthma@example.org"\nportfolio = "Asthma warnings"\ncondition = "asthma"\n'
        'severity = "warning"\n'
    )
    settings, composed = _composed(
        tmp_path,
        summary,
        files,
        "box-portfolios",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        mail_from="warehouse@example.org",
        mail_to="lead@example.org",
        subscriptions=subscriptions,
    )
    outcome = mailer.deliver_report(settings, summary.run_id, composed)
    assert (
        outcome.error is None and len(outcome.sent) == 3 and outcome.describe() == "sent 3 message(s) to 3 recipient(s)"
    )
    by_recipient = {tuple(rcpt): _parse(raw) for _, rcpt, raw in collector.messages}
    assert set(by_recipient) == {("lead@example.org",), ("acme@example.org",), ("asthma@example.org",)}
    con = duckdb.connect(str(tmp_path / "wh" / "trials.duckdb"), read_only=True)
    try:
        acme = {
            n
            for (n,) in con.execute(
                "SELECT nct_id FROM v_trial_current WHERE lead_sponsor = 'Acme Therapeutics'"
            ).fetchall()
        }
        everything = con.execute("SELECT count(*) FROM v_dq_findings WHERE state <> 'RESOLVED'").fetchall()[0][0]
    finally:
        con.close()

    def csv_rows(message) -> list[list[str]]:
        attachment = next(message.iter_attachments())
        import csv
        import io

        return list(csv.reader(io.StringIO(attachment.get_content())))[1:]

    assert len(csv_rows(by_recipient[("lead@example.org",)])) == everything
    acme_rows = csv_rows(by_recipient[("acme@example.org",)])
    assert acme_rows and {r[5] for r in acme_rows} <= acme and {r[12] for r in acme_rows} == {"Acme Therapeutics"}
    acme_message = by_recipient[("acme@example.org",)]
    assert acme_message["Subject"].startswith(f"[trialwarehouse] run 1 [Acme]: {len(acme_rows)} new findings")
    assert next(acme_message.iter_attachments()).get_filename() == "run-000001-acme-findings.csv"
    asthma_rows = csv_rows(by_recipient[("asthma@example.org",)])
    assert [(r[5], r[2], r[3]) for r in asthma_rows] == [
        ("NCT09900021", "warning", "stale_open_status"),
        ("NCT09900007", "warning", "estimated_date_in_past"),
    ]
    asthma_html = _body(by_recipient[("asthma@example.org",)], "html")
    assert "NCT09900021" in asthma_html and "NCT09900007" in asthma_html and "NCT04293692" not in asthma_html


def test_no_recipient_configured_queues_nothing_and_says_so(run_with_findings):
    summary, files, tmp_path = run_with_findings
    settings, composed = _composed(tmp_path, summary, files, "box-nobody")
    outcome = mailer.deliver_report(settings, summary.run_id, composed)
    assert composed == [] and not (tmp_path / "box-nobody").exists()
    assert outcome.describe() == "no recipients configured (TW_MAIL_TO, TW_SUBSCRIPTIONS): nothing queued"


def test_smtp_down_keeps_the_message_and_the_next_run_sends_it(run_with_findings, smtp_server):
    summary, files, tmp_path = run_with_findings
    controller, collector = smtp_server
    down, composed = _composed(
        tmp_path, summary, files, "box-down", smtp_host="127.0.0.1", smtp_port=_free_port(), mail_to="c@example.org"
    )
    outcome = mailer.deliver_report(down, summary.run_id, composed)
    assert outcome.error and "ConnectionRefused" in outcome.error
    assert outcome.waiting == ["run-000001-001-c_example.org.eml"]
    assert "not sent" in outcome.describe()
    up = down.model_copy(update={"smtp_port": controller.port})
    later = mailer.flush_outbox(up, up.resolved_outbox_dir())
    assert later.sent == ["run-000001-001-c_example.org.eml"] and collector.messages[0][1] == ["c@example.org"]
    assert not list((tmp_path / "box-down").glob("*.eml"))  # sent, moved to outbox/sent


def test_a_findings_csv_too_big_to_mail_is_gzipped_or_replaced_by_a_note(run_with_findings):
    summary, files, tmp_path = run_with_findings
    size = files.csv.stat().st_size
    squeezed = len(gzip.compress(files.csv.read_bytes(), compresslevel=6))  # the level the mailer uses

    def composed(limit_bytes: int, name: str):
        _, (only,) = _composed(
            tmp_path, summary, files, name, mail_to="c@example.org", mail_max_attachment_mb=limit_bytes / 1e6
        )
        return _parse(only[1].as_bytes())

    gzipped = composed(squeezed + 10, "box1")  # the CSV is too big, gzipped it fits
    attachment = next(gzipped.iter_attachments())
    assert attachment.get_filename() == "run-000001-findings.csv.gz"
    assert gzip.decompress(attachment.get_content()) == files.csv.read_bytes()
    assert size > squeezed + 10
    assert "run-000001-findings.csv.gz" in _body(gzipped, "plain")

    nothing = composed(10, "box2")  # nothing fits: no attachment, and the message says where the files are
    assert [p.get_content_type() for p in nothing.iter_attachments()] == []
    plain = _body(nothing, "plain")
    assert "too many to attach" in plain and "run-000001-findings.csv" in plain
    assert "in the reports folder beside the warehouse, on the warehouse server" in plain
    assert str(tmp_path) not in plain
    assert "too many to attach" in _body(nothing, "html")


def test_a_night_with_nothing_new_sends_a_short_message_with_the_trend(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "classic.txt").write_bytes((shared_path("seeds") / "002_2a0bb01d304053c2.txt").read_bytes())
    wh = tmp_path / "wh" / "trials.duckdb"
    first = run_pipeline(landing, wh, checks=True)
    second = run_pipeline(landing, wh, checks=True)
    assert _q(first).validated and not _q(second).validated
    files = report.write_run_report(second, tmp_path / "reports", _q(second).validation_json)
    page = files.html.read_text(encoding="utf-8")
    assert "nothing to validate" in page and files.validation is None
    assert len(files.csv.read_text().splitlines()) - 1 == _q(first).findings_open  # still open, still listed
    assert files.new_csv.read_text().splitlines() == [files.csv.read_text().splitlines()[0]]  # header only
    assert set(files.charts) == {"findings", "trend"}  # the trend from the second night on
    settings = Settings(warehouse=wh, mail_to="c@example.org", report_url="https://reports.example.org/tw/")
    ((name, message),) = messages.compose_messages(settings, second, files)
    assert message["Subject"] == f"[trialwarehouse] run 2: nothing new ({_q(first).findings_open} open)"
    assert list(message.iter_attachments()) == []
    plain = _body(message, "plain")
    assert plain.startswith(f"Run 2: nothing new tonight. {_q(first).findings_open} findings still open")
    assert "Full report: https://reports.example.org/tw/run-000002.html" in plain
    assert len(plain) < 1000
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert [p.get_filename() for p in images] == ["run-000002-trend.png"]


def test_the_full_csv_of_a_quiet_night_after_a_quiet_night_links_the_last_one(tmp_path):
    """Issue 18: the night's cost follows its changes. A quiet night after a quiet night
    changes no row of the CSV of every open finding: the report links the last file instead
    of writing every open finding of the warehouse again. Any change writes it afresh."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    wh = tmp_path / "wh" / "trials.duckdb"
    reports = tmp_path / "reports"

    def night():
        summary = run_pipeline(landing, wh, checks=True)
        return report.write_run_report(summary, reports).csv

    sidecar = reports / ".findings.csv.last"
    first = night()
    # A night with NEW findings takes no fingerprint: no other night's file can be the same.
    assert "NEW" in first.read_text() and not sidecar.exists()
    second = night()  # quiet, but tonight's NEW findings of the first night are OPEN now
    assert sidecar.read_text().startswith(second.name)
    third = night()  # quiet after quiet: the same rows
    assert first.read_text() != second.read_text()
    assert third.read_text() == second.read_text()
    assert third.stat().st_ino == second.stat().st_ino  # one file, two names
    finding_id = int(third.read_text().splitlines()[1].split(",")[0])
    accept_findings(Settings(warehouse=wh), [finding_id], "checked with the sponsor")
    fourth = night()  # one finding accepted: one row fewer
    assert fourth.stat().st_ino != third.stat().st_ino
    assert len(fourth.read_text().splitlines()) == len(third.read_text().splitlines()) - 1
    assert third.read_text() == second.read_text()  # writing the fourth left the others as they were
    fifth = night()
    assert fifth.stat().st_ino == fourth.stat().st_ino


def test_new_findings_csv_is_the_full_csvs_new_rows_in_the_same_order(tmp_path):
    # Issue 18: the NEW-only CSV reads only the trials with a NEW finding (the night's work,
    # not the warehouse's), each with all its findings: a trial still ranks by its most urgent
    # one. NCT00000007's OPEN error puts it before NCT00000008, though its NEW finding is info.
    wh = _findings_db(
        tmp_path / "t.duckdb",
        [
            ("NCT00000007", "integrity_unique_keys", "error", 1, None),  # OPEN
            ("NCT00000007", "estimated_date_in_past", "info", 2, None),  # NEW
            ("NCT00000008", "results_overdue", "warning", 2, None),  # NEW
            ("NCT00000009", "date_order", "warning", 1, None),  # OPEN only: not in the NEW CSV
        ],
    )
    con = duckdb.connect(str(wh), read_only=True)
    try:
        report.write_findings_csv(con, tmp_path / "all.csv")
        report.write_findings_csv(con, tmp_path / "new.csv", only_new=True)
    finally:
        con.close()
    every = list(csv.reader((tmp_path / "all.csv").open(encoding="utf-8")))
    new = list(csv.reader((tmp_path / "new.csv").open(encoding="utf-8")))
    assert [(row[5], row[1]) for row in new[1:]] == [("NCT00000007", "NEW"), ("NCT00000008", "NEW")]
    assert new == [every[0], *(row for row in every[1:] if row[1] == "NEW")]


def test_trend_matches_its_definition_night_after_night(tmp_path):
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
    assert [t[:2] for t in trend] == expected and len(trend) == 3 and trend[2][1] < trend[1][1]  # night 3 resolved
    assert trend[2][3] >= 1
    png = report.trend_chart_png(trend)
    assert png is not None and png.startswith(b"\x89PNG") and report.trend_chart_png(trend[:1]) is None


# ---------------------------------------------------------------- what a person sees (Chromium)

_PROBE = """<script>
window.addEventListener('load', () => {
  const td = document.querySelector('td');
  document.body.setAttribute('data-probe', JSON.stringify({
    images: [...document.images].map(i => [i.alt, i.naturalWidth]),
    border: td ? getComputedStyle(td).borderTopWidth : null,
    text: document.body.innerText}));
});
</script>"""


def strip_like_web_mail(page: str) -> str:
    """What common web mail clients do to a message: drop <style> blocks and inline SVG."""
    page = re.sub(r"<style\b.*?</style>", "", page, flags=re.S | re.I)
    return re.sub(r"<svg\b.*?</svg>", "", page, flags=re.S | re.I)


def _chromium(args: list[str], profile: Path) -> str:
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def seen_in_browser(page: str, tmp_path: Path, name: str) -> dict:
    """Render `page` in headless Chromium: the text a person sees, the images as loaded, a
    cell's border; and a screenshot beside it."""
    path = tmp_path / f"{name}.html"
    path.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    dom = _chromium(["--dump-dom", path.as_uri()], tmp_path / f"profile-{name}")
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-2000:]
    probe = json.loads(html.unescape(found.group(1)))
    _chromium(["--window-size=1200,900", f"--screenshot={tmp_path / name}.png", path.as_uri()], tmp_path / "shot")
    return probe


def _inline_cids(message) -> str:
    """The HTML part with its cid: images resolved, as a mail client shows it."""
    page = _body(message, "html")
    for part in message.walk():
        if part["Content-ID"]:
            uri = "data:image/png;base64," + base64.b64encode(part.get_content()).decode()
            page = page.replace("cid:" + part["Content-ID"].strip("<>"), uri)
    return page


def _non_white_share(png: Path) -> float:
    from PIL import Image

    image = Image.open(png).convert("L")
    histogram = image.histogram()  # 256 grey levels
    return sum(histogram[:200]) / (image.width * image.height)


def _assert_seen(probe: dict, summary, data) -> None:
    text = probe["text"]
    assert text.startswith(f"trialwarehouse: run {summary.run_id}")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[1] == report.headline(summary, data)  # the summary line, right under the title
    assert ("Open findings by check and severity (bar chart)", 720) in [tuple(i) for i in probe["images"]]
    assert probe["border"] == "1px"
    triage = text[text.index("Act on these first") :]
    positions = [triage.index(b.nct_id) for b in data.blocks]
    assert positions == sorted(positions)  # the triage order, as shown
    for block in data.blocks[:5]:
        for finding in block.findings:
            assert re.search(rf"^{finding['finding_key']}\t", triage, re.M), finding  # the id in its own column


@needs_chromium
def test_report_page_as_a_browser_shows_it_with_and_without_style_and_svg(run_with_findings, tmp_path):
    summary, files, _ = run_with_findings
    page = files.html.read_text(encoding="utf-8")
    for name, variant in (("page", page), ("page-stripped", strip_like_web_mail(page))):
        probe = seen_in_browser(variant, tmp_path, name)
        _assert_seen(probe, summary, files.data)
        assert _non_white_share(tmp_path / f"{name}.png") > 0.03  # drawn, not a blank page


@needs_chromium
def test_email_html_part_as_a_mail_client_shows_it(run_with_findings, tmp_path):
    summary, files, _ = run_with_findings
    _, ((_, message),) = _composed(tmp_path, summary, files, "box-browser", mail_to="c@example.org")
    page = _inline_cids(_parse(message.as_bytes()))
    for name, variant in (("mail", page), ("mail-stripped", strip_like_web_mail(page))):
        probe = seen_in_browser(variant, tmp_path, name)
        _assert_seen(probe, summary, files.data)
        assert "attached CSV run-000001-findings.csv" in probe["text"]


# ---------------------------------------------------------------- the flow: email, artifact, logs


@pytest.mark.prefect
def test_nightly_run_emails_the_report_and_shows_it_in_prefect(tmp_path, smtp_server):
    import os
    import sqlite3
    import sys

    controller, collector = smtp_server
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "TW_MAIL_TO": "curators@example.org"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
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
    message = _parse(collector.messages[0][2])
    assert message["To"] == "curators@example.org"
    assert "NCT04293692" in _body(message, "html")
    db = sqlite3.connect(tmp_path / "prefect" / "prefect.db")
    try:
        ((markdown,),) = db.execute("SELECT data FROM artifact WHERE key = 'curator-report'").fetchall()
        logged = [m for (m,) in db.execute("SELECT message FROM log")]
    finally:
        db.close()
    markdown = json.loads(markdown) if markdown.startswith('"') else markdown
    assert markdown.startswith("# trialwarehouse run 1\n\nRun 1: ")
    assert "| check | severity | weight | new | open |" in markdown
    assert f"]({(tmp_path / 'reports' / 'run-000001.html').as_uri()})" in markdown
    assert any(m.startswith("run=1 step=report ") for m in logged)  # our own lines in the run's logs
    assert any(m.startswith("run=1 step=email queued=1 sent=1") for m in logged)


def test_the_report_link_is_absolute_for_a_relative_warehouse(tmp_path, monkeypatch):
    """Regression: `make run` uses the relative warehouse/trials.duckdb, and the Prefect
    artifact's file link raised "relative path can't be expressed as a file URI" after the
    night was published (exit 9)."""
    monkeypatch.chdir(tmp_path)
    page = Path("warehouse/reports/run-000001.html")
    assert report.page_link(None, page) == (tmp_path / page).as_uri()
    assert report.page_link("https://reports.example.org/tw/", page) == "https://reports.example.org/tw/run-000001.html"


def test_the_findings_csv_keeps_triage_order_past_a_few_thousand_rows(tmp_path):
    """Issue 18: the CSV's text cells were neutralized in a query wrapped around the ordered
    one, which does not keep its order: DuckDB on two threads wrote 2,048-row blocks out of
    place from about 200,000 rows (most of the 484,007 findings at 570k trials)."""
    con = duckdb.connect(config={"threads": 2})
    con.execute(
        """
        CREATE TEMP TABLE reported_test AS
        SELECT range AS finding_key, 'NCT' || lpad(CAST(hash(range) % 90000 AS VARCHAR), 8, '0') AS nct_id,
               'check_' || (range % 7) AS "check", 'rule_' || (range % 3) AS rule, 'warning' AS severity,
               'OPEN' AS state, 1 AS first_seen_run, 5 AS weight, 1000 + range % 4 AS triage_key,
               CAST(hash(range * 7) % 60000 AS BIGINT) AS position, 'a title' AS brief_title, 'a sponsor' AS lead_sponsor
        FROM range(250000)
        """
    )
    con.execute(
        "CREATE TABLE dq_finding AS SELECT range AS finding_key, "
        "CASE WHEN range % 1000 = 0 THEN '=HYPERLINK(1)' ELSE 'message ' || range END AS message, '{}' AS evidence "
        "FROM range(250000)"
    )
    con.execute(
        "CREATE TABLE dim_trial AS SELECT DISTINCT nct_id, 'https://x/' || nct_id AS registry_url FROM reported_test"
    )
    reported = cast(ReportedFindings, SimpleNamespace(table="reported_test"))
    report.write_findings_csv(con, tmp_path / "findings.csv", reported=reported)
    expected = [key for (key,) in con.execute(f"SELECT finding_key FROM reported_test AS r {TRIAGE_ORDER}").fetchall()]
    with (tmp_path / "findings.csv").open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [int(row["finding_id"]) for row in written] == expected
    assert {row["message"] for row in written if row["finding_id"] == "1000"} == {"'=HYPERLINK(1)"}


def test_an_ordered_csv_is_written_within_the_memory_limit(tmp_path):
    """Issue 18: the ordered COPY on two threads ran out of the report's memory at 570k trials
    (it holds sorted batches that arrive before their turn). The CSV is now streamed from the
    query's sorted result, which spills: 800,000 rows of 300 bytes, twice a 128MB limit, on two
    threads. DuckDB's ordered COPY on two threads fails here."""
    con = duckdb.connect(config={"threads": 2, "memory_limit": "128MB", "temp_directory": str(tmp_path / "spill")})
    con.execute(
        "CREATE TEMP TABLE t AS SELECT range AS id, hash(range) % 100000 AS k, repeat('x', 300) AS payload "
        "FROM range(800000)"
    )
    path = report_csv._write_csv(con, "SELECT id, payload FROM t ORDER BY k, id", [], tmp_path / "ordered.csv")
    expected = [key for (key,) in con.execute("SELECT id FROM t ORDER BY k, id").fetchall()]
    with path.open(encoding="utf-8", newline="") as handle:
        assert [int(row["id"]) for row in csv.DictReader(handle)] == expected
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(2,)]  # the connection's own


def test_the_streamed_csv_is_what_duckdb_would_write(tmp_path):
    """The report's CSVs are written by polars from DuckDB's batches: quoting, empty text
    against NULL, line breaks, numbers and an empty result must read as DuckDB's own COPY
    wrote them (spreadsheets and scripts of curators read these files)."""
    con = duckdb.connect()
    query = (
        "SELECT * FROM (VALUES (1, '', NULL::VARCHAR, 'a,b', 'he said \"x\"', 'line1' || chr(10) || 'line2', "
        "' lead', 'é ü', 'tab' || chr(9) || 'in', -5::BIGINT, 'cr' || chr(13) || 'x'), "
        "(2, 'plain', 'x', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) AS t(a, b, c, d, e, f, g, h, i, j, k) ORDER BY a"
    )
    for name, sql in (("rows", query), ("empty", f"{query} LIMIT 0")):
        duck = tmp_path / f"{name}-duckdb.csv"
        con.execute(f"COPY ({sql}) TO '{duck}' (FORMAT csv, HEADER)")
        ours = report_csv._write_csv(con, sql, [], tmp_path / f"{name}.csv")
        assert ours.read_bytes() == duck.read_bytes(), name


def test_an_empty_csv_does_not_import_pandas(tmp_path):
    """The new-findings CSV of a night without new findings is a header alone. pyarrow's
    empty_table() imported pandas for it: 0.26 s of such a night, in a process that never
    uses pandas otherwise. Checked in a fresh interpreter, where nothing imported it before."""
    import sys

    script = (
        "import sys, duckdb\n"
        "from pathlib import Path\n"
        "from trialwarehouse.nightly import report_csv\n"
        "con = duckdb.connect()\n"
        "path = report_csv._write_csv(con, \"SELECT 1 AS finding_id, 'x' AS nct_id WHERE false\", [], "
        f"Path({str(tmp_path / 'new.csv')!r}))\n"
        "assert path.read_text() == 'finding_id,nct_id\\n', path.read_text()\n"
        "print('pandas' in sys.modules)\n"
    )
    answer = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "False"
