"""Sending the outbox: at most once per recipient, accounted per recipient, bounded in time.

Every message waits in the outbox as `.eml` until it is settled; beside it,
`<name>.eml.state.json` says where each recipient stands:

- `pending`: not sent yet (or a temporary refusal, 4xx, or the server was down): tried again;
- `sending`: the message's DATA was on its way when the process stopped: it may have arrived,
  so it is never sent again (`unknown` from then on), and the report says so;
- `sent`: the server accepted it for this recipient;
- `refused`: a permanent refusal (5xx): recorded with the server's reply, never retried;
- `unknown`: may or may not have arrived; never sent again.

A message with no pending recipient is settled: it moves to `sent/` (some recipient got it)
or `refused/` (none did), so one refused message never blocks the ones after it.

Safety and bounds:
- the outbox is locked while it is flushed (`.flush.lock`): two runs never send the same
  message; the second one leaves the outbox to the first;
- each SMTP conversation has a wall-clock bound (`TW_SMTP_CONVERSATION_SECONDS`): a server
  that trickles a byte at a time is cut off when it is reached, not after every byte's socket
  timeout; the whole delivery step has one too (`TW_MAIL_DELIVERY_SECONDS`): no conversation
  starts after it (none is cut mid-DATA for it), so the step ends within the two bounds;
- the reply to QUIT does not matter once DATA was accepted: the message is sent;
- credentials never travel in clear: with a login set and STARTTLS off, nothing is sent
  unless `TW_SMTP_ALLOW_PLAINTEXT_AUTH` says so.
"""

from __future__ import annotations

import fcntl
import json
import os
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

from trialwarehouse.atomic import write_json_atomically
from trialwarehouse.logs import Progress
from trialwarehouse.settings import Settings

LOCK_NAME = ".flush.lock"
SENT_DIR = "sent"
REFUSED_DIR = "refused"
# A recipient in these states is settled: never sent to again.
SETTLED = {"sent", "refused", "unknown"}


class ConversationTimeout(OSError):
    """The SMTP conversation went past its wall-clock bound and was cut off."""


class PlaintextAuthRefused(RuntimeError):
    """A login is configured but the connection would not be encrypted."""


@dataclass
class MailOutcome:
    sent: list[str]  # messages settled with at least one recipient reached, this flush
    waiting: list[str]  # messages still in the outbox
    error: str | None
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (message, recipient) accepted
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (message, recipient, server reply)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (message, recipient): may have arrived
    set_aside: list[str] = field(default_factory=list)  # messages moved to refused/
    busy: bool = False  # another process was flushing the outbox
    queued: int | None = None  # messages composed tonight; 0: no recipient configured

    def describe(self) -> str:
        parts = []
        if self.queued == 0 and not self.error:
            parts.append("no recipients configured (TW_MAIL_TO, TW_SUBSCRIPTIONS): nothing queued")
            if not self.sent and not self.waiting:
                return parts[0]
        if self.busy:
            parts.append("another run is sending the outbox; it will send tonight's message")
        if self.delivered:
            recipients = len({r for _, r in self.delivered})
            parts.append(f"sent {len(self.sent)} message(s) to {recipients} recipient(s)")
        elif not self.error and not self.waiting and not self.busy:
            parts.append(f"sent {len(self.sent)} message(s)")
        if self.refused:
            parts.append("refused permanently for " + ", ".join(f"{r} ({reply})" for _, r, reply in self.refused))
        if self.unknown:
            parts.append("delivery unknown (not resent) for " + ", ".join(f"{m} to {r}" for m, r in self.unknown))
        if self.error:
            parts.insert(0, f"not sent ({self.error})")
        if self.waiting and not self.busy:
            reason = "" if self.error else " (no SMTP server configured)" if not self.delivered else ""
            parts.append(f"{len(self.waiting)} message(s) waiting in the outbox{reason}")
        return "; ".join(parts) or "nothing to send"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _state_path(message: Path) -> Path:
    return message.with_name(message.name + ".state.json")


def _load_state(message: Path, recipients: list[str]) -> dict:
    path = _state_path(message)
    if path.exists():
        state = json.loads(path.read_text(encoding="utf-8"))
    else:  # recipients are fixed when a message is first tried: a later TW_MAIL_TO does not resend
        state = {"recipients": {r: {"status": "pending"} for r in recipients}}
    for entry in state["recipients"].values():
        if entry["status"] == "sending":  # the process stopped during DATA: it may have arrived
            entry.update(status="unknown", reply="the process stopped while the message was being sent")
    return state


