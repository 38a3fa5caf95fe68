"""The virtual mailbox: mailboxes, pieces of mail, their history, forwarding batches."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from ..clock import iso
from ..mailbox import FINAL, Mailbox, MailHistory, MailPiece
from ..models import TRUSTED
from ._base import StoreBase
from ._rows import _columns, _equal

__all__ = ["MailStore"]

#: A piece (``p``) still waiting for the client.
_WAITING = "p.state IN ('received', 'held', 'to_collect')"
#: A piece the client left uncollected (``p``, in mailbox ``b``): still waiting, or
#: returned or destroyed at the end of its retention (no destruction was asked for:
#: ``destroy_on`` is null) after the client last acknowledged its mail.
_UNCOLLECTED = (
    f"({_WAITING} OR ((p.state = 'returned' OR "
    "(p.state = 'destroyed' AND p.destroy_on IS NULL)) AND (b.acknowledged_at IS NULL "
    "OR p.closed_at > b.acknowledged_at)))"
)

#: The states of a piece still in the provider's hands.
OPEN_STATES = ("unassigned", "received", "held", "to_forward", "to_destroy", "to_collect")


class MailStore(StoreBase):
    """Mailboxes and their pieces of mail (one table each), with each piece's history."""

    # -- mailboxes --------------------------------------------------------------
    def insert_mailbox(self, mailbox: Mailbox) -> int:
        row = _columns(mailbox.model_dump(exclude={"id"}))
        row["rules"], row["notify"] = json.dumps(mailbox.rules), json.dumps(mailbox.notify)
        return self.sql.insert("mailboxes", row)

    def update_mailbox(self, mailbox_id: int, **fields: Any) -> None:
        row = _columns(fields)
        for name in ("rules", "notify"):
            if name in row:
                row[name] = json.dumps(row[name])
        self.sql.update("mailboxes", mailbox_id, row)

    def get_mailbox(
        self, *, mailbox_id: int | None = None, dossier_id: int | None = None, **equal: Any
    ) -> Mailbox | None:
        where, params = _equal(id=mailbox_id, dossier_id=dossier_id, **equal)
        row = self.sql.one(f"SELECT * FROM mailboxes WHERE {' AND '.join(where)}", params)
        return None if row is None else _mailbox(row)

    def mailbox_numbers(self, provider_id: int) -> int:
        """How many mailboxes the provider has opened: its next number follows."""
        value = self.sql.value(
            "SELECT count(*) FROM mailboxes WHERE provider_id = ?", (provider_id,)
        )
        return int(value or 0)

    def mailboxes_waiting(
        self, *, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[tuple[Mailbox, datetime]]:
        """Mailboxes with mail waiting for the client, each with the arrival of the oldest
        piece still waiting, in id order after ``after_id``."""
        return self._mailboxes_oldest(_WAITING, provider_id, after_id, limit)

    def mailboxes_uncollected(
        self, *, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[tuple[Mailbox, datetime]]:
        """Mailboxes whose client left mail uncollected since its last acknowledgement
        (the 3-month rule), each with the arrival of the oldest such piece, in id order
        after ``after_id``: mail still waiting, and mail the provider returned to its
        sender or destroyed at the end of its retention (none asked for) since then."""
        return self._mailboxes_oldest(_UNCOLLECTED, provider_id, after_id, limit)

    def _mailboxes_oldest(
        self, condition: str, provider_id: int | None, after_id: int, limit: int
    ) -> list[tuple[Mailbox, datetime]]:
        """Mailboxes with a piece ``p`` meeting ``condition``, and the oldest one's arrival
        (filtered in SQL, so that a page of ``limit`` rows is full while more follow)."""
        scope, params = ("AND b.provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.all(
            "SELECT * FROM (SELECT b.*, (SELECT min(p.received_at) FROM mail_pieces p "
            f"WHERE p.mailbox_id = b.id AND {condition}) AS oldest FROM mailboxes b "
            f"WHERE b.id > ? {scope}) w WHERE oldest IS NOT NULL ORDER BY id LIMIT ?",
            (after_id, *params, limit),
        )
        found = []
        for row in rows:
            oldest = row.pop("oldest")
            found.append((_mailbox(row), datetime.fromisoformat(oldest)))
        return found

    def uncollected_pieces(self, mailbox_id: int) -> list[MailPiece]:
        """The pieces :meth:`mailboxes_uncollected` counts for one mailbox, oldest first."""
        rows = self.sql.all(
            "SELECT p.* FROM mail_pieces p JOIN mailboxes b ON b.id = p.mailbox_id "
            f"WHERE b.id = ? AND {_UNCOLLECTED} ORDER BY p.received_at, p.id",
            (mailbox_id,),
        )
        return [MailPiece.model_validate(r, context=TRUSTED) for r in rows]

    def mailboxes_with_notice(self, provider_id: int | None = None) -> list[Mailbox]:
        """Mailboxes whose client was reported to the greffe, latest notice first."""
        scope, params = ("AND provider_id = ? ", (provider_id,)) if provider_id else ("", ())
        rows = self.sql.all(
            f"SELECT * FROM mailboxes WHERE greffe_notice_at IS NOT NULL {scope}"
            "ORDER BY greffe_notice_at DESC, id DESC",
            params,
        )
        return [_mailbox(row) for row in rows]

    # -- pieces -----------------------------------------------------------------
    def insert_piece(self, piece: MailPiece) -> int:
        return self.sql.insert("mail_pieces", _columns(piece.model_dump(exclude={"id"})))

    def update_piece(self, piece_id: int, **fields: Any) -> None:
        self.sql.update("mail_pieces", piece_id, _columns(fields))

    def get_piece(
        self, *, piece_id: int | None = None, key: str | None = None, **equal: Any
    ) -> MailPiece | None:
        where, params = _equal(id=piece_id, key=key, **equal)
        row = self.sql.one(f"SELECT * FROM mail_pieces WHERE {' AND '.join(where)}", params)
        return None if row is None else MailPiece.model_validate(row, context=TRUSTED)

    def list_pieces(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        states: Sequence[str] = (),
        kind: str | None = None,
        received_before: datetime | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[MailPiece]:
        """Pieces newest first, below ``before`` when given, read in batches."""
        where, params = _equal(provider_id=provider_id, dossier_id=dossier_id, kind=kind)
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        if received_before is not None:
            where.append("received_at < ?")
            params.append(iso(received_before))
        rows = self._newest_first(
            "SELECT * FROM mail_pieces", where, params, before=before, limit=limit, few=False
        )
        return (MailPiece.model_validate(r, context=TRUSTED) for r in rows)

    def pieces_in(
        self, states: Sequence[str], *, provider_id: int | None = None, after_id: int = 0,
        limit: int = 500,
    ) -> list[MailPiece]:  # fmt: skip
        """Pieces in one of ``states``, oldest first after ``after_id`` (what a sweep or a
        forwarding batch goes through)."""
        marks = ", ".join("?" * len(states))
        scope, params = ("AND provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.all(
            f"SELECT * FROM mail_pieces WHERE state IN ({marks}) AND id > ? {scope}"
            "ORDER BY id LIMIT ?",
            (*states, after_id, *params, limit),
        )
        return [MailPiece.model_validate(r, context=TRUSTED) for r in rows]

    def digest_pieces(
        self, *, received_before: datetime, provider_id: int | None = None, after_id: int = 0,
        limit: int = 500,
    ) -> list[MailPiece]:  # fmt: skip
        """Pieces in a mailbox whose client chose the daily digest, not told of yet,
        received before ``received_before``, oldest first after ``after_id``."""
        scope, params = ("AND p.provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.all(
            "SELECT p.* FROM mail_pieces p JOIN mailboxes b ON b.id = p.mailbox_id "
            "WHERE p.notified_at IS NULL AND p.state <> 'unassigned' AND p.received_at < ? "
            f"AND b.notify LIKE ? AND p.id > ? {scope}ORDER BY p.id LIMIT ?",
            (iso(received_before), '%"digest"%', after_id, *params, limit),
        )
        return [MailPiece.model_validate(r, context=TRUSTED) for r in rows]

    def pieces_of_dossier_between(
        self, dossier_id: int, start: datetime | None, end: datetime
    ) -> list[MailPiece]:
        """The dossier's pieces received before ``end`` and still in the provider's hands
        at ``start`` or after (None: since the first): those received in between (usage)
        and those stored then (storage fees), in arrival order. Reads only."""
        where = "dossier_id = ? AND received_at < ?"
        params: list[Any] = [dossier_id, iso(end)]
        if start is not None:
            # A piece closed at or after ``start`` was received before it was closed.
            where += " AND (closed_at IS NULL OR closed_at >= ?)"
            params.append(iso(start))
        rows = self.sql.all(
            f"SELECT * FROM mail_pieces WHERE {where} ORDER BY received_at, id", params
        )
        return [MailPiece.model_validate(r, context=TRUSTED) for r in rows]

    def pieces_received_between(
        self, start: datetime, end: datetime, *, provider_id: int | None = None
    ) -> list[MailPiece]:
        """Pieces received from ``start`` to before ``end`` (a day's labels), in id order."""
        scope, params = ("AND provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.all(
            f"SELECT * FROM mail_pieces WHERE received_at >= ? AND received_at < ? {scope}"
            "ORDER BY id",
            (iso(start), iso(end), *params),
        )
        return [MailPiece.model_validate(r, context=TRUSTED) for r in rows]

    def first_scans_of_dossier(
        self, dossier_id: int, start: datetime | None, end: datetime
    ) -> dict[int, datetime]:
        """When each of the dossier's pieces first scanned from ``start`` (None: since
        the first) to before ``end`` was scanned, by piece id. Reads only."""
        having, params = "min(h.at) < ?", [dossier_id, iso(end)]
        if start is not None:
            having += " AND min(h.at) >= ?"
            params.append(iso(start))
        rows = self.sql.rows(
            "SELECT h.piece_id, min(h.at) FROM mail_history h JOIN mail_pieces p "
            "ON p.id = h.piece_id WHERE p.dossier_id = ? AND h.action = 'scanned' "
            f"GROUP BY h.piece_id HAVING {having}",
            params,
        )
        return {int(piece): datetime.fromisoformat(str(at)) for piece, at in rows}

    # -- history and batches ----------------------------------------------------
    def insert_mail_history(self, entry: MailHistory) -> int:
        row = _columns(entry.model_dump(exclude={"id"}))
        row["detail"] = json.dumps(entry.detail, ensure_ascii=False)
        return self.sql.insert("mail_history", row)

    def mail_history(self, piece_id: int) -> list[MailHistory]:
        rows = self.sql.all(
            "SELECT * FROM mail_history WHERE piece_id = ? ORDER BY id", (piece_id,)
        )
        for row in rows:
            row["detail"] = json.loads(row["detail"])
        return [MailHistory.model_validate(r, context=TRUSTED) for r in rows]

    def insert_mail_batch(self, row: dict[str, Any]) -> int:
        return self.sql.insert("mail_batches", _columns(row))


def _mailbox(row: dict[str, Any]) -> Mailbox:
    row["rules"] = json.loads(row["rules"])
    row["notify"] = json.loads(row["notify"])
    return Mailbox.model_validate(row, context=TRUSTED)


assert set(OPEN_STATES).isdisjoint(FINAL)
