"""The mailroom: each piece of mail received, labelled, scanned where the client allows
it, and told to the client; found again by its id, listed, shown with its history.

A piece names its mailbox by the dossier (``7``, ``D-000007``) or the mailbox number
(``B-0007``); a piece that names none yet (a morning's envelopes photographed at once)
waits *à attribuer* and its client is told once it is assigned. A key given with a piece
makes a retry create nothing new. Mail for a dossier no longer domiciled goes back to
its sender: nothing is recorded. Registered mail and parcels need a procuration postale
on file, else they are recorded as an *avis de passage* for the client to collect in
person. While the mail service is suspended for non-payment, new mail is held and the
client told why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InvalidInput, MailPieceNotFound, Refused
from ..i18n import N_, _
from ..mailbox import KINDS, Mailbox, MailHistory, MailPiece
from ..models import Attachment, Dossier
from .context import Context
from .errors import from_validation

__all__ = [
    "MailPieceView",
    "ReceiveOutcome",
    "assign",
    "find_mailbox",
    "find_piece",
    "list_pieces",
    "mailbox_of",
    "receive",
    "record",
    "scan",
    "show_piece",
]


@dataclass(frozen=True)
class ReceiveOutcome:
    """A piece recorded (``created``) or found again by its key; what became of it."""

    piece: MailPiece
    created: bool
    mailbox_number: str | None
    #: Why it is not in the mailbox as given: ``avis_de_passage`` (no procuration),
    #: ``suspended`` (held: the mail service is suspended), None.
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "piece": self.piece.model_dump(mode="json"),
            "created": self.created,
            "mailbox": self.mailbox_number,
            "note": self.note,
        }


@dataclass(frozen=True)
class MailPieceView:
    """A piece with its mailbox number and its whole history, oldest step first."""

    piece: MailPiece
    mailbox_number: str | None
    history: list[MailHistory]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.piece.model_dump(mode="json"),
            "mailbox": self.mailbox_number,
            "history": [h.model_dump(mode="json", exclude={"piece_id"}) for h in self.history],
        }


# -- mailboxes ---------------------------------------------------------------------
def mailbox_of(ctx: Context, dossier: Dossier) -> Mailbox:
    """The dossier's mailbox, opened (numbered in its provider's series) on first use."""
    assert dossier.id is not None
    found = ctx.store.get_mailbox(dossier_id=dossier.id)
    if found is not None:
        return found
    prefix = ctx.settings.mailbox.number_prefix
    number = f"{prefix}{ctx.store.mailbox_numbers(dossier.provider_id) + 1:04d}"
    mailbox = Mailbox(
        provider_id=dossier.provider_id, dossier_id=dossier.id, number=number, created_at=ctx.now()
    )
    mailbox.id = ctx.store.insert_mailbox(mailbox)
    return mailbox


def find_mailbox(ctx: Context, key: str) -> tuple[Mailbox | None, Dossier]:
    """The mailbox a number names (``B-0007``), else the dossier ``key`` names and its
    mailbox if it has one yet."""
    from .views import dossier_id

    text = str(key).strip()
    if ctx.provider_scope is not None:
        mailbox = ctx.store.get_mailbox(number=text, provider_id=ctx.provider_scope)
    else:
        mailbox = ctx.store.get_mailbox(number=text)
    if mailbox is not None:
        return mailbox, ctx.dossier(mailbox.dossier_id)
    try:
        number = dossier_id(text)
    except InvalidInput:
        raise InvalidInput(
            _("{key} names no mailbox (B-0007) or dossier (D-000007).").format(key=repr(text)),
            field="mailbox",
            value=text,
        ) from None
    dossier = ctx.dossier(number)
    return ctx.store.get_mailbox(dossier_id=number), dossier


def find_piece(ctx: Context, piece_id: int) -> MailPiece:
    piece = ctx.store.get_piece(piece_id=piece_id)
    scope = ctx.provider_scope
    if piece is None or (scope is not None and piece.provider_id != scope):
        raise MailPieceNotFound(piece_id)
    return piece


def history(ctx: Context, piece: MailPiece, action: str, actor: str | None, **detail: Any) -> None:
    """One step of the piece's life, in its history."""
    assert piece.id is not None
    ctx.store.insert_mail_history(
        MailHistory.model_construct(  # the service's own values
            piece_id=piece.id, at=ctx.now(), action=action, actor=actor, detail=detail
        )
    )


