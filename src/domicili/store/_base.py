"""What every part of a store shares: the connection (:class:`~._sql.Sql`) and the
unit of work, whatever the engine behind it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from types import TracebackType
from typing import Any

from ..models import OutboxMessage
from ._sql import Sql

__all__ = ["PAGE_BATCH", "StoreBase"]

#: How many rows a list reads per query: memory stays flat however long the list.
PAGE_BATCH = 500


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
    #: Called after each commit that appended events, with the first event's id and
    #: ``prev_hash`` and the last one's id and hash (the head anchor of ``audit verify``).
    on_events_committed: Callable[[int, str, int, str], None] | None = None

    def _init_unit_of_work(self) -> None:
        self._depth = 0
        self._claimed_in_txn: list[OutboxMessage] = []
        self.committed_messages: list[OutboxMessage] = []
        self._events_in_txn: list[tuple[int, str]] = []
        self._unit_of_work = _Transaction(self)

    def _event_appended(self, event_id: int, prev_hash: str, digest: str) -> None:
        """Note an appended event for the head anchor (told at once outside a transaction)."""
        if not self._events_in_txn:
            self._events_in_txn = [(event_id, prev_hash), (event_id, digest)]
        else:
            self._events_in_txn[1] = (event_id, digest)
        if not self._depth:
            self._tell_events_committed()

    def _tell_events_committed(self) -> None:
        appended, self._events_in_txn = self._events_in_txn, []
        if appended and self.on_events_committed is not None:
            (first_id, first_prev), (last_id, last_hash) = appended
            self.on_events_committed(first_id, first_prev, last_id, last_hash)

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction; nested calls join the outer one."""
        return self._unit_of_work

    def _begin(self) -> None:
        self.sql.begin()

    def in_transaction(self) -> bool:
        return self._depth > 0

    def take_committed_messages(self) -> list[OutboxMessage]:
        """Messages queued with ``claim=True`` by transactions that have committed."""
        taken, self.committed_messages = self.committed_messages, []
        return taken

    def _newest_first(
        self,
        select: str,
        where: list[str],
        params: list[Any],
        *,
        before: int | None = None,
        limit: int | None = None,
        id_column: str = "id",
        few: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """The rows of ``select`` (a ``SELECT … FROM table`` without ``WHERE``), highest
        ``id`` first, below ``before`` when given, at most ``limit`` of them.

        Read :data:`PAGE_BATCH` rows per query, each query starting below the last id
        read (keyset paging): every query is short and complete, so the connection is free
        between batches, whatever the engine, and an index on the filter's columns then
        ``id`` answers each batch without sorting. ``few``: the filter selects few rows
        but no index gives them in ``id`` order (``status IN (…)``): they are found by
        the filter's index and sorted, rather than sought along the whole table.
        """
        cursor, left = before, limit
        while left is None or left > 0:
            size = PAGE_BATCH if left is None else min(PAGE_BATCH, left)
            conditions = where + ([f"{id_column} < ?"] if cursor is not None else [])
            sql = select + (" WHERE " + " AND ".join(conditions) if conditions else "")
            rows = self.sql.all(
                f"{sql} ORDER BY {id_column}{' + 0' if few else ''} DESC LIMIT {size}",
                (*params, *(() if cursor is None else (cursor,))),
            )
            if len(rows) < size:
                yield from rows
                return
            cursor = rows[-1]["id"]
            yield from rows
            left = None if left is None else left - len(rows)

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run one statement written in the store's ``?`` style; its rows, if any.

        For maintenance and tests (counting rows, simulating a crash): the use cases
        never call it.
        """
        cur = self.sql.execute(sql, params)
        if cur.description is None:
            return []
        return [tuple(r) for r in cur.fetchall()]


class _Transaction(AbstractContextManager[None]):
    """:meth:`StoreBase.transaction`, as a plain context manager: every use case enters
    one, and a generator-based one cost more than the statements of a small change."""

    __slots__ = ("store",)

    def __init__(self, store: StoreBase) -> None:
        self.store = store

    def __enter__(self) -> None:
        store = self.store
        if store._depth:
            store._depth += 1
            return
        store._begin()
        store._depth = 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        store = self.store
        store._depth -= 1
        if store._depth:
            return
        if exc_type is not None:
            store._claimed_in_txn = []
            store._events_in_txn = []
            store.sql.rollback()
            return
        try:
            store.sql.commit()
        except BaseException:
            # Nothing was committed: its messages are not to be delivered.
            store._claimed_in_txn = []
            store._events_in_txn = []
            with suppress(Exception):  # the commit's own error is the one to tell
                store.sql.rollback()
            raise
        store.committed_messages.extend(store._claimed_in_txn)
        store._claimed_in_txn = []
        store._tell_events_committed()
