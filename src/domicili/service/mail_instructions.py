"""What becomes of a piece of mail: the client's instruction (or staff's for it), carried
out to one final action.

``forward`` puts it in the next forwarding batch (to the address given, else the
mailbox's); ``hold`` keeps it; ``scan`` asks for its content to be scanned (the
contract must allow opening mail); ``destroy`` destroys it after a delay the client may
cancel (``[mailbox] destroy_delay_days``); ``collect`` records who took it — someone on
file for the client — and when. A forwarding batch sends every piece waiting, one
envelope per address, with the postage recorded for the next invoice. A piece that
reached its final state takes no instruction any more; each step is in its history.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..clock import paris_date
from ..errors import InvalidInput, Refused
from ..i18n import _
from ..mailbox import INSTRUCTIONS, Mailbox, MailPiece
from ..models import Client
from .context import Context
from .mail_scans import may_open
from .mailroom import STATE_WORDS, find_piece, history

__all__ = [
    "ForwardBatch",
    "cancel",
    "forward_batch",
    "instruct",
    "people_on_file",
    "set_rules",
    "standing_rule",
]

#: What a standing rule may do to each new piece of a kind.
RULES = ("forward", "hold", "scan", "destroy")
#: How a client may be told of new mail.
CHANNELS = ("email", "sms", "digest")


def instruct(
    ctx: Context,
    piece_id: int,
    action: str,
    *,
    to: str | None = None,
    by: str | None = None,
    actor: str | None = None,
) -> MailPiece:
    """Carry out ``action`` (one of :data:`~domicili.mailbox.INSTRUCTIONS`) on a piece."""
    if action not in INSTRUCTIONS:
        raise InvalidInput(
            _("{action} is not an instruction; use one of {listed}.").format(
                action=repr(action), listed=", ".join(INSTRUCTIONS)
            ),
            field="action",
            value=action,
        )
    with ctx.store.transaction():
        piece = find_piece(ctx, piece_id)
        _check_open(piece)
        return apply(ctx, piece, action, to=to, by=by, actor=actor)


def apply(
    ctx: Context,
    piece: MailPiece,
    action: str,
    *,
    to: str | None = None,
    by: str | None = None,
    actor: str | None = None,
) -> MailPiece:
    """An instruction carried out inside the caller's transaction (a standing rule on
    arrival, say)."""
    assert piece.id is not None
    if piece.dossier_id is None:
        raise Refused(_("Piece {id} has no mailbox yet: assign it first.").format(id=piece.id))
    dossier = ctx.dossier(piece.dossier_id)
    now = ctx.now()
    changes: dict[str, Any]
    if action == "forward":
        mailbox = ctx.store.get_mailbox(dossier_id=piece.dossier_id)
        address = (to or "").strip() or (mailbox.forward_address if mailbox else None)
        if not address:
            raise InvalidInput(
                _(
                    "Piece {id}: give the address to forward it to; {where}'s mailbox has "
                    "none on file."
                ).format(id=piece.id, where=dossier.where),
                field="to",
            )
        changes = {"state": "to_forward", "forward_to": address, "hold_reason": None}
    elif action == "hold":
        changes = {"state": "held", "hold_reason": "client"}
    elif action == "scan":
        if not may_open(ctx, dossier):
            raise Refused(
                _(
                    "The contract of {where} does not allow opening its mail (no scanning "
                    "service); nothing was changed."
                ).format(where=dossier.where),
                dossier_id=dossier.id,
            )
        changes = {}
    elif action == "destroy":
        days = ctx.settings.mailbox.destroy_delay_days
        changes = {"state": "to_destroy", "destroy_on": paris_date(now) + timedelta(days=days)}
    else:  # collect
        who = _collector(ctx, ctx.client(dossier.client_id), by)
        changes = {"state": "collected", "collected_by": who, "closed_at": now}
    if changes:
        ctx.store.update_piece(piece.id, **changes)
        for name, value in changes.items():
            setattr(piece, name, value)
    history(ctx, piece, action, actor, **_shown(changes))
    if action == "collect":
        _acknowledged(ctx, piece)
    return piece


def cancel(ctx: Context, piece_id: int, *, actor: str | None = None) -> MailPiece:
    """Cancel a destruction still to come: the piece is back in the mailbox."""
    with ctx.store.transaction():
        piece = find_piece(ctx, piece_id)
        assert piece.id is not None
        if piece.state != "to_destroy":
            raise Refused(
                _("Piece {id} is {state}: there is no destruction to cancel.").format(
                    id=piece_id, state=_(STATE_WORDS[piece.state])
                )
            )
        ctx.store.update_piece(piece.id, state="received", destroy_on=None)
        piece.state, piece.destroy_on = "received", None
        history(ctx, piece, "destroy_cancelled", actor)
        return piece


def _check_open(piece: MailPiece) -> None:
    if piece.final:
        raise Refused(
            _("Piece {id} is {state} already: it takes no instruction any more.").format(
                id=piece.id, state=_(STATE_WORDS[piece.state])
            )
        )
    if piece.state == "unassigned":
        raise Refused(_("Piece {id} has no mailbox yet: assign it first.").format(id=piece.id))


def _shown(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in changes.items()}


def people_on_file(client: Client) -> list[str]:
    """Who may take the client's mail: its representative and its beneficial owners."""
    names = [f"{client.representative.first_name} {client.representative.last_name}"]
    names += [f"{o.first_name} {o.last_name}" for o in client.beneficial_owners]
    return list(dict.fromkeys(names))