# -- receiving ---------------------------------------------------------------------
def receive(
    ctx: Context,
    target: str | None,
    *,
    sender: str,
    kind: str,
    envelope: FileGiven | None = None,
    scan_file: FileGiven | None = None,
    received_at: datetime | None = None,
    key: str | None = None,
    actor: str | None = None,
) -> ReceiveOutcome:
    """Record a piece of mail for the mailbox ``target`` names (None: à attribuer), with
    the photo of its envelope and the scan of its content (bytes, file name)."""
    with ctx.store.transaction():
        return record(
            ctx,
            target,
            sender=sender,
            kind=kind,
            envelope=envelope,
            scan_file=scan_file,
            received_at=received_at,
            key=key,
            actor=actor,
        )


def record(
    ctx: Context,
    target: str | None,
    *,
    sender: str,
    kind: str,
    envelope: FileGiven | None = None,
    scan_file: FileGiven | None = None,
    received_at: datetime | None = None,
    key: str | None = None,
    actor: str | None = None,
) -> ReceiveOutcome:
    """:func:`receive` inside the caller's transaction (a bulk intake makes one per piece)."""
    provider_id, dossier, mailbox = _where(ctx, target)
    if key is not None:
        key = key.strip() or None
    if key is not None:
        again = ctx.store.get_piece(key=key, provider_id=provider_id)
        if again is not None:
            number = _number(ctx, again)
            return ReceiveOutcome(again, False, number)
    at = received_at or ctx.now()
    if at > ctx.now() + timedelta(minutes=5):
        raise InvalidInput(
            _("received_at: {value} is still to come; give when the piece arrived.").format(
                value=at.isoformat()
            ),
            field="received_at",
            value=at,
        )
    try:
        piece = MailPiece(
            provider_id=provider_id,
            kind=kind,
            sender=sender,
            received_at=at,
            key=key,
            state="unassigned",
            created_at=ctx.now(),
        )
    except ValidationError as exc:
        raise from_validation(exc) from None
    types: dict[str, str] = {}
    if envelope is not None:
        piece.envelope_sha256 = _stored(ctx, *given(ctx, envelope, "envelope"), types)
    piece.id = ctx.store.insert_piece(piece)
    history(ctx, piece, "received", actor, kind=piece.kind, sender=piece.sender)
    note = None
    if dossier is not None and mailbox is not None:
        note = place(ctx, piece, dossier, mailbox, actor)
    if scan_file is not None:
        scanned(ctx, piece, *given(ctx, scan_file, "scan"), actor=actor)
    if dossier is not None:
        tell_client(ctx, piece, dossier, mailbox=mailbox, types=types)
    return ReceiveOutcome(piece, True, mailbox.number if mailbox else None, note)


def _where(ctx: Context, target: str | None) -> tuple[int, Dossier | None, Mailbox | None]:
    """The provider, dossier and mailbox a piece goes to; refused for a dossier that
    receives no mail (not, or no longer, domiciled)."""
    if target is None:
        return _intake_provider(ctx), None, None
    mailbox, dossier = find_mailbox(ctx, target)
    if not dossier.status.accepts_mail:
        raise Refused(
            _(
                "{where}: it is not domiciled here, its mail is not received; return the "
                "piece to its sender; nothing was recorded."
            ).format(where=dossier.where),
            dossier_id=dossier.id,
        )
    return dossier.provider_id, dossier, mailbox or mailbox_of(ctx, dossier)


def _intake_provider(ctx: Context) -> int:
    if ctx.provider_scope is not None:
        return ctx.provider_scope
    providers = [p.id for p in ctx.store.list_providers() if p.id is not None]
    if len(providers) != 1:
        raise Refused(
            _(
                "A piece of mail to assign later belongs to one provider: choose it "
                "(there are {count})."
            ).format(count=len(providers))
        )
    return providers[0]


def place(
    ctx: Context, piece: MailPiece, dossier: Dossier, mailbox: Mailbox, actor: str | None
) -> str | None:
    """Put a piece in its mailbox: held while the mail service is suspended, an avis de
    passage when registered mail or a parcel has no procuration, then the client's
    standing rule for its kind. What was noted, if anything."""
    assert piece.id is not None
    assert mailbox.id is not None
    note = None
    changes: dict[str, Any] = {"mailbox_id": mailbox.id, "dossier_id": dossier.id}
    if piece.kind in ("recommande", "colis") and not _procuration(ctx, dossier):
        changes["kind"] = "avis_de_passage"
        note = "avis_de_passage"
        history(ctx, piece, "avis_de_passage", actor, was=piece.kind)
    if dossier.mail_suspended_at is not None:
        changes.update(state="held", hold_reason="suspended")
        note = "suspended"
    else:
        changes["state"] = "received"
    ctx.store.update_piece(piece.id, **changes)
    for name, value in changes.items():
        setattr(piece, name, value)
    history(ctx, piece, "placed", actor, mailbox=mailbox.number, state=piece.state)
    ctx.event(
        "mail.received",
        dossier,
        {"piece_id": piece.id, "kind": piece.kind, "mailbox": mailbox.number},
    )
    from .mail_instructions import standing_rule

    standing_rule(ctx, piece, mailbox, actor)
    return note


