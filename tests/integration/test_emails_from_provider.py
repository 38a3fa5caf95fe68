"""Emails as the provider sends them, read back from a real SMTP server on loopback:
From the provider's name and the sending address, Reply-To the provider, a text and
an HTML part in the one layout, the logo inline, the representative's own address."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.adapters.notifiers import SmtpNotifier
from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import EmailSettings, ProviderEmailSettings, Settings, load_settings
from domicili.errors import ConfigError
from domicili.statuses import Status
from domicili.testing import new_database, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from smtp_server import SmtpServer

KINDS = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
PROVIDER_EMAIL = "contact1@domiciliation.example"
CLIENT_EMAIL = "camille@atelier.example"
REPRESENTATIVE = "claire.martin@domiciliation.example"
NBSP, NNBSP = "\u00a0", "\u202f"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


CLOCK = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def open_app(smtp_server: SmtpServer, tmp_path: Path, email: EmailSettings) -> Domicili:
    CLOCK.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    db, files = new_database()
    notifier = SmtpNotifier(
        "127.0.0.1", smtp_server.port, sender="robot@envoi.example", sms_folder=tmp_path, timeout=5
    )
    return Domicili(
        db,
        files=files,
        settings=Settings(email=email),
        clock=CLOCK,
        notifier=notifier,
    )


def accepted(app: Domicili, **provider: object) -> tuple[int, int]:
    """A provider and one accepted dossier: (provider id, dossier id)."""
    p = app.add_provider(**sample_provider(1, **provider))  # type: ignore[arg-type]
    assert p.id is not None
    _client, (dossier,) = app.create_demande(sample_answers(), to=[p.id])
    assert dossier.id is not None
    for kind in KINDS:
        app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier.id, validate=KINDS)
    app.accept(dossier.id)
    return p.id, dossier.id


def received(smtp_server: SmtpServer, subject_part: str, to: str) -> tuple[str, EmailMessage]:
    """The one email received whose subject holds ``subject_part``, sent to ``to``:
    (envelope sender, the email)."""
    found = [
        (r.sender, r.mail)
        for r in smtp_server.mailbox.received
        if subject_part in str(r.mail["Subject"]) and r.recipients == [to]
    ]
    assert len(found) == 1, [str(r.mail["Subject"]) for r in smtp_server.mailbox.received]
    return found[0]


def parts(mail: EmailMessage) -> tuple[str, str]:
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())


def test_the_acceptance_email_comes_from_the_provider_in_text_and_html_with_its_logo(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    email = EmailSettings(sender="envoi@domicili.example", logo=logo)
    with open_app(smtp_server, tmp_path, email) as app:
        accepted(app, legal_form="SAS")
    envelope_from, mail = received(smtp_server, "est acceptée", CLIENT_EMAIL)
    assert mail["From"] == "Domiciliation Test 1 <envoi@domicili.example>"
    assert envelope_from == "envoi@domicili.example"
    assert mail["Reply-To"] == PROVIDER_EMAIL
    assert str(mail["Message-ID"]).endswith("@domicili.example>")
    assert mail.get_content_type() == "multipart/alternative"
    text, html = parts(mail)
    assert "Montant du premier paiement : 126,00" in text
    assert text.rstrip().endswith("agrément n° 2024-075-0001 (Préfecture de police)")
    # The HTML part: the same words with French typography, the provider in the footer.
    assert f"Montant du premier paiement{NBSP}: 126,00" in html
    assert "Bonne nouvelle" in html
    assert "domicilier Atelier Lumière (en formation) à l’adresse 1 rue de Rivoli" in html
    assert "<strong>Domiciliation Test 1</strong> (SAS)" in html
    assert f"agrément n°{NBSP}2024-075-0001 (Préfecture de police)" in html
    # The logo: an image inside the HTML part, named by the img's cid.
    related = next(p for p in mail.walk() if p.get_content_type() == "multipart/related")
    image = next(p for p in related.iter_parts() if p.get_content_type() == "image/png")
    cid = str(image["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in html
    assert image.get_content() == logo.read_bytes()
    assert not [p for p in mail.iter_attachments() if p.get_content_type() == "image/png"]


def test_a_new_request_reaches_the_provider_with_replies_to_the_client(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    with open_app(smtp_server, tmp_path, EmailSettings()) as app:
        accepted(app)
    envelope_from, mail = received(smtp_server, "Nouvelle demande", PROVIDER_EMAIL)
    # Without [email] sender, the notifier's own address, with the provider's name.
    assert mail["From"] == "Domiciliation Test 1 <robot@envoi.example>"
    assert envelope_from == "robot@envoi.example"
    assert mail["Reply-To"] == CLIENT_EMAIL
    text, html = parts(mail)
    assert "domicili dossier accept 1" in text
    assert re.search(
        r"<pre[^>]*>domicili justificatif list 1\ndomicili dossier accept 1</pre>", html
    )


def test_a_provider_sends_from_its_own_address_and_the_expiry_reply_reaches_it(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    email = EmailSettings(
        sender="envoi@domicili.example",
        providers={1: ProviderEmailSettings(sender="bureau@lumiere.example")},
    )
    with open_app(smtp_server, tmp_path, email) as app:
        __, dossier_id = accepted(app)
        CLOCK.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
        assert app.sweep().expired == [dossier_id]
    __, mail = received(smtp_server, "a expiré", CLIENT_EMAIL)
    assert mail["From"] == "Domiciliation Test 1 <bureau@lumiere.example>"
    assert mail["Reply-To"] == PROVIDER_EMAIL
    text, html = parts(mail)
    assert "répondez à ce\nmessage" in text
    assert f"répondez à ce message{NBSP}: votre dossier peut être réactivé" in html


def test_the_representative_receives_the_contract_and_its_code_at_their_own_address(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    with open_app(smtp_server, tmp_path, EmailSettings(sender="envoi@domicili.example")) as app:
        __, dossier_id = accepted(app, representative_email=REPRESENTATIVE)
        app.record_payment(dossier_id, method="transfer", reference="VIR-1")
        stored = [
            m for m in app.outbox() if m.template == "contract_to_sign" and m.to == REPRESENTATIVE
        ]
        assert app.get_dossier(dossier_id).dossier.status is Status.AWAITING_SIGNATURE
    __, mail = received(smtp_server, "Contrat de domiciliation à signer", REPRESENTATIVE)
    box = smtp_server.mailbox.received
    to_sign = [r.recipients for r in box if "à signer" in str(r.mail["Subject"])]
    assert sorted(to_sign) == [[CLIENT_EMAIL], [REPRESENTATIVE]]  # not the provider's address
    assert mail["Reply-To"] is None  # to the provider itself: no one else to reply to
    text, html = parts(mail)
    # The provider has no mobile: the code is in the email, both parts, and kept in neither.
    code = re.search(r"Code de signature : (\d{6})", text)
    assert code is not None
    assert f"Code de signature{NBSP}: {code.group(1)}" in html
    (kept,) = stored
    assert code.group(1) not in kept.body
    assert kept.html is not None
    assert code.group(1) not in kept.html
    assert "••••••" in kept.html
    assert any(str(a.get_filename()).startswith("contrat-") for a in mail.iter_attachments())


def test_a_logo_that_cannot_be_read_refuses_the_change_with_one_sentence(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    readme = tmp_path / "logo.txt"
    readme.write_text("not an image", encoding="utf-8")
    for logo, words in ((tmp_path / "absent.png", "cannot be read"), (readme, "is not a PNG")):
        with open_app(smtp_server, tmp_path, EmailSettings(logo=logo)) as app:
            p = app.add_provider(**sample_provider(1))
            assert p.id is not None
            with pytest.raises(
                ConfigError, match=rf"The logo .*{logo.name} \(\[email\] logo\) {words}"
            ):
                app.create_demande(sample_answers(), to=[p.id])
            assert app.list_dossiers() == []
            assert app.outbox() == []


def test_email_settings_are_read_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "domicili.toml"
    config.write_text(
        '[email]\nsender = "Envoi@Domicili.example"\nlogo = "images/logo.png"\n\n'
        '[email.providers.2]\nsender = "bureau@lumiere.example"\n',
        encoding="utf-8",
    )
    settings = load_settings(config).email
    assert settings.sender_for(1) == "Envoi@domicili.example"
    assert settings.sender_for(2) == "bureau@lumiere.example"
    assert settings.logo == tmp_path / "images" / "logo.png"
    config.write_text('[email]\nsender = "pas une adresse"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"email\.sender: 'pas une adresse' is not an email"):
        load_settings(config)


def test_a_french_reader_is_told_the_logo_is_not_an_image(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    from domicili.i18n import speaking

    readme = tmp_path / "README.md"
    readme.write_text("# pas une image\n", encoding="utf-8")
    with open_app(smtp_server, tmp_path, EmailSettings(logo=readme)) as app:
        p = app.add_provider(**sample_provider(1))
        assert p.id is not None
        with speaking("fr"), pytest.raises(ConfigError) as refused:
            app.create_demande(sample_answers(), to=[p.id])
    assert str(refused.value) == f"Le logo {readme} ([email] logo) n’est pas une image PNG ou JPEG."
