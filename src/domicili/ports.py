"""The ports domicili talks to, as ``typing.Protocol`` classes, in one place.

Built-in adapters implement them exactly as third-party ones do and are found
through entry-point groups (``domicili.notifiers``…).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from .models import OutboxMessage

__all__ = ["Notifier", "PaymentEvent", "SignatureMethod"]


@dataclass(frozen=True)
class PaymentEvent:
    """What a payment adapter reports, whatever its source (staff, checkout, webhook).

    ``event_id`` is unique per adapter (replays are ignored); ``external_id`` names the
    payment itself at the adapter (several events may be about the same payment).
    """

    adapter: str
    event_id: str
    kind: Literal["succeeded", "failed", "processing"]
    dossier_id: int | None
    amount_cents: int
    method: str
    external_id: str | None = None
    reference: str | None = None
    failure_reason: str | None = None
    occurred_at: datetime | None = None


@runtime_checkable
class SignatureMethod(Protocol):
    """Makes and checks the one-time codes of a simple electronic signature."""

    #: How the signature is described on the certificate.
    label: str
    lifetime_minutes: int
    max_attempts: int

    def new_code(self) -> str: ...

    def digest(self, code: str, salt: str) -> str: ...

    def matches(self, code: str, salt: str, digest: str) -> bool: ...


@runtime_checkable
class Notifier(Protocol):
    """Delivers one queued message (email or SMS).

    Raise :class:`~domicili.errors.AdapterError` when delivery failed and may be
    retried; the message stays queued and is tried again by the next delivery run.
    """

    def deliver(self, message: OutboxMessage) -> None: ...
