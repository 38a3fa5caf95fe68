"""The ports domicili talks to, as ``typing.Protocol``s, in one place.

Built-in adapters implement them exactly as third-party ones do and are found
through entry-point groups (``domicili.notifiers``…).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .models import OutboxMessage

__all__ = ["Notifier"]


@runtime_checkable
class Notifier(Protocol):
    """Delivers one queued message (email or SMS).

    Raise :class:`~domicili.errors.AdapterError` when delivery failed and may be
    retried; the message stays queued and is tried again by the next delivery run.
    """

    def deliver(self, message: OutboxMessage) -> None: ...