def _save_state(message: Path, state: dict) -> None:
    write_json_atomically(_state_path(message), state)


def _mark(state: dict, recipients: list[str], status: str, reply: str | None = None) -> None:
    for recipient in recipients:
        state["recipients"][recipient] = {"status": status, "reply": reply, "at": _now()}


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()[:300]


class _Watchdog:
    """Cuts the connection when the conversation's wall-clock bound is reached: socket
    timeouts bound each read, not a server that sends one byte just before each expires."""

    def __init__(self, smtp: smtplib.SMTP, seconds: float):
        self.smtp = smtp
        self.fired = False
        self.deadline = time.monotonic() + max(seconds, 0.01)
        self.cancelled = False
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        # Short relative sleeps against a monotonic deadline, not a timed wait: a timed wait
        # takes an absolute deadline, which a shifted clock (libfaketime in the tests, a
        # stepped clock in production) can push out by days.
        while not self.cancelled:
            if time.monotonic() >= self.deadline:
                self._fire()
                return
            time.sleep(0.05)

    def _fire(self) -> None:
        self.fired = True
        sock = getattr(self.smtp, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def expired(self) -> bool:
        """Has the bound passed? Also when a read's own timeout (the bound too, below 30 s)
        ended the conversation just before this thread woke up to cut it, as on a busy machine."""
        return self.fired or time.monotonic() >= self.deadline

    def __enter__(self) -> _Watchdog:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.cancelled = True


def check_credentials_policy(settings: Settings) -> None:
    if settings.smtp_user and not settings.smtp_starttls and not settings.smtp_allow_plaintext_auth:
        raise PlaintextAuthRefused(
            "refusing to send the SMTP password unencrypted: set TW_SMTP_STARTTLS=true "
            "(or TW_SMTP_ALLOW_PLAINTEXT_AUTH=true for a server on a trusted network)"
        )


def _converse(settings: Settings, message: Path, state: dict, pending: list[str], seconds: float) -> None:
    """One SMTP conversation for one message to its pending recipients; the state is saved
    before DATA (recipients `sending`) and after (each recipient settled or pending)."""
    # The bytes exactly as queued (CRLF, headers folded only past 998 characters): parsing and
    # re-serializing would fold a long subject at 78 and alter what the outbox holds.
    content = message.read_bytes()
    smtp = smtplib.SMTP(timeout=min(30.0, seconds))
    data_started = False
    with _Watchdog(smtp, seconds) as watchdog:
        try:
            smtp.connect(settings.smtp_host or "", settings.smtp_port)
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                smtp.login(settings.smtp_user, password)
            smtp.ehlo_or_helo_if_needed()
            code, text = smtp.mail(settings.mail_from)
            if code != 250:
                if 500 <= code < 600:
                    _mark(state, pending, "refused", _reply(code, text))
                    return
                raise smtplib.SMTPSenderRefused(code, text, settings.mail_from)
            accepted = []
            for recipient in pending:
                code, text = smtp.rcpt(recipient)
                if code in (250, 251):
                    accepted.append(recipient)
                elif 500 <= code < 600:
                    _mark(state, [recipient], "refused", _reply(code, text))
                else:
                    _mark(state, [recipient], "pending", _reply(code, text))  # 4xx: try again next run
            if not accepted:
                smtp.rset()
                return
            _mark(state, accepted, "sending")
            _save_state(message, state)
            data_started = True
            code, text = smtp.data(content)
            if code == 250:
                _mark(state, accepted, "sent", _reply(code, text))
            elif 500 <= code < 600:
                _mark(state, accepted, "refused", _reply(code, text))
            else:
                _mark(state, accepted, "pending", _reply(code, text))
        except (OSError, smtplib.SMTPException) as exc:
            if data_started and any(state["recipients"][r]["status"] == "sending" for r in pending):
                # DATA may have reached the server: at most once means never sending it again.
                sending = [r for r in pending if state["recipients"][r]["status"] == "sending"]
                _mark(state, sending, "unknown", f"{type(exc).__name__} while sending: {exc}"[:300])
                _save_state(message, state)
            if watchdog.expired():
                raise ConversationTimeout(f"SMTP conversation cut off after {seconds:.0f} s") from None
            if isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600:
                _mark(state, pending, "refused", _reply(exc.smtp_code, exc.smtp_error))
                return
            raise
        finally:
            _save_state(message, state)
            try:  # after DATA the message is sent whatever QUIT answers
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _settle(outbox: Path, message: Path, state: dict, outcome: MailOutcome) -> bool:
    """Move a message with no pending recipient out of the outbox; True when it moved."""
    statuses = [entry["status"] for entry in state["recipients"].values()]
    if any(status not in SETTLED for status in statuses):
        return False
    folder = outbox / (SENT_DIR if "sent" in statuses else REFUSED_DIR)
    folder.mkdir(exist_ok=True)
    os.replace(_state_path(message), folder / _state_path(message).name)
    os.replace(message, folder / message.name)
    (outcome.sent if "sent" in statuses else outcome.set_aside).append(message.name)
    return True


def _account(message: Path, before: dict, after: dict, outcome: MailOutcome) -> None:
    for recipient, entry in after["recipients"].items():
        if before.get(recipient) == entry["status"]:
            continue
        if entry["status"] == "sent":
            outcome.delivered.append((message.name, recipient))
        elif entry["status"] == "refused":
            outcome.refused.append((message.name, recipient, entry.get("reply") or ""))
        elif entry["status"] == "unknown":
            outcome.unknown.append((message.name, recipient))


def message_recipients(message: Path, settings: Settings) -> list[str]:
    """The addresses in the message's own To header (one curator, one portfolio); a message
    without one goes to TW_MAIL_TO."""
    with message.open("rb") as handle:
        headers = BytesParser(policy=policy.SMTP).parse(handle, headersonly=True)
    addresses = [address for _, address in getaddresses(headers.get_all("To", [])) if address]
    return addresses or settings.recipients()


def waiting_messages(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*.eml")) if outbox.is_dir() else []


def flush_outbox(settings: Settings, outbox: Path) -> MailOutcome:
    """Send what waits in the outbox, oldest first, within the delivery step's time bound."""
    waiting = waiting_messages(outbox)
    if not settings.smtp_host or not waiting:
        return MailOutcome([], [p.name for p in waiting], None)
    try:
        check_credentials_policy(settings)
    except PlaintextAuthRefused as refused:
        return MailOutcome([], [p.name for p in waiting], str(refused))
    lock = open(outbox / LOCK_NAME, "a+")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return MailOutcome([], [p.name for p in waiting], None, busy=True)
        return _flush_locked(settings, outbox)
    finally:
        lock.close()


def _flush_locked(settings: Settings, outbox: Path) -> MailOutcome:
    outcome = MailOutcome([], [], None)
    started = time.monotonic()
    waiting = waiting_messages(outbox)  # listed again under the lock: another run may have sent some
    progress = Progress("email", None, len(waiting), unit="messages")
    for message in waiting:
        progress.advance()
        left = settings.mail_delivery_seconds - (time.monotonic() - started)
        if outcome.error is None and left <= 0:
            outcome.error = f"delivery step stopped at its {settings.mail_delivery_seconds:.0f} s bound"
        if outcome.error is not None:
            outcome.waiting.append(message.name)
            continue
        state = _load_state(message, message_recipients(message, settings))
        if not state["recipients"]:
            outcome.error = "TW_MAIL_TO is not set"
            outcome.waiting.append(message.name)
            continue
        before = {r: "pending" for r in state["recipients"]}  # "unknown" from a killed run is reported once
        before.update({r: e["status"] for r, e in state["recipients"].items() if e["status"] != "unknown"})
        pending = [r for r, e in state["recipients"].items() if e["status"] not in SETTLED]
        try:
            if pending:
                _converse(settings, message, state, pending, settings.smtp_conversation_seconds)
        except (OSError, smtplib.SMTPException) as exc:  # the server is down or misbehaving: try next run
            outcome.error = f"{type(exc).__name__}: {exc}"[:300]
        _account(message, before, state, outcome)
        _save_state(message, state)
        if not _settle(outbox, message, state, outcome):
            outcome.waiting.append(message.name)
    progress.done()
    return outcome
