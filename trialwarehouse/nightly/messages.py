"""The curators' messages: one `EmailMessage` per recipient, each with only the findings of
the trials that recipient follows (their portfolio, set in the subscriptions file).

A message is multipart/alternative: a plain-text part, and an HTML part with its charts as
PNG images in a multipart/related (`cid:` links: web mail drops SVG and `data:` URIs); the
portfolio's findings CSV is attached under its own name. Nothing here sends or queues:
`trialwarehouse.nightly.mailer` does, with whatever this module composed.

The subscriptions file (TOML, `TW_SUBSCRIPTIONS`; documented in subscriptions.example.toml):

    [[recipient]]
    address = "oncology@example.org"
    portfolio = "Oncology, US sites"     # a name for the subject and the files
    condition = ["cancer", "carcinoma"]  # any condition of the trial containing one of them
    country = ["United States"]          # any site in one of them
    lead_sponsor = ["National Cancer Institute (NCI)"]
    check = ["results_overdue"]
    severity = ["error", "warning"]
"""

from __future__ import annotations

import gzip
import re
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import duckdb

from trialwarehouse import warehouse
from trialwarehouse.logs import event
from trialwarehouse.nightly import mailer, report
from trialwarehouse.nightly.results import RunSummary
from trialwarehouse.settings import Settings


class SubscriptionError(ValueError):
    """The subscriptions file cannot be used; the message says where and why, in one line."""


@dataclass(frozen=True)
class Subscription:
    address: str
    portfolio: report.Portfolio


_RECIPIENT_KEYS = {"address", "portfolio", *report.FILTER_FIELDS}


