"""The SQLite store, the embedded default: one file, through the standard ``sqlite3``.

WAL, ``foreign_keys=ON`` and a busy timeout on every connection; each state change
runs inside ``BEGIN IMMEDIATE`` so that concurrent processes queue instead of
failing on a lock upgrade. The schema's migrations use sqlite-utils, imported only
when one is applied.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..errors import DatabaseError, DatabaseMissing
from ..i18n import _
from ._sql import SQLiteSql
from ._store import SqlStore
from .migrations import MIGRATIONS, Migration

__all__ = ["SQLiteStore"]

#: Images of a database just migrated, by the migrations that made it (:func:`_new_schema`).
_SCHEMA_IMAGES: dict[tuple[Migration, ...], bytes] = {}


def _new_schema(migrations: Sequence[Migration]) -> bytes | None:
    """The bytes of an empty database that ``migrations`` made, once per process: a new
    database starts as a copy of them instead of running every migration (several dozen
    milliseconds each time). None where this SQLite cannot serialize a database, or when
    the migrations fail (the database being opened then runs them, and tells why)."""
    if not hasattr(sqlite3.Connection, "serialize"):  # SQLite built without it
        return None
    key = tuple(migrations)
    image = _SCHEMA_IMAGES.get(key)
    if image is None:
        try:
            store = SQLiteStore(":memory:", _image=False)
        except Exception:
            return None
        try:
            image = _SCHEMA_IMAGES[key] = store.conn.serialize()
        finally:
            store.close()
    return image


def _create_from_image(path: str, migrations: Sequence[Migration]) -> None:
    """Write a new database file at ``path`` from the schema image, unless something is
    already there; the file appears whole (written aside, then linked into place), so a
    process opening it at the same moment sees either nothing or the whole schema. Any
    failure leaves the ordinary way (SQLite creates the file, the migrations run)."""
    image = _new_schema(migrations)
    if image is None:
        return
    target = Path(path)
    aside = target.with_name(f".{target.name}.{os.getpid()}.new")
    try:
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(image)
        os.link(aside, target)  # refuses to replace a file another process made meanwhile
    except OSError:
        pass
    finally:
        with suppress(OSError):
            aside.unlink()


def _enable_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL; a new file opened by several processes at once may need a few tries
    (the switch takes an exclusive lock that the busy timeout does not always wait for)."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _check_file(path: str, *, create: bool) -> bool:
    """Refuse, before SQLite opens it (and writes a journal beside it), anything at
    ``path`` that is not a regular file: a device, a named pipe, a folder. True when
    there is nothing at ``path`` yet (the database is to be created)."""
    from ..inputs import file_kind

    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        if not create:
            raise DatabaseMissing(path) from None
        return True
    except OSError as exc:
        raise DatabaseError(
            _("{path} cannot be opened: {value}.").format(path=path, value=exc.strerror or exc),
            path=path,
        ) from None
    kind = file_kind(mode)
    if kind is not None:
        raise DatabaseError(
            _("{path} is {kind}, not a domicili database file.").format(path=path, kind=kind),
            path=path,
        )
    return False


class SQLiteStore(SqlStore):
    """The store on one SQLite file (``":memory:"`` for a throw-away one)."""

    def __init__(self, path: str | Path, *, create: bool = True, _image: bool = True) -> None:
        self.path = self.location = str(path)
        memory = self.path == ":memory:"
        new = not memory and _check_file(self.path, create=create)
        if new and _image:
            _create_from_image(self.path, self._migrations())
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            conn.execute("PRAGMA busy_timeout = 30000")
            if memory and _image and (image := _new_schema(self._migrations())) is not None:
                conn.deserialize(image)
            if not memory:
                _enable_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(
                _("{path} cannot be opened as a domicili database: {exc}.").format(
                    path=self.path, exc=exc
                )
            ) from exc
        self.conn = conn
        self.sql = SQLiteSql(conn)
        self._init_unit_of_work()
        try:
            self.migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseError(
                _("{path} is not a domicili database ({exc}).").format(path=self.path, exc=exc)
            ) from exc
        except BaseException:
            conn.close()
            raise

    def _begin(self) -> None:
        try:
            self.sql.begin()
        except sqlite3.OperationalError as exc:
            raise DatabaseError(
                _("The database {path} is busy ({exc}); try again.").format(path=self.path, exc=exc)
            ) from exc

    def _migrations(self) -> Sequence[Migration]:
        return MIGRATIONS

    def _has_table(self, name: str) -> bool:
        return (
            self.sql.value("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
            is not None
        )

    def _apply(self, migration: Any) -> None:
        import sqlite_utils

        migration.apply(sqlite_utils.Database(self.conn))
