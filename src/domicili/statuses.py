"""The status table of a dossier, as data, and the machine built from it.

This module is the only place that knows which trigger moves a dossier from one
status to another. The service layer checks the business guards (pieces
validated, agrément valid…), then calls :func:`fire`, which drives a
``transitions`` machine built from :data:`TRANSITIONS` with
``auto_transitions=False`` so that no status can be set around the table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "STATUSES",
    "TRANSITIONS",
    "Status",
    "Transition",
    "allowed_triggers",
    "fire",
    "mermaid",
    "parse_status",
]


class Status(StrEnum):
    """A dossier's status; the value is the stable name stored and shown in JSON."""

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
    def code(self) -> str:
        return STATUSES[self][0]

    @property
    def label(self) -> str:
        return STATUSES[self][1]


#: status → (S-code, libellé shown to people)
STATUSES: dict[Status, tuple[str, str]] = {
    Status.DRAFT: ("S0", "Brouillon"),
    Status.PENDING_REVIEW: ("S1", "En attente d'acceptation ou de classement"),
    Status.AWAITING_PAYMENT: ("S2", "Accepté – en attente du premier paiement"),
    Status.AWAITING_SIGNATURE: ("S3", "Payé – contrat en attente de signature"),
    Status.ACTIVE: ("S4", "Domiciliation en cours"),
    Status.TERMINATION_SCHEDULED: ("S5", "Résiliation programmée"),
    Status.TERMINATED: ("S6", "Terminé"),
    Status.DISMISSED: ("S7", "Classé sans suite"),
    Status.EXPIRED: ("S8", "Expiré"),
}


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
    for status, (code, _label) in STATUSES.items():
        if wanted in (status.value, code.lower()):
            return status
    choices = ", ".join(f"{code}|{s.value}" for s, (code, _) in STATUSES.items())
    raise ValueError(f"unknown status {text!r}; choose one of {choices}")


def allowed_triggers(status: Status) -> list[str]:
    """Triggers the table allows from ``status``, in table order."""
    return [t.trigger for t in TRANSITIONS if status in t.sources]


class _Holder:
    """What the machine drives: it only carries a status (see STACK.md on pydantic)."""

    state: str = Status.DRAFT.value


_lock = threading.Lock()
_machine: tuple[_Holder, Any] | None = None


def _shared_machine() -> tuple[_Holder, Any]:
    """One machine built from the table on first use, re-pointed at each call."""
    global _machine
    if _machine is None:
        from transitions import Machine

        holder = _Holder()
        machine = Machine(
            model=holder,
            states=[s.value for s in Status],
            transitions=[
                {"trigger": t.trigger, "source": [s.value for s in t.sources], "dest": t.dest.value}
                for t in TRANSITIONS
            ],
            initial=Status.DRAFT.value,
            auto_transitions=False,
        )
        _machine = (holder, machine)
    return _machine


def fire(status: Status, trigger: str) -> Status:
    """The status after ``trigger`` from ``status``.

    Raises :class:`LookupError` when the table does not allow it; the service layer
    translates that into :class:`~domicili.errors.InvalidTransition` with context.
    """
    from transitions import MachineError

    with _lock:
        holder, machine = _shared_machine()
        machine.set_state(status.value, model=holder)
        method = getattr(holder, trigger, None) if trigger in machine.events else None
        if method is None:
            raise LookupError(f"unknown trigger {trigger!r}")
        try:
            method()
        except MachineError as exc:
            raise LookupError(str(exc)) from exc
        return Status(holder.state)


def mermaid() -> str:
    """The table as a Mermaid state diagram (for the docs)."""
    lines = ["stateDiagram-v2"]
    for status, (code, label) in STATUSES.items():
        lines.append(f"    {status.value}: {code} {label}")
    lines.append("    [*] --> draft")
    for t in TRANSITIONS:
        for src in t.sources:
            lines.append(f"    {src.value} --> {t.dest.value}: {t.trigger}")
    lines.extend(["    dismissed --> [*]", "    terminated --> [*]"])
    return "\n".join(lines) + "\n"
