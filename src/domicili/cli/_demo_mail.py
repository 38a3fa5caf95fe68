"""The demo's day at the mailbox: the morning's mail recorded with its envelope, the
content scanned (the contract allows it), a registered letter without a procuration, a
collection by someone on file, a forward batch, and mail for a dossier not domiciled."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DomiciliError
from ..files import write_atomic
from ..french import format_eur
from ..i18n import _, ngettext
from ..testing import sample_pdf, sample_png
from ._demo_talk import refused, say, step

if TYPE_CHECKING:
    from ..app import Domicili
    from ..models import Dossier

__all__ = ["mailbox_day"]


def mailbox_day(app: Domicili, desk: Domicili, folder: Path, mine: Dossier, other: Dossier) -> None:
    """The mailroom's morning for the client in force, as the provider's staff live it
    (``desk``: the same database as the provider's own staff open it, ``--provider``)."""
    assert mine.id is not None
    step(
        _("The morning's mail: a letter for the client, its envelope photographed"),
        f"courrier receive {mine.id} --sender 'URSSAF Île-de-France' --kind lettre "
        "--envelope enveloppe.png --key matin-001",
    )
    first = app.receive_mail(
        mine.id,
        sender="URSSAF Île-de-France",
        kind="lettre",
        envelope=(sample_png("URSSAF"), "enveloppe.png"),
        key="matin-001",
    )
    piece = first.piece
    assert piece.id is not None
    say(
        _("piece {id} in mailbox {mailbox}; the client is emailed the envelope").format(
            id=piece.id, mailbox=first.mailbox_number
        )
    )
    step(_("Recorded again with the same key: nothing twice"), "courrier receive … --key matin-001")
    again = app.receive_mail(mine.id, sender="URSSAF Île-de-France", kind="lettre", key="matin-001")
    say(_("piece {id}, already there").format(id=again.piece.id))

    step(
        _("Its content is scanned: the contract allows opening the mail"),
        f"courrier scan {piece.id} scan.pdf",
    )
    scanned = app.scan_mail(piece.id, (sample_pdf("URSSAF - appel de cotisations"), "scan.pdf"))
    pages = scanned.scan_pages or 1
    say(
        ngettext(
            "{pages} page, sent to the client", "{pages} pages, sent to the client", pages
        ).format(pages=pages)
    )

    step(
        _("A registered letter, with no procuration postale on file"),
        f"courrier receive {mine.id} --sender 'Tribunal de commerce' --kind recommande",
    )
    notice = app.receive_mail(mine.id, sender="Tribunal de commerce de Paris", kind="recommande")
    assert notice.piece.id is not None
    say(_("recorded as an avis de passage: the client collects it at the post office"))
    step(
        _("Someone not on file comes for it: refused"),
        f"courrier instruct {notice.piece.id} collect --by 'Jean Inconnu'",
    )
    try:
        app.instruct_mail(notice.piece.id, "collect", by="Jean Inconnu")
    except DomiciliError as exc:
        refused(exc)
    step(
        _("The client's legal representative collects it"),
        f"courrier instruct {notice.piece.id} collect --by 'Camille Durand'",
    )
    collected = app.instruct_mail(notice.piece.id, "collect", by="Camille Durand")
    say(_("collected by {who}").format(who=collected.collected_by))

    _forward(app, mine, other)
    _intake(desk, folder, mine)


def _intake(app: Domicili, folder: Path, mine: Dossier) -> None:
    """The next morning's envelopes photographed into a folder, taken in at once."""
    assert mine.id is not None
    photos = folder / "courrier-du-matin"
    photos.mkdir()
    (photos / f"{mine.reference}_impots.png").write_bytes(sample_png("SIE Paris"))
    (photos / "IMG_2041.png").write_bytes(sample_png("enveloppe sans nom"))
    step(
        _("The next morning's envelopes, photographed into a folder, taken in at once"),
        f"--provider {mine.provider_id} courrier intake {photos.name}",
    )
    report = app.intake_mail(photos)
    for line in report.recorded:
        say(
            _("{file}: piece {id} in mailbox {mailbox}").format(
                file=line.file, id=line.piece_id, mailbox=line.mailbox
            )
        )
    for line in report.to_assign:
        say(_("{file}: piece {id}, to assign").format(file=line.file, id=line.piece_id))
    for line in report.to_assign:
        assert line.piece_id is not None
        step(
            _("A photo that names no mailbox is assigned by hand"),
            f"courrier assign {line.piece_id} {mine.id}",
        )
        done = app.assign_mail(line.piece_id, mine.id)
        say(
            _("piece {id} in mailbox {mailbox}; the client is told now").format(
                id=line.piece_id, mailbox=done.mailbox_number
            )
        )
    step(_("The day's sheet of labels for the paper"), "courrier labels -o etiquettes.pdf")
    sheet = folder / "etiquettes.pdf"
    write_atomic(sheet, app.mail_labels())
    say(_("{file}: one label per piece, with its QR code").format(file=sheet.name))


def _forward(app: Domicili, mine: Dossier, other: Dossier) -> None:
    assert mine.id is not None
    letter = app.receive_mail(mine.id, sender="Banque Populaire", kind="lettre").piece
    assert letter.id is not None
    address = "12 rue des Lilas, 69003 Lyon"
    step(
        _("The client asks for a letter to be forwarded; the day's batch goes out"),
        f"courrier instruct {letter.id} forward --to '{address}'; "
        "courrier forward-batch --postage 1,96",
    )
    app.instruct_mail(letter.id, "forward", to=address)
    batch = app.forward_mail(postage_cents=196)
    say(
        _("batch {id}: {count} envelope, postage {postage} billed on the next invoice").format(
            id=batch.batch_id, count=len(batch.envelopes), postage=format_eur(batch.postage_cents)
        )
    )
    view = app.mail_piece(letter.id)
    say(_("its history: {steps}").format(steps=", ".join(h.action for h in view.history)))
    step(
        _("Mail for the dossier that is not domiciled goes back to its sender"),
        f"courrier receive {other.id} --sender Impots --kind lettre",
    )
    try:
        app.receive_mail(other.id, sender="Impots", kind="lettre")
    except DomiciliError as exc:
        refused(exc)
