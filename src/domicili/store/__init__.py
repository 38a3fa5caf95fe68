"""Persistence: the SQLite store (the embedded default) and the PostgreSQL store.

:func:`open_store` picks one from what the database is named by: a path (or
``":memory:"``) opens a SQLite file, a ``postgresql://`` URL a PostgreSQL server.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DatabaseError
from ..i18n import _

if TYPE_CHECKING:
    from ._store import SqlStore

__all__ = ["is_url", "open_store"]

_URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(db: str | Path) -> bool:
    """True when ``db`` names a database server rather than a file."""
    text = str(db)
    return "://" in text or text.startswith(("postgresql:", "postgres:"))


def open_store(db: str | Path, *, create: bool = True) -> SqlStore:
    """The store for ``db``: a SQLite file path, or a ``postgresql://`` URL."""
    text = str(db)
    if is_url(text):
        if not text.startswith(_URL_SCHEMES):
            scheme = text.split(":", 1)[0]
            raise DatabaseError(
                _(
                    "{scheme}: is not a database domicili can use; give a SQLite file path "
                    "or a postgresql://user@host:5432/name URL."
                ).format(scheme=scheme)
            )
        from .postgres import PostgresStore

        return PostgresStore(text)
    from .sqlite import SQLiteStore

    return SQLiteStore(text, create=create)
