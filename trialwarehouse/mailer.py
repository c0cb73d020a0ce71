"""The curators' email: HTML report as the body, a plain-text alternative, the CSV attached.

Every message is first written to the outbox as `.eml`; `trialwarehouse.outbox` sends it
(at most once per recipient, bounded in time, the outbox locked while flushed). With no
SMTP server configured it simply waits there; when the server is down or refuses, the run
still completes, the failure is reported, and the next run sends whatever is waiting.
Credentials come from the settings (environment / .env).
"""

from __future__ import annotations

import gzip
import html
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from trialwarehouse.logs import event
from trialwarehouse.outbox import MailOutcome, flush_outbox
from trialwarehouse.settings import Settings


@dataclass
class Attachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str
    note: str | None = None  # what the reader should know when not everything is attached


def choose_attachment(limit_bytes: int, csv_path: Path, new_csv_path: Path | None = None) -> Attachment | None:
    """The findings CSV if it fits the limit, else gzipped; if even that is too big (a
    first full load of the registry), tonight's NEW findings gzipped; else nothing, and a
    note saying where the files are. Mail servers refuse messages of tens of megabytes."""
    size = csv_path.stat().st_size
    if size <= limit_bytes:
        return Attachment(csv_path.name, csv_path.read_bytes(), "text", "csv")
    where = f"The full findings CSV ({size / 1e6:,.1f} MB) is on the warehouse server: {csv_path}"
    # CSV rarely shrinks more than 8 times: beyond that, compressing it is wasted seconds.
    if size <= 8 * limit_bytes:
        squeezed = gzip.compress(csv_path.read_bytes(), compresslevel=6)
        if len(squeezed) <= limit_bytes:
            return Attachment(
                csv_path.name + ".gz", squeezed, "application", "gzip", "The findings CSV is attached gzipped."
            )
    if new_csv_path is not None:
        new = gzip.compress(new_csv_path.read_bytes(), compresslevel=6)
        if len(new) <= limit_bytes:
            return Attachment(
                new_csv_path.name + ".gz",
                new,
                "application",
                "gzip",
                f"Only tonight's NEW findings are attached (gzipped). {where}",
            )
    return Attachment("", b"", "", "", f"The findings are too many to attach. {where}")


def build_message(
    settings: Settings, subject: str, text: str, html_body: str, attachment: Attachment | None
) -> EmailMessage:
    note = attachment.note if attachment else None
    if note:
        text = f"{note}\n\n{text}"
        html_body = html_body.replace("<body>", f"<body>\n<p><b>{html.escape(note)}</b></p>", 1)
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    message["From"] = settings.mail_from
    if settings.recipients():
        message["To"] = ", ".join(settings.recipients())
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="trialwarehouse.local")
    message.set_content(text)
    message.add_alternative(html_body, subtype="html")
    if attachment and attachment.filename:
        message.add_attachment(
            attachment.data, maintype=attachment.maintype, subtype=attachment.subtype, filename=attachment.filename
        )
    return message


def queue(message: EmailMessage, outbox: Path, name: str) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{name}.eml"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(message.as_bytes())
    temporary.replace(path)
    return path


def deliver_report(
    settings: Settings,
    run_id: int,
    subject: str,
    text: str,
    html_body: str,
    csv_path: Path,
    new_csv_path: Path | None = None,
) -> MailOutcome:
    """Queue tonight's report in the outbox, then send everything waiting."""
    outbox = settings.resolved_outbox_dir()
    limit = int(settings.mail_max_attachment_mb * 1_000_000)
    message = build_message(settings, subject, text, html_body, choose_attachment(limit, csv_path, new_csv_path))
    queue(message, outbox, f"run-{run_id:06d}")
    outcome = flush_outbox(settings, outbox)
    event("email", run_id, sent=len(outcome.sent), waiting=len(outcome.waiting), error=outcome.error or "none")
    return outcome
