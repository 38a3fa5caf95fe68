"""What every part of a store shares: the connection (:class:`~._sql.Sql`) and the
unit of work, whatever the engine behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..models import OutboxMessage
from ._sql import Sql

__all__ = ["StoreBase"]


class StoreBase:
    """The connection, the transaction and the after-commit message buffer.

    :meth:`transaction` is the unit of work: one write transaction that no other
    writer interleaves with (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
    PostgreSQL); nested calls join the outer one. Messages queued already claimed
    inside it are handed over in :attr:`committed_messages` once it commits.
    """

    #: Where the database is, as a person would name it (path or URL without password).
    location: str
    sql: Sql

    def _init_unit_of_work(self) -> None:
        self._depth = 0
        self._claimed_in_txn: list[OutboxMessage] = []
        self.committed_messages: list[OutboxMessage] = []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._claimed_in_txn = []
            self.sql.rollback()
            raise
        else:
            self._depth = 0
            self.sql.commit()
            self.committed_messages.extend(self._claimed_in_txn)
            self._claimed_in_txn = []

    def _begin(self) -> None:
        self.sql.begin()

    def in_transaction(self) -> bool:
        return self._depth > 0

    def take_committed_messages(self) -> list[OutboxMessage]:
        """Messages queued with ``claim=True`` by transactions that have committed."""
        taken, self.committed_messages = self.committed_messages, []
        return taken

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run one statement written in the store's ``?`` style; its rows, if any.

        For maintenance and tests (counting rows, simulating a crash): the use cases
        never call it.
        """
        cur = self.sql.execute(sql, params)
        if cur.description is None:
            return []
        return [tuple(r) for r in cur.fetchall()]