def _folded(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _collector(ctx: Context, client: Client, by: str | None) -> str:
    """The person collecting, as the file names them; refused for anyone else."""
    people = people_on_file(client)
    if not by or not by.strip():
        raise InvalidInput(
            _("Say who collects the mail (one of: {people}).").format(people=", ".join(people)),
            field="by",
        )
    for person in people:
        if _folded(person) == _folded(by):
            return person
    raise Refused(
        _(
            "{name} is not on file for {client}: the mail is handed to {people} only; "
            "nothing was changed."
        ).format(name=by.strip(), client=client.name, people=", ".join(people))
    )


def _acknowledged(ctx: Context, piece: MailPiece) -> None:
    """The client took its mail: the 3-month rule counts from now."""
    if piece.mailbox_id is not None:
        ctx.store.update_mailbox(piece.mailbox_id, acknowledged_at=ctx.now(), warned_at=None)


# -- forwarding batches --------------------------------------------------------------
@dataclass
class ForwardBatch:
    """A forwarding batch: its id, the pieces sent, one envelope per address."""

    batch_id: int | None
    pieces: list[int] = field(default_factory=list)
    envelopes: dict[str, list[int]] = field(default_factory=dict)
    postage_cents: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "pieces": self.pieces,
            "envelopes": [{"to": a, "pieces": p} for a, p in self.envelopes.items()],
            "postage_cents": self.postage_cents,
        }


def forward_batch(ctx: Context, *, postage_cents: int, actor: str | None = None) -> ForwardBatch:
    """Send every piece waiting to be forwarded (of the provider in scope): one envelope
    per dossier and address, each costing ``postage_cents``, recorded on the pieces for
    the dossier's next invoice."""
    if not 0 <= postage_cents <= 100_000:
        raise InvalidInput(_("The postage of an envelope is from 0 to 1 000 €."), field="postage")
    with ctx.store.transaction():
        waiting: list[MailPiece] = []
        while True:
            after = waiting[-1].id or 0 if waiting else 0
            page = ctx.store.pieces_in(
                ("to_forward",), provider_id=ctx.provider_scope, after_id=after
            )
            waiting += page
            if len(page) < 500:
                break
        batch = ForwardBatch(None)
        if not waiting:
            return batch
        if len({p.provider_id for p in waiting}) > 1:
            raise Refused(
                _(
                    "Mail of several providers waits to be forwarded: make the batch one "
                    "provider at a time."
                )
            )
        groups: dict[tuple[int, str], list[MailPiece]] = {}
        for piece in waiting:
            groups.setdefault((piece.dossier_id or 0, piece.forward_to or ""), []).append(piece)
        now = ctx.now()
        batch.batch_id = ctx.store.insert_mail_batch(
            {
                "provider_id": waiting[0].provider_id,
                "created_at": now,
                "pieces": len(waiting),
                "envelopes": len(groups),
                "postage_cents": postage_cents * len(groups),
                "actor": actor,
            }
        )
        for (_dossier_id, address), pieces in groups.items():
            for n, piece in enumerate(pieces):
                assert piece.id is not None
                # The envelope's postage is billed once, with its first piece.
                cost = postage_cents if n == 0 else 0
                ctx.store.update_piece(
                    piece.id,
                    state="forwarded",
                    batch_id=batch.batch_id,
                    postage_cents=cost,
                    closed_at=now,
                )
                piece.batch_id = batch.batch_id
                history(ctx, piece, "forwarded", actor, to=address, batch=batch.batch_id)
                _acknowledged(ctx, piece)
                batch.pieces.append(piece.id)
                batch.envelopes.setdefault(address, []).append(piece.id)
        batch.postage_cents = postage_cents * len(groups)
        return batch


