"""The audit log and the outbox."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta

from ..clock import iso
from ..models import (
    Event,
    OutboxMessage,
)
from ..records import EventLink
from ..records import to_json as _json
from ._base import StoreBase
from ._rows import WITHHELD, _equal, _message

__all__ = ["MessageStore"]


class MessageStore(StoreBase):
    """The audit log and the outbox."""

    _identity: str | None = None

    # -- code channels and withheld messages ------------------------------------
    def set_signature_code_channel(self, dossier_id: int, party: str, channel: str) -> None:
        """How the current code of a party was sent: ``sms`` or ``email``."""
        self.sql.execute(
            "UPDATE signature_codes SET channel = ? WHERE dossier_id = ? AND party = ?",
            (channel, dossier_id, party),
        )

    def withhold_message(self, message_id: int, reason: str) -> None:
        """The stored text of a message is not the one to send: never deliver it again."""
        self.sql.execute(
            "INSERT INTO outbox_withheld (message_id, reason) VALUES (?, ?)", (message_id, reason)
        )

    def explain_withheld_failures(self, message_ids: list[int]) -> None:
        """Withheld messages whose one delivery failed: say why they stay failed."""
        self.sql.executemany(
            "UPDATE outbox SET last_error = coalesce(last_error || ' — ', '') || "
            "(SELECT reason FROM outbox_withheld WHERE message_id = outbox.id) "
            "WHERE id = ? AND status = 'failed' "
            "AND id IN (SELECT message_id FROM outbox_withheld)",
            [(message_id,) for message_id in message_ids],
        )

    def retire_withheld_messages(self, *, claimed_before: datetime) -> None:
        """Withheld messages claimed by a process that stopped before delivering them."""
        self.sql.execute(
            "UPDATE outbox SET status = 'failed', last_error = "
            "(SELECT reason FROM outbox_withheld WHERE message_id = outbox.id) "
            "WHERE status = 'sending' AND claimed_at < ? "
            "AND EXISTS (SELECT 1 FROM outbox_withheld w WHERE w.message_id = outbox.id)",
            (iso(claimed_before),),
        )

    # -- audit log --------------------------------------------------------------
    def last_event_hash(self) -> str | None:
        """The hash at the head of the chain (None for an empty log); read under the
        transaction's write lock, so that no other writer can append in between."""
        value = self.sql.value("SELECT hash FROM events ORDER BY id DESC LIMIT 1")
        return None if value is None else str(value)

    def last_event(self) -> EventLink | None:
        """The event at the head of the log (None for an empty log)."""
        row = self.sql.rows(
            "SELECT id, at, type, dossier_id, provider_id, data, prev_hash, hash "
            "FROM events ORDER BY id DESC LIMIT 1"
        )
        if not row:
            return None
        id_, at, type_, dossier_id, provider_id, data, prev_hash, digest = row[0]
        return EventLink(
            id_, datetime.fromisoformat(at), type_, dossier_id, provider_id, data, prev_hash, digest
        )

    def insert_event(self, link: EventLink) -> int:
        """Append one chained event (its hash computed by the caller)."""
        event_id = self.sql.insert(
            "events",
            {
                "at": iso(link.at),
                "type": link.type,
                "dossier_id": link.dossier_id,
                "provider_id": link.provider_id,
                "data": link.data_json,
                "prev_hash": link.prev_hash,
                "hash": link.hash,
            },
        )
        self._event_appended(event_id, link.prev_hash, link.hash)
        return event_id

    def events(self, dossier_id: int | None = None) -> list[Event]:
        if dossier_id is None:
            rows = self.sql.all("SELECT * FROM events ORDER BY id")
        else:
            rows = self.sql.all(
                "SELECT * FROM events WHERE dossier_id = ? ORDER BY id", (dossier_id,)
            )
        for r in rows:
            r["data"] = json.loads(r["data"])
        return [Event.model_validate(r) for r in rows]

    def iter_event_links(self, batch: int = 10_000) -> Iterator[EventLink]:
        """The whole log in order, ``batch`` events at a time (for ``audit verify``).

        Read page by page after the last id seen: memory stays flat however long the
        log, and the connection is free between pages for the checks made along it.
        """
        parse = datetime.fromisoformat
        after = -1
        while True:
            rows = self.sql.rows(
                "SELECT id, at, type, dossier_id, provider_id, data, prev_hash, hash "
                "FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (after, batch),
            )
            for id_, at, type_, dossier_id, provider_id, data, prev_hash, digest in rows:
                yield EventLink(
                    id_, parse(at), type_, dossier_id, provider_id, data, prev_hash, digest
                )
            if len(rows) < batch:
                return
            after = rows[-1][0]

    # -- outbox -----------------------------------------------------------------
    def queue_message(
        self,
        msg: OutboxMessage,
        *,
        claim: bool = False,
        clear_body: str | None = None,
        clear_html: str | None = None,
        withheld_reason: str | None = None,
    ) -> int:
        """Queue a message in the current transaction.

        With ``claim``, the message is queued already claimed by this process (one
        attempt counted): it is handed over in :attr:`committed_messages` once the
        transaction commits, for immediate delivery, and no other deliverer takes it
        unless this process stops before marking it.

        With ``clear_body`` (the text to send, holding a one-time code), ``msg.body``
        is what is kept (the code replaced) and only the copy handed over after commit
        carries ``clear_body`` (and ``clear_html``, its HTML part). Such a message is
        withheld from every later delivery: queued without ``claim``, or once that one
        delivery fails, it is failed with ``withheld_reason``.
        """
        withheld = clear_body is not None
        reason = withheld_reason or WITHHELD
        created = iso(msg.created_at) if msg.created_at else None
        message_id = int(
            self.sql.value(
                "INSERT INTO outbox (channel, recipient, subject, body, template, dossier_id, "
                "provider_id, status, attempts, last_error, created_at, claimed_at, attachments, "
                "html, reply_to, from_name, from_address) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    msg.channel,
                    msg.to,
                    msg.subject,
                    msg.body,
                    msg.template,
                    msg.dossier_id,
                    msg.provider_id,
                    "sending" if claim else "failed" if withheld else "pending",
                    int(claim),
                    reason if withheld and not claim else None,
                    created,
                    created if claim else None,
                    _json([a.model_dump() for a in msg.attachments]) if msg.attachments else None,
                    msg.html,
                    msg.reply_to,
                    msg.from_name,
                    msg.from_address,
                ),
            )
        )
        if withheld:
            self.withhold_message(message_id, reason)
        if claim:
            sent: dict[str, object] = {"id": message_id, "key": self.message_key(message_id)}
            if withheld:
                sent["body"] = clear_body
                if clear_html is not None:
                    sent["html"] = clear_html
            self._claimed_in_txn.append(msg.model_copy(update=sent))
        return message_id

    def claim_next_message(
        self,
        *,
        max_attempts: int,
        now: datetime,
        stale_after: timedelta,
        after_id: int = 0,
        provider_id: int | None = None,
        due_only: bool = False,
    ) -> OutboxMessage | None:
        """Mark the first deliverable message after ``after_id`` ``sending`` (one attempt
        more) and return it; None when there is none left. Its own transaction.
        ``due_only``: a failed message only once its next attempt is due (``now``).

        One message at a time: a process killed while delivering leaves at most the one
        message it was sending claimed. A message already ``sending`` is taken again only
        when its claim is older than ``stale_after`` (the process that claimed it died),
        so two deliverers never send the same message twice. Withheld messages (see
        :meth:`queue_message`) are never taken; with ``provider_id``, only that
        provider's messages are.
        """
        scope, params = ("AND provider_id = ? ", (provider_id,)) if provider_id else ("", ())
        if due_only:
            scope += "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
            params = (*params, iso(now))
        with self.transaction():
            row = self.sql.one(
                "SELECT * FROM outbox WHERE status IN ('pending', 'failed', 'sending') "
                "AND attempts < ? AND (status != 'sending' OR claimed_at < ?) AND id > ? "
                f"{scope}AND NOT EXISTS (SELECT 1 FROM outbox_withheld w "
                "WHERE w.message_id = outbox.id) "
                "ORDER BY id LIMIT 1",
                (max_attempts, iso(now - stale_after), after_id, *params),
            )
            if row is None:
                return None
            self.sql.execute(
                "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1 "
                "WHERE id = ?",
                (iso(now), row["id"]),
            )
            row["attempts"] += 1
        return self._keyed(_message(row))

    def mark_message(
        self, message_id: int, error: str | None, at: datetime, retry_at: datetime | None = None
    ) -> str | None:
        """Record one delivery outcome in its own transaction: sent (``error`` None) or
        failed, to be tried again from ``retry_at``. For a failed withheld message, the
        reason it is not sent again."""
        with self.transaction():
            self.sql.execute(
                "UPDATE outbox SET status = ?, sent_at = ?, last_error = ?, next_attempt_at = ? "
                "WHERE id = ?",
                (
                    "sent" if error is None else "failed",
                    iso(at) if error is None else None,
                    error,
                    iso(retry_at) if error is not None and retry_at is not None else None,
                    message_id,
                ),
            )
            if error is None:
                return None
            self.explain_withheld_failures([message_id])
            return self._withheld_reason(message_id)

    def release_messages(self, message_ids: list[int], reason: str) -> dict[int, str]:
        """Claimed messages not tried (the delivery time ran out): queued again as they
        were, the attempt not counted, ``reason`` kept as their last error. A withheld
        one is failed instead; its id → why it is not sent again."""
        if not message_ids:
            return {}
        with self.transaction():
            self.sql.executemany(
                "UPDATE outbox SET status = 'pending', claimed_at = NULL, last_error = ?, "
                "attempts = attempts - 1 WHERE id = ? AND status = 'sending'",
                [(reason, message_id) for message_id in message_ids],
            )
            self.sql.executemany(
                "UPDATE outbox SET status = 'failed' WHERE id = ? "
                "AND id IN (SELECT message_id FROM outbox_withheld)",
                [(message_id,) for message_id in message_ids],
            )
            self.explain_withheld_failures(message_ids)
            reasons = {i: self._withheld_reason(i) for i in message_ids}
        return {i: r for i, r in reasons.items() if r is not None}

    def message(self, message_id: int) -> OutboxMessage | None:
        """One message as stored (None when there is no such message)."""
        row = self.sql.one("SELECT * FROM outbox WHERE id = ?", (message_id,))
        return None if row is None else self._keyed(_message(row))

    def withheld_reason(self, message_id: int) -> str | None:
        """Why a message is never delivered again (its text held a one-time code that is
        not kept), None for any other message."""
        return self._withheld_reason(message_id)

    def requeue_message(self, message_id: int, now: datetime) -> OutboxMessage:
        """A message given up (or still failing) tried again as if new, in the current
        transaction: its attempts counted from zero, claimed by this process and handed
        over in :attr:`committed_messages` once the transaction commits."""
        self.sql.execute(
            "UPDATE outbox SET status = 'sending', attempts = 1, claimed_at = ?, "
            "next_attempt_at = NULL WHERE id = ?",
            (iso(now), message_id),
        )
        message = self.message(message_id)
        assert message is not None
        self._claimed_in_txn.append(message)
        return message

    def _withheld_reason(self, message_id: int) -> str | None:
        value = self.sql.value(
            "SELECT reason FROM outbox_withheld WHERE message_id = ?", (message_id,)
        )
        return None if value is None else str(value)

    def message_key(self, message_id: int) -> str:
        """``outbox-12.3f9a0c1b2d4e``: the message's name in every delivery of it."""
        return f"outbox-{message_id}.{self.database_identity()}"

    def _keyed(self, message: OutboxMessage) -> OutboxMessage:
        message.key = self.message_key(message.id or 0)
        return message

    def database_identity(self) -> str:
        """A short name of this database, the same in every run and every copy of it
        (drawn from when it was created), that tells two databases apart in the
        Message-ID of their emails."""
        if self._identity is None:
            created = self.sql.value("SELECT applied_at FROM migrations WHERE id = 1")
            digest = hashlib.sha256(f"domicili:{created}".encode()).hexdigest()
            self._identity = digest[:12]
        return self._identity

    def list_messages(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        status: str | None = None,
        given_up_after: int | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[OutboxMessage]:
        """Messages newest first, below ``before`` when given, read in batches.
        ``given_up_after`` (the most attempts): only the failed messages no delivery
        tries again, their attempts spent or their text not kept."""
        where, params = _equal(provider_id=provider_id, dossier_id=dossier_id)
        if given_up_after is not None:
            where.append(
                "status = 'failed' AND (attempts >= ? OR id IN "
                "(SELECT message_id FROM outbox_withheld))"
            )
            params.append(given_up_after)
        elif status is not None:
            # A message claimed for delivery but not marked yet is still pending to people.
            where.append("status IN (?, ?)" if status == "pending" else "status = ?")
            params += ["pending", "sending"] if status == "pending" else [status]
        rows = self._newest_first(
            "SELECT * FROM outbox",
            where,
            params,
            before=before,
            limit=limit,
            # The undelivered ones: few, in two statuses; the given-up ones fewer still.
            few=status == "pending" or given_up_after is not None,
        )
        return (self._keyed(_message(r)) for r in rows)
