"""The SQLite store: the only code that speaks SQL (through sqlite-utils).

WAL, ``foreign_keys=ON`` and a busy timeout on every connection; each state change
runs inside ``BEGIN IMMEDIATE`` (see :meth:`SQLiteStore.transaction`) so that
concurrent processes queue instead of failing on a lock upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from ..clock import iso
from ..errors import DatabaseError, DatabaseMissing
from ..models import OutboxMessage
from ._rows import GENESIS_HASH, _enable_wal, event_hash
from .billing import BillingStore
from .directory import DirectoryStore
from .dossiers import DossierStore
from .messages import MessageStore
from .migrations import MIGRATIONS
from .signing import SigningStore

__all__ = ["GENESIS_HASH", "SQLiteStore", "event_hash"]


class SQLiteStore(DirectoryStore, DossierStore, BillingStore, SigningStore, MessageStore):
    """Persistence of providers, clients, dossiers, pieces, events and the outbox.

    One connection, opened here; each area's queries live in its own part
    (:mod:`.directory`, :mod:`.dossiers`, :mod:`.billing`, :mod:`.signing`,
    :mod:`.messages`).
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not create and not Path(self.path).exists():
            raise DatabaseMissing(self.path)
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            conn.execute("PRAGMA busy_timeout = 30000")
            if self.path != ":memory:":
                _enable_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(
                f"{self.path} cannot be opened as a domicili database: {exc}."
            ) from exc
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._depth = 0
        self._claimed_in_txn: list[OutboxMessage] = []
        self.committed_messages: list[OutboxMessage] = []
        self.migrate()

    def close(self) -> None:
        self.conn.close()

    # -- schema -----------------------------------------------------------------
    def schema_version(self) -> int:
        try:
            if not self.db.table("migrations").exists():
                return 0
            row = self.conn.execute("SELECT max(id) FROM migrations").fetchone()
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{self.path} is not a domicili database ({exc}).") from exc
        return int(row[0] or 0)

    def migrate(self) -> list[str]:
        """Bring the schema forward; refuse a database made by a newer domicili."""
        known = MIGRATIONS[-1].number
        current = self.schema_version()
        if current > known:
            raise DatabaseError(
                f"{self.path} was written by a newer domicili (schema {current}, this one knows "
                f"{known}); upgrade domicili to use it."
            )
        applied = []
        for m in MIGRATIONS:
            if m.number <= current:
                continue
            with self.transaction():
                # Another process may have migrated while we waited for the write lock.
                if self.schema_version() >= m.number:
                    continue
                if not self.db.table("migrations").exists():
                    self.db.table("migrations").create(
                        {"id": int, "name": str, "applied_at": str}, pk="id"
                    )
                m.apply(self.db)
                self.conn.execute(
                    "INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)",
                    (m.number, m.name, iso(datetime.now(UTC))),
                )
            applied.append(m.name)
        return applied

    # -- transactions -----------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise DatabaseError(f"The database {self.path} is busy ({exc}); try again.") from exc
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._claimed_in_txn = []
            self.conn.execute("ROLLBACK")
            raise
        else:
            self._depth = 0
            self.conn.execute("COMMIT")
            self.committed_messages.extend(self._claimed_in_txn)
            self._claimed_in_txn = []
