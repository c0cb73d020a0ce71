"""Sending the outbox against real SMTP servers on 127.0.0.1 that misbehave (issue 19):
at most once per recipient, accounted per recipient, locked, bounded in time."""

import asyncio
import json
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from trialwarehouse.nightly import mailer, outbox
from trialwarehouse.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An aiosmtpd handler whose misbehaviour each test scripts."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse_rcpt: dict[str, str] = {}  # address -> reply
        self.data_reply = lambda content: "250 OK"
        self.quit_reply = "221 Bye"
        self.data_seconds = 0.0
        self.auth_seen = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_seconds:
            await asyncio.sleep(self.data_seconds)
        reply = self.data_reply(envelope.content)
        if reply.startswith("250"):
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return reply

    async def handle_QUIT(self, server, session, envelope):
        return self.quit_reply


@pytest.fixture
def smtp():
    handler = Server()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def _settings(tmp_path, port, **extra) -> Settings:
    values = {
        "warehouse": tmp_path / "wh" / "trials.duckdb",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "mail_to": "a@example.org, b@example.org",
        **extra,
    }
    return Settings(**values)


def _queue(settings: Settings, *names: str) -> None:
    for name in names:
        message = EmailMessage()
        message["Subject"] = f"report {name}"
        message["From"] = settings.mail_from
        message.set_content(f"body of {name}\n")
        mailer.queue(message, settings.resolved_outbox_dir(), name)


def _left(settings: Settings) -> list[str]:
    return [p.name for p in outbox.waiting_messages(settings.resolved_outbox_dir())]


def test_data_accepted_then_quit_refused_is_sent_once(tmp_path, smtp):
    controller, server = smtp
    server.quit_reply = "500 I do not like QUIT"
    settings = _settings(tmp_path, controller.port)
    _queue(settings, "run-000001")
    first = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    second = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert first.error is None and first.sent == ["run-000001.eml"]
    assert first.delivered == [("run-000001.eml", "a@example.org"), ("run-000001.eml", "b@example.org")]
    assert len(server.messages) == 1
    assert second.sent == [] and second.delivered == [] and len(server.messages) == 1
    assert (settings.resolved_outbox_dir() / "sent" / "run-000001.eml").exists()


def test_one_recipient_refused_is_accounted_and_never_retried(tmp_path, smtp):
    controller, server = smtp
    server.refuse_rcpt["b@example.org"] = "550 5.1.1 no such user"
    settings = _settings(tmp_path, controller.port)
    _queue(settings, "run-000001")
    outcome = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert outcome.delivered == [("run-000001.eml", "a@example.org")]
    assert outcome.refused == [("run-000001.eml", "b@example.org", "550 5.1.1 no such user")]
    assert "refused permanently for b@example.org (550 5.1.1 no such user)" in outcome.describe()
    assert [rcpts for rcpts, _ in server.messages] == [["a@example.org"]]
    state = json.loads((settings.resolved_outbox_dir() / "sent" / "run-000001.eml.state.json").read_text())
    assert {r: e["status"] for r, e in state["recipients"].items()} == {
        "a@example.org": "sent",
        "b@example.org": "refused",
    }
    server.refuse_rcpt.clear()
    again = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert again.delivered == [] and len(server.messages) == 1


def test_a_temporary_refusal_is_retried_for_that_recipient_only(tmp_path, smtp):
    controller, server = smtp
    server.refuse_rcpt["b@example.org"] = "451 4.3.0 try later"
    settings = _settings(tmp_path, controller.port)
    _queue(settings, "run-000001")
    first = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert first.delivered == [("run-000001.eml", "a@example.org")] and _left(settings) == ["run-000001.eml"]
    server.refuse_rcpt.clear()
    second = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert second.delivered == [("run-000001.eml", "b@example.org")] and _left(settings) == []
    assert [rcpts for rcpts, _ in server.messages] == [["a@example.org"], ["b@example.org"]]


def test_a_permanently_refused_message_is_set_aside_and_the_next_one_goes(tmp_path, smtp):
    controller, server = smtp
    server.data_reply = lambda content: "554 5.6.0 rejected" if b"run-000001" in content else "250 OK"
    settings = _settings(tmp_path, controller.port)
    _queue(settings, "run-000001", "run-000002")
    outcome = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert outcome.set_aside == ["run-000001.eml"] and outcome.sent == ["run-000002.eml"]
    assert outcome.refused == [
        ("run-000001.eml", "a@example.org", "554 5.6.0 rejected"),
        ("run-000001.eml", "b@example.org", "554 5.6.0 rejected"),
    ]
    assert (settings.resolved_outbox_dir() / "refused" / "run-000001.eml").exists()
    assert _left(settings) == []
    assert len(server.messages) == 1


def test_two_flushes_at_once_send_each_message_once(tmp_path, smtp):
    controller, server = smtp
    server.data_seconds = 0.5
    settings = _settings(tmp_path, controller.port)
    _queue(settings, "run-000001", "run-000002")
    outcomes = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(outbox.flush_outbox(settings, settings.resolved_outbox_dir())))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    assert sorted(len(o.sent) for o in outcomes) == [0, 2]
    busy = next(o for o in outcomes if not o.sent)
    assert busy.busy and busy.error is None
    assert "another run is sending the outbox" in busy.describe()
    assert len(server.messages) == 2


