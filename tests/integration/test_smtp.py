"""The SMTP notifier against a real (tiny) SMTP server on loopback."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from domicili.adapters.notifiers import SmtpNotifier
from domicili.app import Domicili
from domicili.cli._errors import ADAPTER_FAILED, exit_code
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.errors import AdapterError
from domicili.models import OutboxMessage
from domicili.testing import new_database, sample_answers, sample_pdf, sample_provider

KINDS = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def mail(self) -> EmailMessage:
        # Stored the way a mail server stores it: CRLF on the wire, LF on disk.
        data = self.data.replace(b"\r\n", b"\n")
        parsed = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for a client: EHLO/HELO, MAIL, RCPT, DATA, RSET, QUIT."""

    server: SmtpServer

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox
        sender, recipients = "", []
        self.reply("220 loopback ESMTP ready")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            box.commands.append(verb)
            if verb == "EHLO":
                self.reply("250-loopback")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 loopback")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                box.received.append(Received(sender, recipients, b"".join(lines)))
                sender, recipients = "", []
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.mailbox = Mailbox()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_with(notifier: SmtpNotifier, tmp_path: Path) -> Domicili:
    db, files = new_database()
    return Domicili(
        db,
        files=files,
        settings=Settings(),
        clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        notifier=notifier,
    )


def accept_one(app: Domicili) -> int:
    provider = app.add_provider(**sample_provider(1))
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
    assert dossier.id is not None
    for kind in KINDS:
        app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier.id, validate=KINDS)
    app.accept(dossier.id)
    return dossier.id


def test_the_acceptance_email_reaches_the_smtp_server_intact(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    notifier = SmtpNotifier(
        "127.0.0.1",
        smtp_server.port,
        sender="bureau@lumiere.example",
        sms_folder=tmp_path / "sms",
        timeout=5,
    )
    with app_with(notifier, tmp_path) as app:
        dossier_id = accept_one(app)
        (queued,) = [m for m in app.outbox() if m.template == "accepted" and m.channel == "email"]
        assert queued.status == "sent"
        emails = [m for m in app.outbox() if m.channel == "email"]

    assert len(smtp_server.mailbox.received) == len(emails)
    got = smtp_server.mailbox.received[-1]
    assert got.sender == "bureau@lumiere.example"
    assert got.recipients == ["camille@atelier.example"]
    mail = got.mail
    assert (
        mail["Subject"]
        == queued.subject
        == ("Votre demande de domiciliation est acceptée (D-000001)")
    )
    assert mail["From"] == "bureau@lumiere.example"
    assert mail["X-Domicili-Dossier"] == str(dossier_id)
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content() == queued.body
    assert "126,00" in queued.body
    assert smtp_server.mailbox.commands[-1] == "QUIT"
    # The SMS went to the folder, not to the mail server.
    assert len(list((tmp_path / "sms").glob("*.sms.txt"))) == 1


def test_a_body_line_starting_with_a_dot_survives_transport(smtp_server: SmtpServer) -> None:
    notifier = SmtpNotifier("127.0.0.1", smtp_server.port, timeout=5)
    message = OutboxMessage(
        id=7,
        channel="email",
        to="client@example.fr",
        subject="Relevé — œuvre « test »",
        body="Première ligne\n.\n.point en tête\nFin\n",
        template="test",
        dossier_id=None,
        provider_id=None,
    )
    notifier.deliver(message)
    (got,) = smtp_server.mailbox.received
    mail = got.mail
    assert mail["Subject"] == "Relevé — œuvre « test »"
    assert mail.get_content() == message.body


def test_a_refused_connection_raises_adapter_error(closed_port: int, tmp_path: Path) -> None:
    notifier = SmtpNotifier("127.0.0.1", closed_port, timeout=2, sms_folder=tmp_path)
    message = OutboxMessage(
        id=3, channel="email", to="client@example.fr", subject="s", body="b\n",
        template="t", dossier_id=None, provider_id=None,
    )  # fmt: skip
    with pytest.raises(AdapterError, match=f"127.0.0.1:{closed_port}.*stays queued") as caught:
        notifier.deliver(message)
    assert exit_code(caught.value) == ADAPTER_FAILED == 3  # "try again later"


def test_messages_stay_pending_while_the_smtp_server_is_down(
    closed_port: int, tmp_path: Path
) -> None:
    notifier = SmtpNotifier("127.0.0.1", closed_port, timeout=2, sms_folder=tmp_path / "sms")
    with app_with(notifier, tmp_path) as app:
        provider = app.add_provider(**sample_provider(1))
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        assert dossier.status.code == "S1"  # the request itself is recorded
        emails = [m for m in app.outbox() if m.channel == "email"]
        assert len(emails) == 2
        for m in emails:
            assert m.status != "sent"
            assert m.last_error is not None
            assert "stays queued" in m.last_error
        report = app.deliver()
        assert (report.sent, report.failed) == (0, 2)
        assert all(m.status != "sent" for m in app.outbox())