def _procuration(ctx: Context, dossier: Dossier) -> bool:
    """A procuration postale is on file: validated among the dossier's pieces."""
    assert dossier.id is not None
    return ctx.store.current_states(dossier.id).get("procuration_postale") == "validated"


def assign(ctx: Context, piece_id: int, target: str, *, actor: str | None = None) -> ReceiveOutcome:
    """Give a piece *à attribuer* its mailbox; its client is told then."""
    with ctx.store.transaction():
        piece = find_piece(ctx, piece_id)
        if piece.state != "unassigned":
            raise Refused(
                _("Piece {id} is in mailbox {number} already; nothing was changed.").format(
                    id=piece_id, number=_number(ctx, piece) or "—"
                )
            )
        provider_id, dossier, mailbox = _where(ctx, target)
        assert dossier is not None
        assert mailbox is not None
        if provider_id != piece.provider_id:
            raise Refused(_("Piece {id} is another provider's mail.").format(id=piece_id))
        note = place(ctx, piece, dossier, mailbox, actor)
        tell_client(ctx, piece, dossier)
        return ReceiveOutcome(piece, True, mailbox.number, note)


def _number(ctx: Context, piece: MailPiece) -> str | None:
    if piece.mailbox_id is None:
        return None
    mailbox = ctx.store.get_mailbox(mailbox_id=piece.mailbox_id)
    return mailbox.number if mailbox else None


#: A file given with a piece of mail: its path, or its bytes and name.
FileGiven = str | Path | tuple[bytes, str]


def given(ctx: Context, file: FileGiven, field: str) -> tuple[bytes, str]:
    """The bytes and name of a file given: read from a regular file within the size limit."""
    if isinstance(file, tuple):
        return file
    from .pieces import read_piece_file

    return read_piece_file(ctx, file, field=field), Path(file).name


def _stored(ctx: Context, data: bytes, filename: str, types: dict[str, str] | None = None) -> str:
    """Store a file content-addressed (its type noted in ``types``); its SHA-256."""
    stored = ctx.files.put(data, filename=filename)
    ctx.store.record_blob(stored.sha256, stored.size, stored.content_type, ctx.now())
    if types is not None:
        types[stored.sha256] = stored.content_type
    return stored.sha256


# -- scanning ----------------------------------------------------------------------
def scan(ctx: Context, piece_id: int, file: FileGiven, *, actor: str | None = None) -> MailPiece:
    """Store the scan of a piece's content, with its page count: only when the contract
    lets the provider open the client's mail; the client is told."""
    with ctx.store.transaction():
        piece = find_piece(ctx, piece_id)
        scanned(ctx, piece, *given(ctx, file, "scan"), actor=actor)
        if piece.dossier_id is not None and piece.state not in ("unassigned",):
            tell_client(ctx, piece, ctx.dossier(piece.dossier_id), scan_only=True)
        return piece


def scanned(
    ctx: Context, piece: MailPiece, data: bytes, filename: str, *, actor: str | None
) -> None:
    """The scan of ``piece`` stored (inside the caller's transaction)."""
    assert piece.id is not None
    if piece.final:
        raise Refused(
            _("Piece {id} is {state} already: it can no longer be scanned.").format(
                id=piece.id, state=_(STATE_WORDS[piece.state])
            )
        )
    if piece.dossier_id is None:
        raise Refused(
            _("Piece {id} has no mailbox yet: assign it before scanning its content.").format(
                id=piece.id
            )
        )
    dossier = ctx.dossier(piece.dossier_id)
    if not may_open(ctx, dossier):
        raise Refused(
            _(
                "The contract of {where} does not allow opening its mail (no scanning "
                "service): only the envelope may be photographed; nothing was changed."
            ).format(where=dossier.where),
            dossier_id=dossier.id,
        )
    sha = _stored(ctx, data, filename)
    pages = page_count(data)
    ctx.store.update_piece(piece.id, scan_sha256=sha, scan_pages=pages)
    piece.scan_sha256, piece.scan_pages = sha, pages
    history(ctx, piece, "scanned", actor, pages=pages, sha256=sha)


def may_open(ctx: Context, dossier: Dossier) -> bool:
    """The client's written permission to open its mail: the contract's scanning service."""
    from ..documents.data import SCANNING
    from .paperwork import dossier_offer

    offer = dossier_offer(ctx, dossier, ctx.provider(dossier.provider_id))
    return SCANNING in offer.services


