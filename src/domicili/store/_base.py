"""What every part of the SQLite store shares: the connection and two query helpers."""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils

from ..models import OutboxMessage

__all__ = ["StoreBase"]


class StoreBase:
    """The connection and the helpers the store's parts use; see :class:`SQLiteStore`."""

    path: str
    conn: sqlite3.Connection
    db: sqlite_utils.Database
    _depth: int
    _claimed_in_txn: list[OutboxMessage]
    committed_messages: list[OutboxMessage]

    def _one(
        self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()
    ) -> dict[str, Any] | None:
        cur = self.conn.execute(sql, params)
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row, strict=True))

    def _all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
