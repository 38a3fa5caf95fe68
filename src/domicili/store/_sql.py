"""One connection and the few operations the store's queries need — the dialect's one place.

The queries of every store part are written once, in SQLite's ``?`` style and in SQL
that both engines speak (joins, ``IN`` lists, ``ON CONFLICT … DO UPDATE``,
``RETURNING``). What differs between SQLite and PostgreSQL lives here: how a
statement is sent (placeholders), how a row becomes a ``dict``, and how a write
transaction begins (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``BEGIN`` then a
transaction-scoped advisory lock, so that writers queue exactly as on SQLite).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from ..records import to_json

__all__ = ["Params", "PostgresSql", "SQLiteSql", "Sql"]

Params = Sequence[Any]

#: The advisory-lock key every PostgreSQL write transaction takes ("domicili" in ASCII).
WRITE_LOCK_KEY = 0x646F6D6963696C69


class _Cursor(Protocol):
    description: Any
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int) -> list[Any]: ...


def _param(value: Any) -> Any:
    """A model's value as both engines store it: booleans as 0/1, lists and dicts as JSON."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return to_json(value)
    return value


class Sql(ABC):
    """The operations the store parts use; each engine's subclass sends them its way."""

    #: ``sqlite`` or ``postgresql``.
    dialect: str

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> _Cursor: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    @abstractmethod
    def begin(self) -> None:
        """Open a write transaction that no other writer can interleave with."""

    @abstractmethod
    def close(self) -> None: ...

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    @staticmethod
    def _names(cursor: _Cursor) -> list[str]:
        return [c[0] for c in cursor.description]

    # -- shared on top of execute ---------------------------------------------
    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        cur = self.execute(sql, params)
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip(self._names(cur), row, strict=True))

    def all(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        cur = self.execute(sql, params)
        names = self._names(cur)
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.execute(sql, params).fetchall()]

    def stream(
        self, sql: str, params: Params = (), batch: int = 10_000
    ) -> Iterator[tuple[Any, ...]]:
        cur = self.execute(sql, params)
        while chunk := cur.fetchmany(batch):
            for row in chunk:
                yield tuple(row)

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row and return its new ``id``."""
        cols = ", ".join(row)
        marks = ", ".join("?" * len(row))
        new_id = self.value(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING id",
            tuple(_param(v) for v in row.values()),
        )
        return int(new_id)

    def update(self, table: str, row_id: int, fields: dict[str, Any]) -> None:
        if not fields:
            return
        assigns = ", ".join(f"{name} = ?" for name in fields)
        values = tuple(_param(v) for v in fields.values())
        self.execute(f"UPDATE {table} SET {assigns} WHERE id = ?", (*values, row_id))


class SQLiteSql(Sql):
    dialect = "sqlite"

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> _Cursor:
        cursor: _Cursor = self.conn.execute(sql, params)
        return cursor

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self.conn.executemany(sql, rows)

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        self.conn.close()


class PostgresSql(Sql):
    """psycopg 3 in autocommit mode: one statement alone is its own transaction, and
    :meth:`begin` opens an explicit one that holds the writers' advisory lock."""

    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._translated: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        text = self._translated.get(sql)
        if text is None:
            # psycopg's placeholders are %s: a literal % is written %%.
            text = self._translated[sql] = sql.replace("%", "%%").replace("?", "%s")
        return text

    def execute(self, sql: str, params: Params = ()) -> _Cursor:
        cursor: _Cursor = self.conn.execute(self._sql(sql), tuple(params) or None)
        return cursor

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), batch)

    def stream(
        self, sql: str, params: Params = (), batch: int = 10_000
    ) -> Iterator[tuple[Any, ...]]:
        """Rows as the server sends them, ``batch`` at a time: a client-side cursor would
        hold the whole result (a years-long audit log) in memory before the first row."""
        with self.conn.cursor() as cur:
            for row in cur.stream(self._sql(sql), tuple(params) or None, size=batch):
                yield tuple(row)

    @staticmethod
    def _names(cursor: _Cursor) -> list[str]:
        return [c.name for c in cursor.description]

    def begin(self) -> None:
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))

    def close(self) -> None:
        self.conn.close()
