"""The curators' email: queueing and sending what `trialwarehouse.messages` composed (one
message per recipient, each addressed in its own To header).

Every message is first written to the outbox as `.eml`; it leaves the outbox only once an
SMTP server accepted it. With no SMTP server configured it simply waits there; when the
server is down or refuses, the run still completes, the failure is reported, and the next
run sends whatever is waiting. Credentials come from the settings (environment / .env).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

from trialwarehouse.logs import event
from trialwarehouse.settings import Settings

# SMTP line endings; headers folded only beyond RFC 5322's 998 characters: folded at 78, a
# long subject went whole onto a continuation line and read back with a leading space.
POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass
class MailOutcome:
    sent: list[str]
    waiting: list[str]
    error: str | None
    queued: int | None = None  # messages composed tonight; 0: no recipient configured

    def describe(self) -> str:
        if self.queued == 0 and not self.error:
            nobody = "no recipients configured (TW_MAIL_TO, TW_SUBSCRIPTIONS): nothing queued"
            return (
                nobody
                + (f"; {len(self.sent)} older message(s) sent" if self.sent else "")
                + (f"; {len(self.waiting)} older message(s) waiting in the outbox" if self.waiting else "")
            )
        if self.error:
            return f"not sent ({self.error}); {len(self.waiting)} message(s) waiting in the outbox"
        if self.waiting:
            return f"{len(self.sent)} sent, {len(self.waiting)} waiting in the outbox (no SMTP server configured)"
        return f"sent {len(self.sent)} message(s)"


def queue(message: EmailMessage, outbox: Path, name: str) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{name}.eml"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(message.as_bytes())
    temporary.replace(path)
    return path


def _send_one(settings: Settings, path: Path) -> None:
    message = BytesParser(policy=POLICY).parsebytes(path.read_bytes())
    # Each message goes to the addresses in its own To header (one curator, one portfolio).
    recipients = [address for _, address in getaddresses(message.get_all("To", [])) if address]
    recipients = recipients or settings.recipients()
    if not recipients:
        raise smtplib.SMTPRecipientsRefused({"(none)": (550, b"TW_MAIL_TO is not set")})
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        smtp.send_message(message, from_addr=settings.mail_from, to_addrs=recipients)


def flush_outbox(settings: Settings, outbox: Path) -> MailOutcome:
    """Send every waiting message, oldest first; stop at the first failure."""
    waiting = sorted(outbox.glob("*.eml")) if outbox.is_dir() else []
    if not settings.smtp_host:
        return MailOutcome([], [p.name for p in waiting], None)
    sent: list[str] = []
    for path in waiting:
        try:
            _send_one(settings, path)
        except (OSError, smtplib.SMTPException) as exc:
            remaining = [p.name for p in waiting if p.name not in sent]
            return MailOutcome(sent, remaining, f"{type(exc).__name__}: {exc}")
        archive = outbox / "sent"
        archive.mkdir(exist_ok=True)
        path.replace(archive / path.name)
        sent.append(path.name)
    return MailOutcome(sent, [], None)


def deliver_report(settings: Settings, run_id: int, messages: list[tuple[str, EmailMessage]]) -> MailOutcome:
    """Queue tonight's messages (outbox name, message) in the outbox, then send everything
    waiting. No message (no recipient configured): nothing is queued, and the outcome says so."""
    outbox = settings.resolved_outbox_dir()
    for name, message in messages:
        queue(message, outbox, name)
    outcome = flush_outbox(settings, outbox)
    outcome.queued = len(messages)
    event(
        "email",
        run_id,
        queued=len(messages),
        sent=len(outcome.sent),
        waiting=len(outcome.waiting),
        error=outcome.error or "none",
    )
    return outcome