def page_count(data: bytes) -> int:
    """A PDF's pages; an image is one page."""
    if not data.startswith(b"%PDF"):
        return 1
    from io import BytesIO

    from pypdf import PdfReader

    try:
        return max(1, len(PdfReader(BytesIO(data)).pages))
    except Exception:  # a PDF pypdf cannot read still counts for one page
        return 1


# -- telling the client ------------------------------------------------------------
def tell_client(
    ctx: Context,
    piece: MailPiece,
    dossier: Dossier,
    *,
    scan_only: bool = False,
    mailbox: Mailbox | None = None,
    types: dict[str, str] | None = None,
) -> None:
    """Tell the client of a piece by its mailbox's channels: an email with the envelope
    (and the scan), an SMS; a client who chose the daily digest hears of it then.
    ``mailbox``: the dossier's, when the caller has it; ``types``: the content type of
    files just stored, by SHA-256 (else read back from the file)."""
    from ..clock import paris_date
    from ..french import numeric_date_fr
    from ..identifiers import is_mobile

    assert piece.id is not None
    mailbox = mailbox or ctx.store.get_mailbox(dossier_id=dossier.id or 0)
    channels = mailbox.notify if mailbox is not None else ["email"]
    if "digest" in channels and piece.hold_reason != "suspended":
        return  # the sweep's digest tells of it
    client = ctx.client(dossier.client_id)
    attachments = []
    if piece.envelope_sha256 and not scan_only:
        attachments.append(_attachment(ctx, f"enveloppe-{piece.id}", piece.envelope_sha256, types))
    if piece.scan_sha256:
        attachments.append(_attachment(ctx, f"courrier-{piece.id}", piece.scan_sha256, types))
    context: dict[str, Any] = {
        "client": client,
        "provider": ctx.provider(dossier.provider_id),
        "piece": piece,
        "kind": KINDS[piece.kind].lower(),
        "mailbox": mailbox.number if mailbox else "",
        "received_on": numeric_date_fr(paris_date(piece.received_at)),
        "scan_only": scan_only,
        "suspended": piece.hold_reason == "suspended",
    }
    ctx.notify(
        "mail_received", "email", client.email, dossier=dossier, attachments=attachments, **context
    )
    if "sms" in channels and not scan_only and is_mobile(client.phone):
        ctx.notify("mail_received", "sms", client.phone, dossier=dossier, **context)
    now = ctx.now()
    ctx.store.update_piece(piece.id, notified_at=now)
    piece.notified_at = now


def _attachment(
    ctx: Context, stem: str, sha256: str, types: dict[str, str] | None = None
) -> Attachment:
    """A stored file as an attachment named by its kind (``.pdf``, ``.png``, ``.jpg``)."""
    from ..files import sniff_content_type

    kind = (types or {}).get(sha256) or sniff_content_type(ctx.files.read(sha256))
    suffix = {"application/pdf": ".pdf", "image/png": ".png"}.get(kind or "", ".jpg")
    return Attachment(filename=stem + suffix, sha256=sha256)


# -- reading -----------------------------------------------------------------------
#: Each state as staff say it.
STATE_WORDS = {
    "unassigned": N_("to assign"),
    "received": N_("in the mailbox"),
    "held": N_("held"),
    "to_forward": N_("to forward"),
    "to_destroy": N_("to destroy"),
    "to_collect": N_("to collect"),
    "forwarded": N_("forwarded"),
    "collected": N_("collected"),
    "destroyed": N_("destroyed"),
    "returned": N_("returned to its sender"),
}


def show_piece(ctx: Context, piece_id: int) -> MailPieceView:
    piece = find_piece(ctx, piece_id)
    return MailPieceView(piece, _number(ctx, piece), ctx.store.mail_history(piece_id))


def list_pieces(
    ctx: Context,
    *,
    dossier_id: int | None = None,
    uncollected: bool = False,
    older_than_days: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
    before: int | None = None,
) -> Iterator[MailPiece]:
    """Pieces newest first; ``uncollected``: still in the provider's hands."""
    from ..store.mail import OPEN_STATES
    from .views import check_page

    limit, before = check_page(limit, before)
    if dossier_id is not None:
        ctx.dossier(dossier_id)
    if kind is not None and kind not in KINDS:
        raise InvalidInput(
            _("{kind} is not a kind of mail; use one of {listed}.").format(
                kind=repr(kind), listed=", ".join(KINDS)
            ),
            field="kind",
            value=kind,
        )
    cutoff = None
    if older_than_days is not None:
        cutoff = ctx.now() - timedelta(days=older_than_days)
    return ctx.store.list_pieces(
        provider_id=ctx.provider_scope,
        dossier_id=dossier_id,
        states=OPEN_STATES if uncollected else (),
        kind=kind,
        received_before=cutoff,
        before=before,
        limit=limit,
    )
