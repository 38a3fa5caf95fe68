"""Delivery of queued notifications, after the transaction that queued them commits.

One command delivers in one :class:`Delivery`: one notifier session (one SMTP
connection), one deadline (``[notifications] deadline_seconds``) after which what is
left stays queued, and each message marked in its own short transaction right after it
went, so that a process killed at any moment has at most the one message it was
sending left to send again (with the same :attr:`~domicili.models.OutboxMessage.key`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..errors import AdapterError, MessageNotFound, Refused, StoredFileAltered
from ..french import numeric_date_fr
from ..i18n import _
from ..models import OutboxMessage
from ..ports import BatchNotifier, Notifier
from .context import Context

__all__ = [
    "STALE_CLAIM",
    "Delivery",
    "DeliveryReport",
    "Undelivered",
    "deliver",
    "deliver_committed",
    "deliver_pending",
    "delivery",
    "list_messages",
    "retry_message",
]

#: A claim older than this is taken over (the process that made it stopped).
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Undelivered:
    """A message a delivery run did not send, and why."""

    message_id: int
    channel: str
    to: str
    #: The cause in a few words: ``the mail server smtp.example.fr:25 did not answer``.
    reason: str
    #: Why it is never sent again (a one-time code not kept), else None: it stays queued.
    withheld: str | None = None

    @property
    def queued(self) -> bool:
        return self.withheld is None

    def sentence(self) -> str:
        """``The email to camille@atelier.example is queued: the mail server … did not answer.``"""
        email = self.channel == "email"
        if self.withheld is None:
            if email:
                text = _("The email to {to} is queued: {reason}.")
            else:
                text = _("The SMS to {to} is queued: {reason}.")
            return text.format(to=self.to, reason=self.reason)
        if email:
            text = _("The email to {to} was not sent: {reason}. {withheld}")
        else:
            text = _("The SMS to {to} was not sent: {reason}. {withheld}")
        return text.format(to=self.to, reason=self.reason, withheld=self.withheld)

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "channel": self.channel,
            "to": self.to,
            "status": "queued" if self.queued else "failed",
            "reason": self.reason,
            "sentence": self.sentence(),
        }


@dataclass
class DeliveryReport:
    """What one delivery run sent, and every message it left undelivered (and why)."""

    sent: int = 0
    undelivered: list[Undelivered] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Messages of this run not delivered (still queued, or failed for good)."""
        return len(self.undelivered)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"sent": self.sent, "failed": self.failed}
        if self.undelivered:
            data["undelivered"] = [u.as_dict() for u in self.undelivered]
        return data


