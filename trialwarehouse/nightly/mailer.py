"""The curators' email: queueing and sending what `trialwarehouse.messages` composed (one
message per recipient, each addressed in its own To header).

Every message is first written to the outbox as `.eml`; `trialwarehouse.outbox` sends it
(at most once per recipient, bounded in time, the outbox locked while flushed). With no
SMTP server configured it simply waits there; when the server is down or refuses, the run
still completes, the failure is reported, and the next run sends whatever is waiting.
Credentials come from the settings (environment / .env).
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from pathlib import Path

from trialwarehouse.atomic import write_bytes_atomically
from trialwarehouse.logs import event
from trialwarehouse.nightly.outbox import MailOutcome, flush_outbox
from trialwarehouse.settings import Settings

# SMTP line endings; headers folded only beyond RFC 5322's 998 characters: folded at 78, a
# long subject went whole onto a continuation line and read back with a leading space.
POLICY = policy.SMTP.clone(max_line_length=998)


def queue(message: EmailMessage, outbox: Path, name: str) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{name}.eml"
    write_bytes_atomically(path, message.as_bytes())  # the outbox never holds half a message
    return path


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
