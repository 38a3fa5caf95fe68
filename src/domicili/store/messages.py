"""The audit log and the outbox."""

from __future__ import annotations

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
            "AND id IN (SELECT message_id FROM outbox_withheld)",
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
        withheld_reason: str | None = None,
    ) -> int:
        """Queue a message in the current transaction.

        With ``claim``, the message is queued already claimed by this process (one
        attempt counted): it is handed over in :attr:`committed_messages` once the
        transaction commits, for immediate delivery, and no other deliverer takes it
        unless this process stops before marking it.

        With ``clear_body`` (the text to send, holding a one-time code), ``msg.body``
        is what is kept (the code replaced) and only the copy handed over after commit
        carries ``clear_body``. Such a message is withheld from every later delivery:
        queued without ``claim``, or once that one delivery fails, it is failed with
        ``withheld_reason``.
        """
        withheld = clear_body is not None
        reason = withheld_reason or WITHHELD
        created = iso(msg.created_at) if msg.created_at else None
        message_id = int(
            self.sql.value(
                "INSERT INTO outbox (channel, recipient, subject, body, template, dossier_id, "
                "provider_id, status, attempts, last_error, created_at, claimed_at, attachments) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                ),
            )
        )
        if withheld:
            self.withhold_message(message_id, reason)
        if claim:
            sent = {"id": message_id, "body": clear_body} if withheld else {"id": message_id}
            self._claimed_in_txn.append(msg.model_copy(update=sent))
        return message_id

    def claim_pending_messages(
        self, *, max_attempts: int, now: datetime, stale_after: timedelta
    ) -> list[OutboxMessage]:
        """Mark deliverable messages ``sending`` (one attempt more) and return them.

        A message already ``sending`` is taken again only when its claim is older than
        ``stale_after`` (the process that claimed it died), so two deliverers never send
        the same message twice. Withheld messages (see :meth:`queue_message`) are never
        taken. Call inside a transaction.
        """
        self.retire_withheld_messages(claimed_before=now - stale_after)
        rows = self.sql.all(
            "SELECT * FROM outbox WHERE status IN ('pending', 'failed', 'sending') "
            "AND attempts < ? AND (status != 'sending' OR claimed_at < ?) "
            "AND id NOT IN (SELECT message_id FROM outbox_withheld) ORDER BY id",
            (max_attempts, iso(now - stale_after)),
        )
        self.sql.executemany(
            "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            [(iso(now), r["id"]) for r in rows],
        )
        return [_message(r) for r in rows]

    def mark_messages(self, outcomes: list[tuple[int, str | None]], at: datetime) -> None:
        """Record delivery outcomes: ``(id, None)`` sent, ``(id, error)`` failed.

        Atomic on its own: when every message was sent (the usual case) it is one
        statement, which the database runs as one transaction; otherwise the outcomes
        are written in one transaction (joining the caller's, if any).
        """
        if len(outcomes) <= 500 and all(error is None for _, error in outcomes):
            if outcomes:
                marks = ", ".join("?" * len(outcomes))
                self.sql.execute(
                    "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL "
                    f"WHERE id IN ({marks})",
                    (iso(at), *(message_id for message_id, _ in outcomes)),
                )
            return
        with self.transaction():
            self._mark_outcomes(outcomes, at)

    def _mark_outcomes(self, outcomes: list[tuple[int, str | None]], at: datetime) -> None:
        self.sql.executemany(
            "UPDATE outbox SET status = ?, sent_at = ?, last_error = ? WHERE id = ?",
            [
                (
                    "sent" if error is None else "failed",
                    iso(at) if error is None else None,
                    error,
                    message_id,
                )
                for message_id, error in outcomes
            ],
        )
        self.explain_withheld_failures([i for i, error in outcomes if error is not None])

    def list_messages(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        status: str | None = None,
    ) -> list[OutboxMessage]:
        where, params = _equal(provider_id=provider_id, dossier_id=dossier_id)
        if status is not None:
            # A message claimed for delivery but not marked yet is still pending to people.
            where.append("status IN (?, ?)" if status == "pending" else "status = ?")
            params += ["pending", "sending"] if status == "pending" else [status]
        sql = "SELECT * FROM outbox" + (" WHERE " + " AND ".join(where) if where else "")
        return [_message(r) for r in self.sql.all(sql + " ORDER BY id", tuple(params))]
