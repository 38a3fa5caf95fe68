"""The SMTP notifier against a real (tiny) SMTP server on loopback."""

from __future__ import annotations

import re
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.adapters.notifiers import SmtpNotifier
from domicili.app import Domicili
from domicili.cli._errors import ADAPTER_FAILED, exit_code
from domicili.clock import FixedClock
from domicili.config import NotificationSettings, Settings
from domicili.errors import AdapterError
from domicili.models import OutboxMessage
from domicili.testing import new_database, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice
    from smtp_server import SmtpServer

KINDS = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_with(
    notifier: SmtpNotifier,
    tmp_path: Path,
    *,
    deadline: float = 10,
    auto_deliver: bool = True,
    db: tuple[str, Path | None] | None = None,
) -> Domicili:
    db_name, files = db or new_database()
    return Domicili(
        db_name,
        files=files,
        settings=Settings(notifications=NotificationSettings(deadline_seconds=deadline)),
        clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        notifier=notifier,
        auto_deliver=auto_deliver,
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
    assert mail["From"] == "Domiciliation Test 1 <bureau@lumiere.example>"
    assert mail["Reply-To"] == "contact1@domiciliation.example"
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


def test_one_delivery_run_sends_every_email_over_one_connection(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    notifier = SmtpNotifier("127.0.0.1", smtp_server.port, sms_folder=tmp_path, timeout=5)
    with app_with(notifier, tmp_path, auto_deliver=False) as app:
        provider = app.add_provider(**sample_provider(1))
        for n in range(3):
            app.create_demande(sample_answers(seed=n), to=[provider.id or 0])
        emails = [m for m in app.outbox() if m.channel == "email"]
        report = app.deliver()
        assert (report.sent, report.failed) == (len(emails), 0) == (6, 0)
    box = smtp_server.mailbox
    assert box.connections == 1
    assert box.commands.count("MAIL") == 6
    assert box.commands.count("QUIT") == 1


def test_a_retried_email_carries_the_same_message_id(
    smtp_server: SmtpServer, tmp_path: Path, store: StoreChoice
) -> None:
    notifier = SmtpNotifier("127.0.0.1", smtp_server.port, sms_folder=tmp_path, timeout=5)
    target = store.shared()
    with app_with(notifier, tmp_path, db=target) as app:
        provider = app.add_provider(**sample_provider(1))
        app.create_demande(sample_answers(), to=[provider.id or 0])
        first = smtp_server.mailbox.message_ids()
        assert len(first) == len(set(first)) == 2
        app.store.execute("UPDATE outbox SET status = 'pending'")  # as if never marked
    with app_with(notifier, tmp_path, db=target) as app:  # another run, another process
        assert app.deliver().sent == 2
    ids = smtp_server.mailbox.message_ids()
    assert ids == first + first
    pattern = r"<outbox-(\d+)\.([0-9a-f]{12})@localhost>"
    assert [re.fullmatch(pattern, i) is not None for i in ids] == [True] * 4


def test_a_hung_server_delays_a_change_no_longer_than_the_deadline(
    hung_smtp: SmtpServer, tmp_path: Path
) -> None:
    notifier = SmtpNotifier("127.0.0.1", hung_smtp.port, sms_folder=tmp_path, timeout=5)
    with app_with(notifier, tmp_path, deadline=1) as app:
        provider = app.add_provider(**sample_provider(1))
        started = time.monotonic()
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        elapsed = time.monotonic() - started
        assert elapsed < 2.5
        assert dossier.status.code == "S1"  # committed, whatever the mail server does
        report = app.last_delivery
        assert report is not None
        assert report.sent == 0
        where = f"127.0.0.1:{hung_smtp.port}"
        assert [u.sentence() for u in report.undelivered] == [
            f"The email to {sample_provider(1)['email']} is queued: the mail server {where} "
            "did not answer.",
            "The email to camille@atelier.example is queued: "
            "delivery stopped after 1 s, before its turn.",
        ]
        assert {m.status for m in app.outbox()} == {"pending", "failed"}
        assert app.get_dossier(dossier.id or 0).dossier.status.code == "S1"