def _values(path: Path, index: int, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SubscriptionError(f"{path.name}: recipient {index}: {key} must be a text or a list of texts")
    return tuple(v.strip() for v in value)


def load_subscriptions(path: Path, known_checks: set[str] | None = None) -> list[Subscription]:
    """The recipients of the subscriptions file, in file order. Unknown keys, severities or
    (when `known_checks` is given) checks are errors: a typo must not silently widen or
    empty a curator's portfolio."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SubscriptionError(f"{path.name}: cannot read it ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SubscriptionError(f"{path.name}: not valid TOML ({exc})") from None
    unknown_top = set(document) - {"recipient"}
    if unknown_top:
        raise SubscriptionError(f"{path.name}: unknown key(s) {', '.join(sorted(unknown_top))}; expected [[recipient]]")
    recipients = document.get("recipient", [])
    if not isinstance(recipients, list):
        raise SubscriptionError(f"{path.name}: recipient must be an array of tables ([[recipient]])")
    subscriptions = []
    for index, entry in enumerate(recipients, start=1):
        unknown = set(entry) - _RECIPIENT_KEYS
        if unknown:
            raise SubscriptionError(
                f"{path.name}: recipient {index}: unknown key(s) {', '.join(sorted(unknown))} "
                f"(allowed: {', '.join(sorted(_RECIPIENT_KEYS))})"
            )
        address = entry.get("address")
        if not isinstance(address, str) or "@" not in parseaddr(address)[1]:
            raise SubscriptionError(f"{path.name}: recipient {index}: address must be an email address")
        filters = {key: _values(path, index, key, entry[key]) for key in report.FILTER_FIELDS if key in entry}
        bad = [s for s in filters.get("severity", ()) if s not in report.SEVERITIES]
        if bad:
            raise SubscriptionError(
                f"{path.name}: recipient {index}: severity {', '.join(bad)} is not one of {', '.join(report.SEVERITIES)}"
            )
        if known_checks is not None:
            bad = [c for c in filters.get("check", ()) if c not in known_checks]
            if bad:
                raise SubscriptionError(f"{path.name}: recipient {index}: no check named {', '.join(bad)}")
        name = entry.get("portfolio") or parseaddr(address)[1]
        if not isinstance(name, str):
            raise SubscriptionError(f"{path.name}: recipient {index}: portfolio must be a text")
        subscriptions.append(Subscription(address.strip(), report.Portfolio(name=name.strip(), **filters)))
    return subscriptions


def subscriptions_of(settings: Settings, known_checks: set[str] | None = None) -> list[Subscription]:
    """TW_MAIL_TO (every finding), then the subscriptions file's recipients."""
    everyone = [Subscription(address, report.EVERYTHING) for address in settings.recipients()]
    if settings.subscriptions is None:
        return everyone
    return everyone + load_subscriptions(settings.subscriptions, known_checks)


@dataclass
class Attachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str
    note: str | None = None  # what the reader should know when not everything is attached


def choose_attachment(
    limit_bytes: int, csv_path: Path, new_csv_path: Path | None = None, where: str = ""
) -> Attachment | None:
    """The findings CSV if it fits the limit, else gzipped; if even that is too big (a
    first full load of the registry), tonight's NEW findings gzipped; else nothing, and a
    note saying where the files are (`where`: never a local path). Mail servers refuse
    messages of tens of megabytes."""
    size = csv_path.stat().st_size
    if size <= limit_bytes:
        return Attachment(csv_path.name, csv_path.read_bytes(), "text", "csv")
    full = f"The full findings CSV, {csv_path.name} ({size / 1e6:,.1f} MB), is {where}."
    # CSV rarely shrinks more than 8 times: beyond that, compressing it is wasted seconds.
    if size <= 8 * limit_bytes:
        squeezed = gzip.compress(csv_path.read_bytes(), compresslevel=6)
        if len(squeezed) <= limit_bytes:
            return Attachment(
                csv_path.name + ".gz",
                squeezed,
                "application",
                "gzip",
                f"The findings CSV is attached gzipped, as {csv_path.name}.gz.",
            )
    if new_csv_path is not None:
        new = gzip.compress(new_csv_path.read_bytes(), compresslevel=6)
        if len(new) <= limit_bytes:
            return Attachment(
                new_csv_path.name + ".gz",
                new,
                "application",
                "gzip",
                f"Only tonight's NEW findings are attached, gzipped, as {new_csv_path.name}.gz. {full}",
            )
    return Attachment("", b"", "", "", f"The findings are too many to attach. {full}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "portfolio"


@dataclass
class PortfolioFiles:
    """One portfolio's data, CSVs and charts, shared by its recipients."""

    data: report.ReportData
    csv: Path
    new_csv: Path
    charts: dict[str, bytes]


def build_message(
    settings: Settings,
    summary: RunSummary,
    recipient: str,
    files: PortfolioFiles,
    report_url: str | None = None,
    validation_name: str | None = None,
) -> EmailMessage:
    """The message for one recipient: their portfolio's summary, triage list, charts and CSV."""
    data = files.data
    where = report.where_files(report_url)
    stem = f"run-{summary.run_id:06d}"
    report_link = f"{report_url.rstrip('/')}/{stem}.html" if report_url else None
    limit = int(settings.mail_max_attachment_mb * 1_000_000)
    if data.nothing_new:
        # A quiet night sends a short message: nothing to attach, the files say the rest.
        attachment = None
        notes = []
    else:
        attachment = choose_attachment(limit, files.csv, files.new_csv, where)
        notes = [attachment.note] if attachment and attachment.note else []
    attached = attachment is not None and bool(attachment.filename)
    # Content-IDs unique per message, as RFC 2392 asks; the HTML refers to them as cid:.
    cids = {name: make_msgid(idstring=f"{stem}-{name}", domain="trialwarehouse.local") for name in files.charts}
    how = report.Rendering(
        csv_name=attachment.filename if attached and attachment else files.csv.name,
        where_files=where,
        report_link=report_link,
        chart_src={name: "cid:" + cid.strip("<>") for name, cid in cids.items()},
        notes=notes,
        attached=attached,
        validation_name=validation_name,
    )
    message = EmailMessage(policy=mailer.POLICY)
    message["Subject"] = report.email_subject(summary, data)
    message["From"] = settings.mail_from
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="trialwarehouse.local")
    message.set_content(report.render_text(summary, data, how))
    message.add_alternative(report.render_html(summary, data, how), subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None  # just added
    for name, png in files.charts.items():
        if data.nothing_new and name != "trend":
            continue  # the short message shows the trend only
        html_part.add_related(
            png, maintype="image", subtype="png", cid=cids[name], filename=f"{stem}-{name}.png", disposition="inline"
        )
    if attached and attachment:
        message.add_attachment(
            attachment.data, maintype=attachment.maintype, subtype=attachment.subtype, filename=attachment.filename
        )
    return message


def _known_checks(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("SELECT check_name FROM dq_check").fetchall()}


def compose_messages(
    settings: Settings, summary: RunSummary, files: report.ReportFiles
) -> list[tuple[str, EmailMessage]]:
    """(outbox name, message) for each recipient: TW_MAIL_TO get every finding, the
    subscriptions file's recipients their portfolio's. Empty when no one is configured.
    Raises SubscriptionError when the subscriptions file is unusable."""
    everything = PortfolioFiles(files.data or report.ReportData(), files.csv, files.new_csv, files.charts)
    by_portfolio: dict[report.Portfolio, PortfolioFiles] = {report.EVERYTHING: everything}
    stem = f"run-{summary.run_id:06d}"
    con = warehouse.connect(Path(summary.warehouse), read_only=True, memory_limit=settings.report_memory_limit)
    try:
        subscriptions = subscriptions_of(settings, _known_checks(con))
        for subscription in subscriptions:
            portfolio = subscription.portfolio
            if portfolio in by_portfolio:
                continue
            # The portfolio's CSVs sit beside the report: that is where its message says they are.
            prefix = files.csv.parent / f"{stem}-{_slug(portfolio.name)}"
            with report.ReportedFindings(con, portfolio) as reported:
                data = report.read_report_data(con, summary.run_id, portfolio, reported)
                csv = report.write_findings_csv(con, Path(f"{prefix}-findings.csv"), reported=reported)
                new_csv = report.write_findings_csv(con, Path(f"{prefix}-new-findings.csv"), True, reported=reported)
            by_portfolio[portfolio] = PortfolioFiles(data, csv, new_csv, report.charts(data))
    finally:
        con.close()
    composed = []
    for index, subscription in enumerate(subscriptions, start=1):
        chosen = by_portfolio[subscription.portfolio]
        message = build_message(
            settings,
            summary,
            subscription.address,
            chosen,
            settings.report_url,
            files.validation.name if files.validation else None,
        )
        name = f"{stem}-{index:03d}-{re.sub(r'[^A-Za-z0-9._-]+', '_', parseaddr(subscription.address)[1])}"
        composed.append((name, message))
        event(
            "compose-email",
            summary.run_id,
            to=parseaddr(subscription.address)[1],
            portfolio=subscription.portfolio.name.replace(" ", "_"),
            findings=chosen.data.total_open,
            new=chosen.data.total_new,
        )
    return composed
