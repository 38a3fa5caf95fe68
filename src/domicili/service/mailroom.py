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
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import InvalidInput, MailPieceNotFound, Refused
from ..i18n import N_, _
from ..mailbox import KINDS, Mailbox, MailHistory, MailPiece
from ..models import Dossier
from .context import Context
from .errors import from_validation
from .mail_notify import tell_client

if TYPE_CHECKING:
    from .mail_scans import FileGiven

__all__ = [
    "MailPieceView",
    "ReceiveOutcome",
    "assign",
    "find_mailbox",
    "find_piece",
    "list_pieces",
    "mailbox_of",
    "number_of",
    "receive",
    "record",
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
            number = number_of(ctx, again)
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
    from .mail_scans import given, scanned, stored

    types: dict[str, str] = {}
    if envelope is not None:
        piece.envelope_sha256 = stored(ctx, *given(ctx, envelope, "envelope"), types)
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
                    id=piece_id, number=number_of(ctx, piece) or "—"
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


def number_of(ctx: Context, piece: MailPiece) -> str | None:
    if piece.mailbox_id is None:
        return None
    mailbox = ctx.store.get_mailbox(mailbox_id=piece.mailbox_id)
    return mailbox.number if mailbox else None


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
    return MailPieceView(piece, number_of(ctx, piece), ctx.store.mail_history(piece_id))


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