def _trickling_server(stop: threading.Event) -> int:
    """A server that answers the greeting one byte every 0.3 s, for ever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                while not stop.is_set():
                    try:
                        conn.sendall(b"2")
                    except OSError:
                        break
                    time.sleep(0.3)
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_a_trickling_server_is_cut_off_at_the_conversation_bound(tmp_path):
    stop = threading.Event()
    try:
        port = _trickling_server(stop)
        settings = _settings(tmp_path, port, smtp_conversation_seconds=1.5)
        _queue(settings, "run-000001", "run-000002")
        started = time.monotonic()
        outcome = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
        elapsed = time.monotonic() - started
    finally:
        stop.set()
    assert 1.4 < elapsed < 3.0
    assert outcome.error == "ConversationTimeout: SMTP conversation cut off after 2 s"
    assert outcome.waiting == ["run-000001.eml", "run-000002.eml"]


def test_the_delivery_step_is_bounded_as_a_whole(tmp_path, smtp):
    """No conversation starts after the step's bound: here after the second message."""
    controller, server = smtp
    server.data_seconds = 1.0
    settings = _settings(tmp_path, controller.port, mail_delivery_seconds=1.5, smtp_conversation_seconds=5)
    _queue(settings, "run-000001", "run-000002", "run-000003")
    started = time.monotonic()
    outcome = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert time.monotonic() - started < 3.0
    assert outcome.sent == ["run-000001.eml", "run-000002.eml"]
    assert outcome.waiting == ["run-000003.eml"]
    assert outcome.error == "delivery step stopped at its 2 s bound"


def test_a_message_cut_off_during_data_is_never_sent_again(tmp_path, smtp):
    controller, server = smtp
    server.data_seconds = 3.0  # the server keeps the message, and its reply, past the bound
    settings = _settings(tmp_path, controller.port, smtp_conversation_seconds=1.0)
    _queue(settings, "run-000001")
    first = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert first.unknown == [("run-000001.eml", "a@example.org"), ("run-000001.eml", "b@example.org")]
    assert first.error == "ConversationTimeout: SMTP conversation cut off after 1 s"
    server.data_seconds = 0
    second = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert second.delivered == [] and _left(settings) == []
    assert (settings.resolved_outbox_dir() / "refused" / "run-000001.eml").exists()


def test_a_read_timing_out_at_the_bound_is_the_conversation_cut_off(tmp_path, smtp, monkeypatch):
    """The read's own timeout is the bound too: when it ends the conversation before the
    watchdog's thread wakes (a busy CI machine did), the error still says the bound was
    reached, and the recipients are unknown, never sent again."""
    monkeypatch.setattr(outbox._Watchdog, "_fire", lambda self: None)  # a watchdog that wakes too late
    controller, server = smtp
    server.data_seconds = 3.0
    settings = _settings(tmp_path, controller.port, smtp_conversation_seconds=1.0)
    _queue(settings, "run-000001")
    first = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert first.unknown == [("run-000001.eml", "a@example.org"), ("run-000001.eml", "b@example.org")]
    assert first.error == "ConversationTimeout: SMTP conversation cut off after 1 s"


def test_a_kill_during_data_leaves_recipients_unknown_not_resent(tmp_path, smtp):
    """A state file that says `sending` is what a process killed during DATA leaves."""
    controller, server = smtp
    settings = _settings(tmp_path, controller.port)
    _queue(settings, "run-000001")
    state = settings.resolved_outbox_dir() / "run-000001.eml.state.json"
    state.write_text(
        json.dumps({"recipients": {"a@example.org": {"status": "sending"}, "b@example.org": {"status": "pending"}}})
    )
    outcome = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert outcome.unknown == [("run-000001.eml", "a@example.org")]
    assert outcome.delivered == [("run-000001.eml", "b@example.org")]
    assert [rcpts for rcpts, _ in server.messages] == [["b@example.org"]]


class _Authenticator:
    def __init__(self, server: Server):
        self.server = server

    def __call__(self, smtp_server, session, envelope, mechanism, auth_data):
        self.server.auth_seen = True
        return AuthResult(success=auth_data.login == b"curator" and auth_data.password == b"s3cret")


@pytest.fixture
def auth_smtp():
    handler = Server()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=_Authenticator(handler),
        auth_require_tls=False,
    )
    controller.start()
    yield controller, handler
    controller.stop()


def test_no_login_without_tls_unless_allowed(tmp_path, auth_smtp):
    controller, server = auth_smtp
    settings = _settings(tmp_path, controller.port, smtp_user="curator", smtp_password="s3cret")
    _queue(settings, "run-000001")
    refused = outbox.flush_outbox(settings, settings.resolved_outbox_dir())
    assert (refused.error or "").startswith("refusing to send the SMTP password unencrypted")
    assert not server.auth_seen and server.messages == [] and _left(settings) == ["run-000001.eml"]
    allowed = settings.model_copy(update={"smtp_allow_plaintext_auth": True})
    sent = outbox.flush_outbox(allowed, allowed.resolved_outbox_dir())
    assert server.auth_seen and sent.sent == ["run-000001.eml"] and len(server.messages) == 1