class Delivery:
    """One command's delivery: one deadline, one notifier session, one report.

    The deadline starts with the first message; the session (a batch of a
    :class:`~domicili.ports.BatchNotifier`) opens then too, and closes with
    :meth:`close`.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.report = DeliveryReport()
        self.seconds = float(ctx.settings.notifications.deadline_seconds)
        self._deadline: float | None = None
        self._session: Notifier | None = None
        self._stack = ExitStack()

    def deadline(self) -> float:
        """The :func:`time.monotonic` instant delivery stops; the clock starts on first call."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds
        return self._deadline

    def expired(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _notifier(self) -> Notifier:
        if self._session is None:
            notifier = self.ctx.notifier
            if isinstance(notifier, BatchNotifier):
                self._session = self._stack.enter_context(notifier.batch(deadline=self.deadline()))
            else:
                self._session = notifier
        return self._session

    def send(self, message: OutboxMessage) -> None:
        """Deliver one claimed message and mark it, sent or failed, at once."""
        assert message.id is not None
        self.deadline()
        message.key = message.key or self.ctx.store.message_key(message.id)
        try:
            for attachment in message.attachments:
                self.ctx.files.read(attachment.sha256)  # an altered file is never sent
                attachment.path = str(self.ctx.files.path(attachment.sha256))
            self._notifier().deliver(message)
        except StoredFileAltered as exc:
            self._failed(message, str(exc), _phrase(str(exc)))
        except AdapterError as exc:
            self._failed(message, str(exc), exc.reason or _phrase(str(exc)))
        except Exception as exc:  # a plugin's own error: keep the message, record why
            error = f"{type(exc).__name__}: {exc}"
            self._failed(message, error, _("the notifier failed ({error})").format(error=error))
        else:
            self.ctx.store.mark_message(message.id, None, self.ctx.now())
            self.report.sent += 1

    def _failed(self, message: OutboxMessage, error: str, reason: str) -> None:
        assert message.id is not None
        now = self.ctx.now()
        wait = self.ctx.settings.notifications.retry_after(message.attempts)
        withheld = self.ctx.store.mark_message(
            message.id, error, now, retry_at=now + timedelta(seconds=wait)
        )
        if withheld is None and message.attempts >= self.ctx.settings.notifications.max_attempts:
            withheld = _("It was tried {attempts} times and is not tried again.").format(
                attempts=message.attempts
            )
        self._record(message, reason, withheld)

    def release(self, messages: list[OutboxMessage]) -> None:
        """Claimed messages left untried when the time ran out: queued again."""
        reason = _("delivery stopped after {seconds:g} s, before its turn").format(
            seconds=self.seconds
        )
        ids = [m.id for m in messages if m.id is not None]
        withheld = self.ctx.store.release_messages(ids, reason)
        for message in messages:
            self._record(message, reason, withheld.get(message.id or 0))

    def _record(self, message: OutboxMessage, reason: str, withheld: str | None) -> None:
        assert message.id is not None
        self.report.undelivered.append(
            Undelivered(message.id, message.channel, message.to, reason, withheld)
        )

    def close(self) -> None:
        self._stack.close()


def _phrase(sentence: str) -> str:
    """An error's sentence as a clause: ``Cannot write …: … .`` → ``cannot write …: …``."""
    text = sentence.strip().removesuffix(".")
    return text[:1].lower() + text[1:]


@contextmanager
def delivery(ctx: Context) -> Iterator[Delivery]:
    """The delivery of one command (a call of the facade); nested calls join it."""
    if ctx.delivery is not None:
        yield ctx.delivery
        return
    run = ctx.delivery = Delivery(ctx)
    try:
        yield run
    finally:
        ctx.delivery = None
        run.close()


def deliver(ctx: Context, messages: list[OutboxMessage]) -> DeliveryReport:
    """Deliver messages already claimed, one by one, each marked right after it went;
    once the deadline has passed, the rest is queued again untried."""
    with delivery(ctx) as run:
        for index, message in enumerate(messages):
            if run.expired():
                run.release(messages[index:])
                break
            run.send(message)
        return run.report


def deliver_pending(ctx: Context, *, due_only: bool = False) -> DeliveryReport:
    """Try every message not yet sent (or claimed by a process that stopped), one claim
    at a time, until none is left or the deadline has passed; in a scoped session, only
    the provider's messages. ``due_only`` (the sweep): a failed message only once its
    wait is over; without it (staff asking for delivery now), every one."""
    settings = ctx.settings.notifications
    with delivery(ctx) as run:
        with ctx.store.transaction():
            ctx.store.retire_withheld_messages(claimed_before=ctx.now() - STALE_CLAIM)
        last = 0
        while not run.expired():
            message = ctx.store.claim_next_message(
                max_attempts=settings.max_attempts,
                now=ctx.now(),
                stale_after=STALE_CLAIM,
                after_id=last,
                provider_id=ctx.provider_scope,
                due_only=due_only,
            )
            if message is None:
                break
            assert message.id is not None
            last = message.id
            run.send(message)
        return run.report


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
    given_up: bool = False,
    limit: int | None = None,
    before: int | None = None,
) -> Iterator[OutboxMessage]:
    """Queued and delivered messages, newest first (of one dossier when named), read as
    they are consumed; ``before``: only ids below it (the next page). ``given_up``: only
    the failed messages no delivery tries again (see :func:`retry_message`)."""
    from .views import check_page

    limit, before = check_page(limit, before)
    if given_up and status is not None:
        raise ValueError("given_up and status are exclusive")
    if dossier_id is not None:
        ctx.dossier(dossier_id)  # an unknown (or another provider's) dossier is not found
    return ctx.store.list_messages(
        # A dossier's messages are its provider's (and the dossier was found in scope):
        # the dossier's index alone finds them, newest first.
        provider_id=ctx.provider_scope if dossier_id is None else None,
        dossier_id=dossier_id,
        status=status,
        given_up_after=ctx.settings.notifications.max_attempts if given_up else None,
        before=before,
        limit=limit,
    )


def retry_message(ctx: Context, message_id: int) -> OutboxMessage:
    """Queue a message again as if new (its attempts counted from zero), to be delivered
    as soon as the transaction commits: one that was given up after its last attempt, or
    one still waiting for its next. A message already delivered, or one whose text held a
    one-time code (not kept, so it cannot be sent again), is refused."""
    with ctx.store.transaction():
        message = ctx.store.message(message_id)
        scope = ctx.provider_scope
        if message is None or (scope is not None and message.provider_id != scope):
            raise MessageNotFound(message_id)
        withheld = ctx.store.withheld_reason(message_id)
        if withheld is not None:
            raise Refused(
                _("Message {id} cannot be sent again: {reason}").format(
                    id=message_id, reason=_(withheld)
                ),
                dossier_id=message.dossier_id,
            )
        if message.status == "sent":
            raise Refused(
                _("Message {id} was delivered on {day}: there is nothing to retry.").format(
                    id=message_id, day=numeric_date_fr(message.sent_at or ctx.now())
                ),
                dossier_id=message.dossier_id,
            )
        dossier = ctx.dossier(message.dossier_id) if message.dossier_id else None
        ctx.event(
            "message.retried",
            dossier,
            {"message_id": message_id, "channel": message.channel, "attempts": message.attempts},
            provider_id=message.provider_id,
        )
        return ctx.store.requeue_message(message_id, ctx.now())
