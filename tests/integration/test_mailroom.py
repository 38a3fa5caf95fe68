"""The mailroom on both stores: a piece received with its envelope, told to the client,
scanned only where the contract allows it, kept for registered mail only with a
procuration, held while the service is suspended, obeyed to its final action, and
traceable from arrival to its end."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from domicili.errors import InvalidInput, MailPieceNotFound, Refused
from domicili.testing import sample_pdf, sample_png

if TYPE_CHECKING:
    from conftest import World


def scanning_contract(world: World) -> int:
    """A dossier in force whose offer includes scanning (permission to open mail)."""
    provider_id = world.provider()
    world.app.add_offer(
        provider_id,
        name="Sérénité",
        price_ht_cents=3250,
        services=["domiciliation", "numerisation"],
        is_default=True,
    )
    return world.in_force(provider_id)


def test_a_letter_is_received_labelled_and_told_with_its_envelope(world: World) -> None:
    app = world.app
    dossier_id = world.in_force()
    mark = len(world.notifier.sent)
    got = app.receive_mail(
        f"D-{dossier_id:06d}",
        sender="URSSAF Île-de-France",
        kind="lettre",
        envelope=(sample_png("urssaf"), "enveloppe.png"),
        key="matin-001",
    )
    assert got.created
    assert got.mailbox_number == "B-0001"
    assert (got.piece.state, got.piece.dossier_id) == ("received", dossier_id)
    (email,) = [m for m in world.sent_since(mark) if m.template == "mail_received"]
    assert "Lettre de URSSAF Île-de-France".lower() in email.subject.lower()
    assert [a.filename for a in email.attachments if a.filename.startswith("env")] == [
        f"enveloppe-{got.piece.id}.png"
    ]
    again = app.receive_mail(
        dossier_id, sender="URSSAF Île-de-France", kind="lettre", key="matin-001"
    )
    assert not again.created
    assert again.piece.id == got.piece.id
    assert len(list(app.iter_mail(dossier_id=dossier_id))) == 1
    mailbox, found = app.mailbox("B-0001")
    assert mailbox is not None
    assert found == dossier_id


def test_mail_for_a_dossier_not_in_force_goes_back_and_nothing_is_kept(world: World) -> None:
    (dossier_id,) = world.demande()
    with pytest.raises(Refused, match="return the piece to its sender; nothing was recorded"):
        world.app.receive_mail(dossier_id, sender="Impots", kind="lettre")
    assert list(world.app.iter_mail()) == []
    with pytest.raises(InvalidInput, match="names no mailbox"):
        world.app.receive_mail("boîte 7", sender="Impots", kind="lettre")
    with pytest.raises(InvalidInput, match="kind"):
        world.app.receive_mail(world.in_force(), sender="Impots", kind="pli")


def test_registered_mail_without_a_procuration_is_an_avis_de_passage(world: World) -> None:
    dossier_id = world.in_force()
    got = world.app.receive_mail(dossier_id, sender="Tribunal de commerce", kind="recommande")
    assert got.note == "avis_de_passage"
    assert got.piece.kind == "avis_de_passage"
    email = [m for m in world.notifier.sent if m.template == "mail_received"][-1]
    assert "avis de passage" in email.body
    world.send_pieces(dossier_id, ["procuration_postale"])
    world.app.review(dossier_id, validate=["procuration_postale"])
    kept = world.app.receive_mail(dossier_id, sender="Tribunal de commerce", kind="recommande")
    assert (kept.note, kept.piece.kind) == (None, "recommande")


def test_a_content_scan_needs_the_permission_the_contract_gives(world: World) -> None:
    app = world.app
    plain = world.in_force()
    piece = app.receive_mail(plain, sender="Banque", kind="lettre").piece
    assert piece.id is not None
    with pytest.raises(Refused, match="does not allow opening its mail"):
        app.scan_mail(piece.id, (sample_pdf("relevé"), "scan.pdf"))
    with pytest.raises(Refused, match="does not allow opening its mail"):
        app.instruct_mail(piece.id, "scan")

    allowed = scanning_contract(world)
    mark = len(world.notifier.sent)
    other = app.receive_mail(allowed, sender="Banque", kind="lettre").piece
    assert other.id is not None
    scanned = app.scan_mail(other.id, (sample_pdf("relevé"), "scan.pdf"))
    assert scanned.scan_pages == 1
    told = [m for m in world.sent_since(mark) if m.template == "mail_received"]
    assert "numérisé" in told[-1].subject
    assert told[-1].attachments[0].filename == f"courrier-{other.id}.pdf"
    with pytest.raises(Exception, match="PDF, JPEG or PNG"):
        app.scan_mail(other.id, (b"GIF89a not a scan", "scan.gif"))


def test_while_the_service_is_suspended_new_mail_is_held_and_the_client_told(
    world: World,
) -> None:
    app = world.app
    dossier_id = world.in_force()
    app.store.set_mail_suspended(dossier_id, app.ctx.now())
    got = app.receive_mail(dossier_id, sender="Impots", kind="lettre")
    assert (got.piece.state, got.piece.hold_reason, got.note) == ("held", "suspended", "suspended")
    email = [m for m in world.notifier.sent if m.template == "mail_received"][-1]
    assert "suspendu" in email.body


def test_instructions_lead_each_piece_to_one_final_action(world: World) -> None:
    app = world.app
    dossier_id = world.in_force()

    def piece() -> int:
        got = app.receive_mail(dossier_id, sender="Fournisseur", kind="lettre")
        assert got.piece.id is not None
        return got.piece.id

    unforwarded = piece()
    with pytest.raises(InvalidInput, match="give the address to forward it to"):
        app.instruct_mail(unforwarded, "forward")
    forwarded = piece()
    app.instruct_mail(forwarded, "forward", to="12 rue des Lilas, 69003 Lyon")
    batch = app.forward_mail(postage_cents=250)
    assert batch.pieces == [forwarded]
    assert batch.postage_cents == 250
    with pytest.raises(Refused, match="forwarded already"):
        app.instruct_mail(forwarded, "destroy")

    destroyed = piece()
    doomed = app.instruct_mail(destroyed, "destroy")
    assert doomed.destroy_on == (app.ctx.now() + timedelta(days=7)).date()
    assert app.cancel_mail_destruction(destroyed).state == "received"
    with pytest.raises(Refused, match="no destruction to cancel"):
        app.cancel_mail_destruction(destroyed)

    client = app.get_dossier(dossier_id).client
    who = f"{client.representative.first_name} {client.representative.last_name}"
    collected = piece()
    with pytest.raises(Refused, match="is not on file"):
        app.instruct_mail(collected, "collect", by="Un Inconnu")
    done = app.instruct_mail(collected, "collect", by=who.upper())
    assert (done.state, done.collected_by) == ("collected", who)
    view = app.mail_piece(collected)
    assert [h.action for h in view.history] == ["received", "placed", "collect"]
    with pytest.raises(MailPieceNotFound):
        app.mail_piece(999)
    assert {p.id for p in app.iter_mail(uncollected=True)} == {unforwarded, destroyed}


def test_standing_rules_apply_on_arrival(world: World) -> None:
    app = world.app
    dossier_id = world.in_force()
    with pytest.raises(InvalidInput, match="needs the address"):
        app.set_mailbox_rules(dossier_id, rules={"colis": "forward"})
    mailbox = app.set_mailbox_rules(
        dossier_id,
        rules={"colis": "forward", "administratif": "hold"},
        forward_address="12 rue des Lilas, 69003 Lyon",
        notify=["email", "sms"],
    )
    assert mailbox.rules == {"colis": "forward", "administratif": "hold"}
    world.send_pieces(dossier_id, ["procuration_postale"])
    app.review(dossier_id, validate=["procuration_postale"])
    parcel = app.receive_mail(dossier_id, sender="Boutique", kind="colis").piece
    assert (parcel.state, parcel.forward_to) == ("to_forward", "12 rue des Lilas, 69003 Lyon")
    notice = app.receive_mail(dossier_id, sender="Préfecture", kind="administratif").piece
    assert notice.state == "held"
    sms = [m for m in world.notifier.sent if m.template == "mail_received" and m.channel == "sms"]
    assert len(sms) == 2
