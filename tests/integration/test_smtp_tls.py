"""The ``smtp`` adapter as a provider configures it (``[email] adapter``, ``[smtp]``),
against a real SMTP server (aiosmtpd) on loopback: STARTTLS with a login, SMTPS, a
certificate the machine does not trust, a wrong password, every setting as a variable."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import EmailSettings, NotificationSettings, Settings, SmtpSettings
from domicili.testing import new_database, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import Cli

TLS = Path(__file__).parent.parent / "tls"  # a self-signed certificate for 127.0.0.1
KINDS = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
CLIENT = "contact@atelier-lumiere.fr"
LOGIN, PASSWORD = "bureau", "s3cret-de-test"


class Inbox:
    """Keeps every email the server took, with the login it came in under."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes, Any]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append((list(envelope.rcpt_tos), content, session.auth_data))
        return "250 OK"


def _login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        LOGIN.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "server.pem", TLS / "server.key")
    return context


@contextmanager
def serving(mode: str) -> Iterator[tuple[Inbox, int]]:
    """``starttls`` (login required, after TLS only) or ``ssl`` (TLS from the first byte)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    kwargs: dict[str, Any] = (
        {
            "tls_context": _tls_context(),
            "require_starttls": True,
            "authenticator": _login,
            "auth_required": True,
        }
        if mode == "starttls"
        else {"ssl_context": _tls_context(), "authenticator": _login}
    )
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test certificate is one this machine trusts, as a provider's own authority."""
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "server.pem"))


def accepted_by_email(port: int, **smtp: Any) -> Domicili:
    """A provider whose emails go through ``[smtp]`` (SMS through the outbox folder),
    one dossier accepted: the client was sent its acceptance email."""
    db, files = new_database()
    settings = Settings(
        email=EmailSettings(adapter="smtp", sender="bureau@lumiere.example"),
        smtp=SmtpSettings(host="127.0.0.1", port=port, timeout=5, **smtp),
        notifications=NotificationSettings(deadline_seconds=10),
    )
    app = Domicili(
        db, files=files, settings=settings, clock=FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    )
    provider = app.add_provider(**sample_provider(1))
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
    assert dossier.id is not None
    for kind in KINDS:
        app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier.id, validate=KINDS)
    app.accept(dossier.id)
    return app


def emails(app: Domicili) -> list[Any]:
    return [m for m in app.outbox() if m.channel == "email"]


def test_starttls_with_a_login_delivers_every_email_once(
    trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMICILI_SMTP_PASSWORD", PASSWORD)
    with (
        serving("starttls") as (inbox, port),
        accepted_by_email(port, starttls=True, username=LOGIN) as app,
    ):
        sent = emails(app)
        assert sent
        assert {m.status for m in sent} == {"sent"}
        assert len(inbox.received) == len(sent)
        received = sorted(to for to, _content, _auth in inbox.received)
        assert received == sorted([m.to] for m in sent)
        assert ["camille@atelier.example"] in received  # the client's acceptance
        assert all(auth.login == LOGIN.encode() for _to, _content, auth in inbox.received)
        assert b"Subject:" in inbox.received[-1][1]
        assert app.deliver().sent == 0  # nothing left: no email twice


def test_smtps_delivers_over_tls_from_the_first_byte(trusted: None) -> None:
    with serving("ssl") as (inbox, port), accepted_by_email(port, ssl=True) as app:
        assert {m.status for m in emails(app)} == {"sent"}
        assert len(inbox.received) == len(emails(app))


def test_a_certificate_the_machine_does_not_trust_keeps_the_emails_queued() -> None:
    with serving("ssl") as (inbox, port), accepted_by_email(port, ssl=True) as app:
        assert inbox.received == []
        assert {m.status for m in emails(app)} == {"failed"}  # queued, tried again later
        assert app.last_delivery is not None
        reasons = {u.reason for u in app.last_delivery.undelivered}
        assert reasons == {
            f"the certificate of the mail server 127.0.0.1:{port} is not trusted "
            "(self-signed certificate)"
        }


def test_a_wrong_password_keeps_the_emails_queued_with_the_servers_answer(
    trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMICILI_SMTP_PASSWORD", "not-it")
    with (
        serving("starttls") as (inbox, port),
        accepted_by_email(port, starttls=True, username=LOGIN) as app,
    ):
        assert inbox.received == []
        assert {m.status for m in emails(app)} == {"failed"}
        assert app.last_delivery is not None
        (reason, *_rest) = [u.reason for u in app.last_delivery.undelivered]
        assert reason.startswith("the mail server answered 535 ")


def test_every_smtp_setting_can_be_a_variable(
    cli: Cli, societe_answers: Path, trusted: None
) -> None:
    cli.add_provider(1)
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1)
    cli.ok("justificatif", "review", 1, *(a for k in KINDS for a in ("--validate", k)))
    with serving("starttls") as (inbox, port):
        env = {
            "DOMICILI_EMAIL_ADAPTER": "smtp",
            "DOMICILI_EMAIL_SENDER": "bureau@lumiere.example",
            "DOMICILI_SMTP_HOST": "127.0.0.1",
            "DOMICILI_SMTP_PORT": str(port),
            "DOMICILI_SMTP_STARTTLS": "true",
            "DOMICILI_SMTP_USERNAME": LOGIN,
            "DOMICILI_SMTP_PASSWORD": PASSWORD,
        }
        result = cli("dossier", "accept", 1, env=env)
        assert result.exit_code == 0, result.output
        assert "queued" not in result.stderr  # nothing left undelivered
        assert [to for to, _content, _auth in inbox.received] == [[CLIENT]]


def test_starttls_and_ssl_together_is_a_sentence_and_exit_1(cli: Cli) -> None:
    env = {"DOMICILI_SMTP_STARTTLS": "true", "DOMICILI_SMTP_SSL": "true"}
    result = cli("dossier", "list", env=env)
    assert result.exit_code == 1
    assert "choose either starttls (port 587) or ssl (port 465), not both" in result.stderr
    assert "Traceback" not in result.output
