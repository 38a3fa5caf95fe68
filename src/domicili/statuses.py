"""The status table of a dossier, as data, and the machine built from it.

This module is the only place that knows which trigger moves a dossier from one
status to another, and what each status means. Each row of :data:`STATUSES` carries
flags (``may_be_invoiced``, ``in_force``, ``accepts_mail``…) that the service layer
asks — ``dossier.status.in_force`` — instead of listing statuses itself.

The service layer checks the business guards (pieces validated, agrément valid…),
then calls :func:`fire`: one dictionary lookup in the ``(status, trigger) → status``
map precomputed from :data:`TRANSITIONS`. :func:`build_machine` builds the
``transitions`` machine from the same table (``auto_transitions=False``, so no status
can be set around it); the tests check that both agree on every pair.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .i18n import _

if TYPE_CHECKING:
    from transitions import Machine

__all__ = [
    "FLAGS",
    "INITIAL",
    "STATUSES",
    "TRANSITIONS",
    "Status",
    "StatusRow",
    "Transition",
    "allowed_triggers",
    "build_machine",
    "fire",
    "mermaid",
    "parse_status",
]


class Status(StrEnum):
    """A dossier's status; the value is the stable name stored and shown in JSON.

    Each flag of the status table reads as a property: ``status.in_force``.
    """

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_SIGNATURE = "awaiting_signature"
    ACTIVE = "active"
    TERMINATION_SCHEDULED = "termination_scheduled"
    TERMINATED = "terminated"
    DISMISSED = "dismissed"
    EXPIRED = "expired"

    @property
    def row(self) -> StatusRow:
        return STATUSES[self]

    @property
    def code(self) -> str:
        return STATUSES[self].code

    @property
    def label(self) -> str:
        return STATUSES[self].label

    @property
    def open_for_review(self) -> bool:
        return STATUSES[self].open_for_review

    @property
    def first_payment_due(self) -> bool:
        return STATUSES[self].first_payment_due

    @property
    def first_payment_received(self) -> bool:
        return STATUSES[self].first_payment_received

    @property
    def may_be_invoiced(self) -> bool:
        return STATUSES[self].may_be_invoiced

    @property
    def contract_may_be_drawn(self) -> bool:
        return STATUSES[self].contract_may_be_drawn

    @property
    def open_for_signature(self) -> bool:
        return STATUSES[self].open_for_signature

    @property
    def in_force(self) -> bool:
        return STATUSES[self].in_force

    @property
    def accepts_mail(self) -> bool:
        return STATUSES[self].accepts_mail

    @property
    def terminal(self) -> bool:
        return STATUSES[self].terminal


@dataclass(frozen=True)
class StatusRow:
    """One row of the status table: how people name a status, and what it means."""

    code: str
    #: The libellé shown to people.
    label: str
    #: Justificatifs can still be sent, and reviewed by the provider.
    open_for_review: bool = False
    #: The first payment is awaited: reminders, expiry, the card link, payments applied.
    first_payment_due: bool = False
    #: The first payment was received (a new one is held for review, never applied).
    first_payment_received: bool = False
    #: An invoice of the provider's gapless series may be issued for the dossier.
    may_be_invoiced: bool = False
    #: A contract can be drawn up from the dossier's terms (a draft until it is sent).
    contract_may_be_drawn: bool = False
    #: The contract sent waits for the parties' signatures.
    open_for_signature: bool = False
    #: The domiciliation is in force: the client's seat is at the provider (attestation).
    in_force: bool = False
    #: Mail addressed to the client is received for it.
    accepts_mail: bool = False
    #: No trigger leaves this status.
    terminal: bool = False


#: The flags of a :class:`StatusRow`, in table order.
FLAGS: tuple[str, ...] = tuple(f.name for f in fields(StatusRow) if f.type == "bool")

#: status → its row (DESIGN.md §2, with what each status means).
STATUSES: dict[Status, StatusRow] = {
    Status.DRAFT: StatusRow("S0", "Brouillon"),
    Status.PENDING_REVIEW: StatusRow(
        "S1",
        "En attente d'acceptation ou de classement",
        open_for_review=True,
        contract_may_be_drawn=True,
    ),
    Status.AWAITING_PAYMENT: StatusRow(
        "S2",
        "Accepté – en attente du premier paiement",
        open_for_review=True,
        first_payment_due=True,
        may_be_invoiced=True,  # the first invoice is issued as the payment is applied
        contract_may_be_drawn=True,
    ),
    Status.AWAITING_SIGNATURE: StatusRow(
        "S3",
        "Payé – contrat en attente de signature",
        open_for_review=True,
        first_payment_received=True,
        may_be_invoiced=True,
        contract_may_be_drawn=True,
        open_for_signature=True,
    ),
    Status.ACTIVE: StatusRow(
        "S4",
        "Domiciliation en cours",
        open_for_review=True,
        first_payment_received=True,
        may_be_invoiced=True,
        contract_may_be_drawn=True,
        in_force=True,
        accepts_mail=True,
    ),
    Status.TERMINATION_SCHEDULED: StatusRow(
        "S5",
        "Résiliation programmée",
        open_for_review=True,
        first_payment_received=True,
        may_be_invoiced=True,
        contract_may_be_drawn=True,
        in_force=True,
        accepts_mail=True,
    ),
    Status.TERMINATED: StatusRow(
        "S6",
        "Terminé",
        first_payment_received=True,
        contract_may_be_drawn=True,
        terminal=True,
    ),
    Status.DISMISSED: StatusRow("S7", "Classé sans suite", terminal=True),
    Status.EXPIRED: StatusRow("S8", "Expiré", contract_may_be_drawn=True),
}

#: The status a dossier is created in.
INITIAL = Status.DRAFT


@dataclass(frozen=True)
class Transition:
    """One row of the table: ``trigger`` moves a dossier from any of ``sources`` to ``dest``."""

    trigger: str
    sources: tuple[Status, ...]
    dest: Status
    note: str


S = Status
#: The whole table (DESIGN.md §2). Guards and effects live in the service layer.
TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (S.DRAFT,), S.PENDING_REVIEW, "questionnaire complete"),
    Transition(
        "accept",
        (S.PENDING_REVIEW,),
        S.AWAITING_PAYMENT,
        "required pieces validated, agrément valid; sets the payment deadline",
    ),
    Transition(
        "dismiss",
        (S.PENDING_REVIEW, S.AWAITING_PAYMENT),
        S.DISMISSED,
        "internal reason kept, never sent",
    ),
    Transition(
        "pay",
        (S.AWAITING_PAYMENT,),
        S.AWAITING_SIGNATURE,
        "first payment succeeded; invoice; contract sent for signature",
    ),
    Transition("expire", (S.AWAITING_PAYMENT,), S.EXPIRED, "payment deadline passed (sweep)"),
    Transition("reactivate", (S.EXPIRED,), S.AWAITING_PAYMENT, "new payment deadline"),
    Transition("sign", (S.AWAITING_SIGNATURE,), S.ACTIVE, "second signature recorded"),
    Transition(
        "schedule_termination",
        (S.ACTIVE,),
        S.TERMINATION_SCHEDULED,
        "end date respects the minimum term and notice",
    ),
    Transition("cancel_termination", (S.TERMINATION_SCHEDULED,), S.ACTIVE, ""),
    Transition(
        "terminate",
        (S.TERMINATION_SCHEDULED, S.ACTIVE),
        S.TERMINATED,
        "on the end date (sweep) or immediately for cause; greffe notice",
    ),
)


def parse_status(text: str) -> Status:
    """``"S1"``, ``"pending_review"`` or ``"PENDING_REVIEW"`` → :class:`Status`."""
    wanted = text.strip().lower()
    for status, row in STATUSES.items():
        if wanted in (status.value, row.code.lower()):
            return status
    choices = ", ".join(f"{row.code}|{s.value}" for s, row in STATUSES.items())
    raise ValueError(
        _("unknown status {text}; choose one of {choices}").format(text=repr(text), choices=choices)
    )


#: ``(status, trigger) → status``, precomputed from the table: firing is one lookup.
_NEXT: dict[tuple[Status, str], Status] = {
    (source, t.trigger): t.dest for t in TRANSITIONS for source in t.sources
}
_ALLOWED: dict[Status, tuple[str, ...]] = {
    status: tuple(t.trigger for t in TRANSITIONS if status in t.sources) for status in Status
}


def allowed_triggers(status: Status) -> list[str]:
    """Triggers the table allows from ``status``, in table order."""
    return list(_ALLOWED[status])


def fire(status: Status, trigger: str) -> Status:
    """The status after ``trigger`` from ``status``.

    Raises :class:`LookupError` when the table does not allow it; the service layer
    translates that into :class:`~domicili.errors.InvalidTransition` with context.
    """
    try:
        return _NEXT[status, trigger]
    except KeyError:
        raise LookupError(
            _("{trigger} is not allowed from {value}; allowed: {value2}").format(
                trigger=repr(trigger),
                value=status.value,
                value2=", ".join(_ALLOWED[status]) or _("nothing"),
            )
        ) from None


def build_machine(model: Any = None) -> Machine:
    """The ``transitions`` machine of the table (``auto_transitions=False``).

    ``model`` is what it drives (something with a ``state`` attribute; by default the
    machine itself). Used to check the table and :func:`fire`, not on every change:
    building one costs more than a whole state change.
    """
    from transitions import Machine

    return Machine(
        model=model if model is not None else Machine.self_literal,
        states=[s.value for s in Status],
        transitions=[
            {"trigger": t.trigger, "source": [s.value for s in t.sources], "dest": t.dest.value}
            for t in TRANSITIONS
        ],
        initial=INITIAL.value,
        auto_transitions=False,
    )


def mermaid() -> str:
    """The table as a Mermaid state diagram (for the docs)."""
    lines = ["stateDiagram-v2"]
    for status, row in STATUSES.items():
        lines.append(f"    {status.value}: {row.code} {row.label}")
    lines.append(f"    [*] --> {INITIAL.value}")
    for t in TRANSITIONS:
        for src in t.sources:
            lines.append(f"    {src.value} --> {t.dest.value}: {t.trigger}")
    lines.extend(f"    {status.value} --> [*]" for status in Status if status.terminal)
    return "\n".join(lines) + "\n"
