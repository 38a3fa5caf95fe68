"""Delivery of queued notifications, after the transaction that queued them commits."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AdapterError
from .context import Context

__all__ = ["DeliveryReport", "deliver_pending"]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def deliver_pending(ctx: Context) -> DeliveryReport:
    """Try every message not yet sent; a failure stays queued for the next run."""
    report = DeliveryReport()
    max_attempts = ctx.settings.notifications.max_attempts
    for message in ctx.store.pending_messages(max_attempts):
        assert message.id is not None
        with ctx.store.transaction():
            claimed = ctx.store.claim_message(message.id)
        if not claimed:
            continue
        try:
            ctx.notifier.deliver(message)
        except AdapterError as exc:
            with ctx.store.transaction():
                ctx.store.mark_message(message.id, "failed", error=str(exc))
            report.failed += 1
            continue
        with ctx.store.transaction():
            ctx.store.mark_message(message.id, "sent", at=ctx.now())
        report.sent += 1
    return report
