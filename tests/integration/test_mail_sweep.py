"""The mailbox's daily duties on both stores, driven by ``sweep`` as days pass: each
done once (a second sweep sends nothing more), each in the piece's history, none after
a piece's final action."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader

from domicili.errors import Refused
from domicili.french import format_eur
from domicili.service import providers
from domicili.testing import sample_pdf, sample_png

if TYPE_CHECKING:
    from conftest import World


def contract(world: World, **mail_terms: Any) -> int:
    """A dossier in force on an offer with scanning and these mail terms."""
    provider_id = world.provider()
    providers.add_offer(
        world.app.ctx,
        provider_id,
        name="Sérénité",
        price_ht_cents=3250,
        services=["domiciliation", "numerisation"],
        is_default=True,
        mail_terms=mail_terms,
    )
    return world.in_force(provider_id)


def letter(world: World, dossier_id: int, sender: str = "URSSAF", kind: str = "lettre") -> int:
    got = world.app.receive_mail(
        dossier_id, sender=sender, kind=kind, envelope=(sample_png(sender), "enveloppe.png")
    )
    assert got.piece.id is not None
    return got.piece.id


def sent(world: World, mark: int, template: str) -> list[Any]:
    return [m for m in world.sent_since(mark) if m.template == template]


def actions(world: World, piece_id: int) -> list[tuple[str, str | None]]:
    return [(h.action, h.actor) for h in world.app.mail_piece(piece_id).history]


def events(world: World, dossier_id: int) -> list[str]:
    return [e.type for e in world.app.get_dossier(dossier_id).events]


def test_a_destruction_is_done_on_its_day_once_and_the_client_told(world: World) -> None:
    app = world.app
    dossier_id = world.in_force()
    piece = letter(world, dossier_id, "Publicité")
    kept = letter(world, dossier_id, "Banque")
    app.instruct_mail(piece, "destroy")
    app.instruct_mail(kept, "destroy")
    app.cancel_mail_destruction(kept)
    mark = len(world.notifier.sent)
    world.clock.advance(days=6)
    assert app.sweep().mail["destroyed"] == []
    world.clock.advance(days=1)
    assert app.sweep().mail["destroyed"] == [piece]
    shown = app.mail_piece(piece)
    assert shown.piece.state == "destroyed"
    assert shown.piece.closed_at is not None
    assert actions(world, piece)[-1] == ("destroyed", "sweep")
    (email,) = sent(world, mark, "mail_destroyed")
    assert f"n° {piece} : lettre de Publicité" in email.body
    assert "mail.destroyed" in events(world, dossier_id)
    assert app.mail_piece(kept).piece.state == "received"
    app.sweep()
    assert len(sent(world, mark, "mail_destroyed")) == 1


def test_the_client_is_warned_before_free_storage_ends_once_and_never_after_its_end(
    world: World,
) -> None:
    app = world.app
    dossier_id = contract(world, storage_fee_cents=50, letter_free_days=30)
    first, second = letter(world, dossier_id, "Impots"), letter(world, dossier_id, "Banque")
    taken = letter(world, dossier_id, "Notaire")
    client = app.get_dossier(dossier_id).client
    app.instruct_mail(taken, "collect", by=client.representative.full_name)
    mark = len(world.notifier.sent)
    world.clock.advance(days=22)
    assert app.sweep().mail["storage_warned"] == []
    world.clock.advance(days=1)  # 7 days before the 30 free days end
    assert app.sweep().mail["storage_warned"] == [first, second]
    (email,) = sent(world, mark, "mail_storage_warning")
    assert email.to == client.email
    assert f"{format_eur(50)} HT par jour" in email.body
    assert "gratuit jusqu’au 31/03/2026 inclus" in email.body
    assert f"n° {taken} " not in email.body
    assert app.mail_piece(first).piece.storage_warned_at is not None
    assert ("storage_warned", "sweep") in actions(world, second)
    assert ("storage_warned", "sweep") not in actions(world, taken)
    world.clock.advance(days=3)
    app.sweep()
    assert len(sent(world, mark, "mail_storage_warning")) == 1


def test_no_storage_warning_when_storage_costs_nothing(world: World) -> None:
    dossier_id = world.in_force()
    letter(world, dossier_id)
    mark = len(world.notifier.sent)
    world.clock.advance(days=25)
    assert world.app.sweep().mail["storage_warned"] == []
    assert sent(world, mark, "mail_storage_warning") == []


def test_paper_past_its_retention_is_destroyed_when_scanned_else_returned(world: World) -> None:
    app = world.app
    dossier_id = contract(world, retention_days=40)
    scanned, plain = letter(world, dossier_id, "Banque"), letter(world, dossier_id, "Impots")
    forwarded = letter(world, dossier_id, "Greffe")
    scan = app.scan_mail(scanned, (sample_pdf("relevé"), "scan.pdf"))
    app.instruct_mail(forwarded, "forward", to="1 rue de la Paix, 75002 Paris")
    app.forward_mail(postage_cents=150)
    mark = len(world.notifier.sent)
    world.clock.advance(days=39)
    report = app.sweep().mail
    assert (report["destroyed"], report["returned"]) == ([], [])
    world.clock.advance(days=1)
    report = app.sweep().mail
    assert (report["destroyed"], report["returned"]) == ([scanned], [plain])
    destroyed = app.mail_piece(scanned).piece
    assert destroyed.state == "destroyed"
    assert destroyed.scan_sha256 == scan.scan_sha256
    assert app.ctx.files.read(destroyed.scan_sha256 or "").startswith(b"%PDF")  # the scan stays
    assert app.mail_piece(plain).piece.state == "returned"
    assert actions(world, plain)[-1] == ("returned", "sweep")
    assert app.mail_piece(forwarded).piece.state == "forwarded"
    (email,) = sent(world, mark, "mail_retention")
    assert "à l’expéditeur" in email.body
    assert f"n° {plain} : lettre de Impots" in email.body
    assert "mail.retention" in events(world, dossier_id)
    app.sweep()
    assert len(sent(world, mark, "mail_retention")) == 1


def test_three_months_uncollected_warn_the_client_then_report_it_to_the_greffe(
    world: World,
) -> None:
    app = world.app
    dossier_id = world.in_force()
    waiting = letter(world, dossier_id, "Impots")
    details = app.get_dossier(dossier_id)
    city = details.provider.city
    mark = len(world.notifier.sent)
    world.clock.advance(days=59)
    assert app.sweep().mail["uncollected_warned"] == []
    world.clock.advance(days=1)
    assert app.sweep().mail["uncollected_warned"] == [dossier_id]
    (warning,) = sent(world, mark, "mail_uncollected")
    assert warning.to == details.client.email
    assert "R123-168" in warning.body
    assert f"n° {waiting} " in warning.body
    assert "02/06/2026" in warning.body  # three months after the letter came
    app.sweep()
    assert len(sent(world, mark, "mail_uncollected")) == 1

    world.clock.advance(days=30)  # 90 days, but not three months yet
    assert app.sweep().mail["greffe_notices"] == []
    # Its retention over, the letter went back to its sender: still never collected.
    assert app.mail_piece(waiting).piece.state == "returned"
    world.clock.advance(days=2)  # 2 June
    assert app.sweep().mail["greffe_notices"] == [dossier_id]
    (email,) = sent(world, mark, "mail_greffe_notice")
    assert email.to == details.provider.email
    assert email.attachments[0].filename == f"greffe-{details.dossier.reference}.pdf"
    (notice,) = app.mail_greffe_notices()
    assert (notice.dossier_id, notice.mailbox) == (dossier_id, "B-0001")
    assert app.mail_greffe_notice(dossier_id) == notice
    pdf = app.mail_greffe_notice_pdf(dossier_id)
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert f"Greffe du tribunal de commerce de {city}" in text
    assert "non retiré" in text
    assert "mail.greffe_notice" in events(world, dossier_id)
    steps = actions(world, waiting)
    assert steps.index(("uncollected_warned", "sweep")) < steps.index(("greffe_notice", "sweep"))
    app.sweep()
    world.clock.advance(days=1)
    app.sweep()
    assert len(sent(world, mark, "mail_greffe_notice")) == 1
    assert len(sent(world, mark, "mail_uncollected")) == 1


def test_collecting_or_viewing_a_scan_restarts_the_three_months(world: World) -> None:
    app = world.app
    collected = contract(world, retention_days=365)
    letter(world, collected, "Impots")
    other = letter(world, collected, "Banque")
    viewed = contract(world, retention_days=365)
    scan = letter(world, viewed, "Banque")
    app.scan_mail(scan, (sample_pdf("relevé"), "scan.pdf"))
    plain = letter(world, viewed, "Impots")
    with pytest.raises(Refused, match="no scan to view"):
        app.mail_scan_viewed(plain)
    world.clock.advance(days=50)
    name = app.get_dossier(collected).client.representative.full_name
    app.instruct_mail(other, "collect", by=name)
    app.mail_scan_viewed(scan)
    assert actions(world, scan)[-1] == ("viewed", "client")
    mailbox, _id = app.mailbox(viewed)
    assert mailbox is not None
    assert mailbox.acknowledged_at == app.ctx.now()
    mark = len(world.notifier.sent)
    world.clock.advance(days=10)
    assert app.sweep().mail["uncollected_warned"] == []
    world.clock.advance(days=50)
    assert sorted(app.sweep().mail["uncollected_warned"]) == sorted([collected, viewed])
    assert len(sent(world, mark, "mail_uncollected")) == 2


def test_a_digest_tells_once_a_day_of_the_mail_received_the_day_before(world: World) -> None:
    app = world.app
    dossier_id = world.in_force()
    app.set_mailbox_rules(dossier_id, notify=["digest"])
    mark = len(world.notifier.sent)
    first, second = letter(world, dossier_id, "Impots"), letter(world, dossier_id, "Banque")
    assert sent(world, mark, "mail_received") == []
    assert app.sweep().mail["digests"] == []  # received today: tomorrow's digest
    world.clock.advance(days=1)
    assert app.sweep().mail["digests"] == [dossier_id]
    (digest,) = sent(world, mark, "mail_digest")
    assert f"n° {first} : lettre de Impots" in digest.body
    assert f"n° {second} : lettre de Banque" in digest.body
    assert sorted(a.filename for a in digest.attachments) == [
        f"enveloppe-{first}.png",
        f"enveloppe-{second}.png",
    ]
    assert app.mail_piece(first).piece.notified_at is not None
    assert actions(world, second)[-1] == ("digest", "sweep")
    third = letter(world, dossier_id, "Notaire")
    app.sweep()
    assert len(sent(world, mark, "mail_digest")) == 1
    world.clock.advance(days=1)
    app.sweep()
    latest = sent(world, mark, "mail_digest")[-1]
    assert len(sent(world, mark, "mail_digest")) == 2
    assert f"n° {third} " in latest.body
    assert f"n° {first} " not in latest.body


def test_mail_held_while_suspended_is_released_when_the_invoice_is_paid(world: World) -> None:
    app = world.app
    dossier_id = world.in_force()
    world.clock.advance(days=92)
    (number,) = app.bill().issued
    for days in (3, 7, 5):
        world.clock.advance(days=days)
        app.sweep()
    assert app.get_dossier(dossier_id).dossier.mail_suspended_at is not None
    held = letter(world, dossier_id, "Impots")
    assert app.mail_piece(held).piece.hold_reason == "suspended"
    mark = len(world.notifier.sent)
    app.record_invoice_paid(number, reference="VIR-77")
    piece = app.mail_piece(held).piece
    assert (piece.state, piece.hold_reason) == ("received", None)
    assert actions(world, held)[-1] == ("released", None)
    (email,) = sent(world, mark, "mail_released")
    assert f"n° {held} : lettre de Impots" in email.body
    assert events(world, dossier_id)[-1] == "mail.released"


def test_a_scan_viewed_counts_only_when_the_setting_says_so(world_with: Any) -> None:
    from domicili.config import MailboxSettings, Settings

    world: World = world_with(Settings(mailbox=MailboxSettings(scan_view_acknowledges=False)))
    app = world.app
    dossier_id = contract(world, retention_days=365)
    scan = letter(world, dossier_id, "Banque")
    app.scan_mail(scan, (sample_pdf("relevé"), "scan.pdf"))
    world.clock.advance(days=50)
    app.mail_scan_viewed(scan)
    assert app.mail_piece(scan).history[-1].detail == {"acknowledged": False}
    mailbox, _id = app.mailbox(dossier_id)
    assert mailbox is not None
    assert mailbox.acknowledged_at is None
    world.clock.advance(days=10)
    assert app.sweep().mail["uncollected_warned"] == [dossier_id]
