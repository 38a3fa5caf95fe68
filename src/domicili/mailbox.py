"""The virtual mailbox: every piece of mail a provider receives for its clients.

Each dossier in force has a mailbox, numbered in the provider's own series
(``B-0001``). A piece of mail is recorded as it arrives — its kind, its sender, the photo
of its envelope — and labelled (mailbox number, piece id, day) for the paper; a piece
that names no mailbox yet waits *à attribuer* until staff assign it. From then on it
follows the client's instruction, or the standing rule for its kind, to one final
action: forwarded, collected (by someone on file), destroyed (after a delay the client
may cancel), or returned to its sender. Its whole history is kept, step by step.

The law behind it: opening mail needs the client's written permission, given in the
contract (Code pénal 226-15: the offer's *numérisation* service); registered mail and
parcels need a procuration postale on file, else the post office leaves an *avis de
passage* for the client to collect in person; a client that leaves its mail uncollected
for three months is reported to the greffe (C. com. R123-168).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from .models import MailTerms, Text, _Model

__all__ = [
    "FINAL",
    "INSTRUCTIONS",
    "KINDS",
    "MailHistory",
    "MailKind",
    "MailPiece",
    "MailTerms",
    "Mailbox",
    "PieceState",
]

#: What a piece of mail is.
MailKind = Literal["lettre", "recommande", "colis", "administratif", "avis_de_passage"]

#: Each kind, as people name it (labels, emails, lists).
KINDS: dict[str, str] = {
    "lettre": "Lettre",
    "recommande": "Recommandé",
    "colis": "Colis",
    "administratif": "Administratif",
    "avis_de_passage": "Avis de passage",
}

#: Where a piece is: ``unassigned`` (à attribuer), ``received`` (in the mailbox, no
#: instruction yet), ``held`` (kept: on the client's instruction, or while the mail
#: service is suspended), ``to_forward`` (in the next forwarding batch), ``to_destroy``
#: (destruction requested, cancellable until its day), ``to_collect`` (the client will
#: come), then one of the final states.
PieceState = Literal[
    "unassigned",
    "received",
    "held",
    "to_forward",
    "to_destroy",
    "to_collect",
    "forwarded",
    "collected",
    "destroyed",
    "returned",
]

#: The states a piece never leaves: no instruction, no fee counts after them.
FINAL: frozenset[str] = frozenset({"forwarded", "collected", "destroyed", "returned"})

#: What a client (or staff for it) may ask for a piece.
INSTRUCTIONS = ("forward", "hold", "scan", "destroy", "collect")


class Mailbox(_Model):
    """A dossier's mailbox: its number, the client's standing rules, and what the
    3-month rule watches (the day the client last took its mail, the warnings given)."""

    id: int | None = None
    provider_id: int
    dossier_id: int
    #: The provider's series: ``B-0001``.
    number: str
    #: kind → the instruction applied on arrival (``scan``, ``forward``, ``destroy``…).
    rules: dict[str, str] = Field(default_factory=dict)
    #: How the client is told of new mail: ``email``, ``sms``, ``digest`` (one a day).
    notify: list[str] = Field(default_factory=lambda: ["email"])
    #: The address forwarded mail goes to, unless an instruction names another.
    forward_address: str | None = None
    #: The last day the client took its mail (collected, forwarded, or viewed a scan).
    acknowledged_at: datetime | None = None
    #: The 3-month rule: the client warned (2 months), the greffe told (3 months).
    warned_at: datetime | None = None
    greffe_notice_at: datetime | None = None
    #: The notice's PDF, stored content-addressed.
    greffe_notice_sha256: str | None = None
    created_at: datetime


class MailPiece(_Model):
    """One piece of mail, from its arrival to its final action."""

    # The service sets its own checked values on a piece as it moves (state, dates…):
    # not validated again on each assignment.
    model_config = ConfigDict(
        extra="forbid", validate_assignment=False, frozen=False, defer_build=True
    )

    id: int | None = None
    provider_id: int
    mailbox_id: int | None = None
    dossier_id: int | None = None
    #: The caller's key: the same key again creates nothing new.
    key: str | None = None
    kind: MailKind
    sender: Annotated[Text, Field(max_length=200)]
    received_at: datetime
    state: PieceState = "received"
    #: Why it is held: ``client`` (its instruction) or ``suspended`` (unpaid invoices).
    hold_reason: Literal["client", "suspended"] | None = None
    #: The envelope's photo and the content's scan, stored content-addressed.
    envelope_sha256: str | None = None
    scan_sha256: str | None = None
    scan_pages: int | None = None
    #: Where it is forwarded, with which batch and postage.
    forward_to: str | None = None
    batch_id: int | None = None
    postage_cents: int | None = None
    #: When a requested destruction happens (cancellable until then).
    destroy_on: date | None = None
    #: Who took it, checked against the people on file.
    collected_by: str | None = None
    #: When the client was told of it, and warned its free storage ends.
    notified_at: datetime | None = None
    storage_warned_at: datetime | None = None
    #: When it reached its final state.
    closed_at: datetime | None = None
    created_at: datetime

    @property
    def final(self) -> bool:
        return self.state in FINAL

    @property
    def label(self) -> str:
        return KINDS[self.kind]


class MailHistory(_Model):
    """One step of a piece's life: what happened, when, by whom, with what."""

    id: int | None = None
    piece_id: int
    at: datetime
    action: str
    #: Who did it: staff, the client, ``sweep``.
    actor: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