# -- standing rules ------------------------------------------------------------------
def set_rules(
    ctx: Context,
    key: str,
    *,
    rules: dict[str, str | None] | None = None,
    notify: list[str] | None = None,
    forward_address: str | None = None,
) -> Mailbox:
    """Set a mailbox's standing rules (kind → ``forward``, ``hold``, ``scan``,
    ``destroy``; None removes the kind's rule), how its client is told of new mail
    (``email``, ``sms``, ``digest``) and the address forwarded mail goes to."""
    from ..mailbox import KINDS
    from .mailroom import find_mailbox, mailbox_of

    with ctx.store.transaction():
        mailbox, dossier = find_mailbox(ctx, key)
        if not dossier.status.accepts_mail:
            raise Refused(
                _("{where} is not domiciled here: its mailbox is closed.").format(
                    where=dossier.where
                ),
                dossier_id=dossier.id,
            )
        mailbox = mailbox or mailbox_of(ctx, dossier)
        assert mailbox.id is not None
        changes: dict[str, Any] = {}
        if rules:
            merged = dict(mailbox.rules)
            for kind, action in rules.items():
                if kind not in KINDS:
                    raise InvalidInput(
                        _("{kind} is not a kind of mail; use one of {listed}.").format(
                            kind=repr(kind), listed=", ".join(KINDS)
                        ),
                        field="rules",
                    )
                if action is None:
                    merged.pop(kind, None)
                elif action not in RULES:
                    raise InvalidInput(
                        _("{action} is not a standing rule; use one of {listed}.").format(
                            action=repr(action), listed=", ".join(RULES)
                        ),
                        field="rules",
                    )
                else:
                    merged[kind] = action
            if "scan" in merged.values() and not may_open(ctx, dossier):
                raise Refused(
                    _(
                        "The contract of {where} does not allow opening its mail (no "
                        "scanning service); nothing was changed."
                    ).format(where=dossier.where),
                    dossier_id=dossier.id,
                )
            changes["rules"] = merged
        if notify is not None:
            unknown = [c for c in notify if c not in CHANNELS]
            if unknown or not notify:
                raise InvalidInput(
                    _("Tell the client by {listed}; not {unknown}.").format(
                        listed=", ".join(CHANNELS), unknown=", ".join(unknown) or "nothing"
                    ),
                    field="notify",
                )
            changes["notify"] = list(dict.fromkeys(notify))
        if forward_address is not None:
            changes["forward_address"] = forward_address.strip() or None
        forwards = changes.get("rules", mailbox.rules)
        address = changes.get("forward_address", mailbox.forward_address)
        if "forward" in forwards.values() and not address:
            raise InvalidInput(
                _("A rule that forwards mail needs the address to forward it to."),
                field="forward_address",
            )
        if changes:
            ctx.store.update_mailbox(mailbox.id, **changes)
            ctx.event("mailbox.rules", dossier, {"mailbox": mailbox.number, **changes})
        updated = ctx.store.get_mailbox(mailbox_id=mailbox.id)
        assert updated is not None
        return updated


def standing_rule(ctx: Context, piece: MailPiece, mailbox: Mailbox, actor: str | None) -> None:
    """Apply the client's standing rule for the piece's kind, on its arrival."""
    action = mailbox.rules.get(piece.kind)
    if action is None or piece.state != "received":
        return
    if action == "scan":
        history(ctx, piece, "scan_requested", "rule")
        return
    apply(ctx, piece, action, actor=actor or "rule")
