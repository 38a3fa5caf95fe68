"""Delivery of queued notifications, after the transaction that queued them commits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from ..errors import AdapterError
from ..models import OutboxMessage
from .context import Context

__all__ = [
    "STALE_CLAIM",
    "DeliveryReport",
    "deliver",
    "deliver_committed",
    "deliver_pending",
    "list_messages",
]


@dataclass
class DeliveryReport:
    """How many messages one delivery run sent, and how many failed (still queued)."""

    sent: int = 0
    failed: int = 0


#: A claim older than this is taken over (the process that made it stopped).
STALE_CLAIM = timedelta(minutes=10)


def deliver_pending(ctx: Context) -> DeliveryReport:
    """Try every message not yet sent (or claimed by a process that stopped)."""
    with ctx.store.transaction():
        messages = ctx.store.claim_pending_messages(
            max_attempts=ctx.settings.notifications.max_attempts,
            now=ctx.now(),
            stale_after=STALE_CLAIM,
        )
    return deliver(ctx, messages)


def deliver(ctx: Context, messages: list[OutboxMessage]) -> DeliveryReport:
    """Deliver messages already claimed; record every outcome at once (atomically)."""
    report = DeliveryReport()
    if not messages:
        return report
    outcomes: list[tuple[int, str | None]] = []
    for message in messages:
        assert message.id is not None
        for attachment in message.attachments:
            attachment.path = str(ctx.files.path(attachment.sha256))
        try:
            ctx.notifier.deliver(message)
        except AdapterError as exc:
            outcomes.append((message.id, str(exc)))
        except Exception as exc:  # a plugin's own error: keep the message, record why
            outcomes.append((message.id, f"{type(exc).__name__}: {exc}"))
        else:
            outcomes.append((message.id, None))
    ctx.store.mark_messages(outcomes, ctx.now())
    report.sent = sum(error is None for _, error in outcomes)
    report.failed = len(outcomes) - report.sent
    return report


def deliver_committed(ctx: Context) -> DeliveryReport:
    """Deliver what the transactions committed so far queued (when the facade delivers)."""
    if not ctx.deliver_after_commit:
        return DeliveryReport()
    return deliver(ctx, ctx.store.take_committed_messages())


def list_messages(
    ctx: Context,
    *,
    dossier_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
    before: int | None = None,
) -> Iterator[OutboxMessage]:
    """Queued and delivered messages, newest first (of one dossier when named), read as
    they are consumed; ``before``: only ids below it (the next page)."""
    from .views import check_page

    limit, before = check_page(limit, before)
    if dossier_id is not None:
        ctx.dossier(dossier_id)  # an unknown (or another provider's) dossier is not found
    return ctx.store.list_messages(
        # A dossier's messages are its provider's (and the dossier was found in scope):
        # the dossier's index alone finds them, newest first.
        provider_id=ctx.provider_scope if dossier_id is None else None,
        dossier_id=dossier_id,
        status=status,
        before=before,
        limit=limit,
    )
