"""The default notifier: one file per message in ``<db>-files/outbox/``, readable as email."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING

import pytest

from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.testing import sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice

KINDS = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]


@pytest.fixture
def app(store: StoreChoice) -> Iterator[Domicili]:
    db, files = store.shared("cabinet.db")
    with Domicili(
        db,
        files=files,
        settings=Settings(),
        clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
    ) as app:
        yield app


def accepted(app: Domicili) -> int:
    provider = app.add_provider(**sample_provider(1))
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
    assert dossier.id is not None
    for kind in KINDS:
        app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier.id, validate=KINDS)
    app.accept(dossier.id)
    return dossier.id


def test_the_outbox_folder_is_in_the_files_folder(app: Domicili, store: StoreChoice) -> None:
    accepted(app)
    beside = store.root / "cabinet.db-files"  # a SQLite file's files are beside it
    assert app.outbox_dir == (app.data_dir if store.is_postgres else beside) / "outbox"
    assert app.outbox_dir.is_dir()


def test_one_eml_file_per_email_and_one_text_file_per_sms(app: Domicili) -> None:
    accepted(app)
    messages = app.outbox()
    files = sorted(p.name for p in app.outbox_dir.iterdir())
    emails = [m for m in messages if m.channel == "email"]
    sms = [m for m in messages if m.channel == "sms"]
    assert len([f for f in files if f.endswith(".eml")]) == len(emails) == 4
    assert len([f for f in files if f.endswith(".sms.txt")]) == len(sms) == 1
    assert len(files) == len(messages)
    assert not [f for f in files if f.startswith(".")]  # no temporary file left behind
    assert {m.status for m in messages} == {"sent"}


def test_each_eml_parses_with_its_french_subject_recipient_and_body(app: Domicili) -> None:
    dossier_id = accepted(app)
    for message in (m for m in app.outbox() if m.channel == "email"):
        (path,) = app.outbox_dir.glob(f"{message.id:06d}-email-*.eml")
        mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert mail["Subject"] == message.subject
        assert mail["To"] == message.to
        assert mail["Date"] is not None
        assert mail["Message-ID"] is not None
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None
        assert body.get_content() == message.body
    (acceptance,) = [m for m in app.outbox() if m.template == "accepted" and m.channel == "email"]
    (path,) = app.outbox_dir.glob(f"{acceptance.id:06d}-email-*.eml")
    mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert mail["Subject"] == "Votre demande de domiciliation est acceptée (D-000001)"
    assert mail["X-Domicili-Dossier"] == str(dossier_id)
    assert "lundi 9 mars 2026" in mail.get_body().get_content()


def test_the_sms_file_carries_the_number_and_the_text(app: Domicili) -> None:
    accepted(app)
    (sms,) = [m for m in app.outbox() if m.channel == "sms"]
    (path,) = app.outbox_dir.glob("*.sms.txt")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("To: +33612345678\n")
    assert sms.body in text


def test_a_message_delivered_again_does_not_leave_a_second_file(app: Domicili) -> None:
    accepted(app)
    files = sorted(app.outbox_dir.iterdir())
    (message,) = [m for m in app.outbox() if m.template == "accepted" and m.channel == "email"]
    (path,) = app.outbox_dir.glob(f"{message.id:06d}-email-*.eml")
    first = path.read_bytes()
    app.ctx.notifier.deliver(message)
    assert sorted(app.outbox_dir.iterdir()) == files
    assert path.read_bytes() == first  # the same email, Message-ID included
    assert f"Message-ID: <{message.key}@localhost>".encode() in first


def test_an_unwritable_outbox_keeps_messages_queued(app: Domicili) -> None:
    app.outbox_dir.parent.mkdir(parents=True, exist_ok=True)
    app.outbox_dir.write_text("a file where the folder should be")
    provider = app.add_provider(**sample_provider(1))
    app.create_demande(sample_answers(), to=[provider.id or 0])
    waiting = app.outbox()
    assert waiting
    assert all(m.status != "sent" and m.last_error for m in waiting)
    app.outbox_dir.unlink()
    assert app.deliver().sent == len(waiting)
    assert {m.status for m in app.outbox()} == {"sent"}
    assert len(list(app.outbox_dir.iterdir())) == len(waiting)
