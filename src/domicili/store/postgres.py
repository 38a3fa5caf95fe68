"""The PostgreSQL store, for a deployment shared by several application servers.

The same queries as the SQLite store (:mod:`._sql` sends them in psycopg's style);
every write transaction takes one transaction-scoped advisory lock, so writers
queue as they do on SQLite: invoice numbers stay gapless and the event chain
linear whatever the number of servers. Reads outside a transaction run in
autocommit, each statement seeing the latest committed state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import DatabaseError, DatabaseUnavailable
from ..i18n import _
from ._sql import PostgresSql
from ._store import SqlStore
from .postgres_schema import PG_MIGRATIONS, PgMigration

__all__ = ["PostgresStore"]


def _where(url: str) -> tuple[str, str, str]:
    """(location without password, ``host:port``, database name) of a connection URL."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError on a malformed URL
        raise DatabaseError(
            _(
                "The database URL cannot be read ({exc}); write it as "
                "postgresql://user@host:5432/name."
            ).format(exc=_first_line(exc))
        ) from None
    host = str(info.get("host") or "localhost")
    port = str(info.get("port") or 5432)
    name = str(info.get("dbname") or info.get("user") or "")
    user = info.get("user")
    location = f"postgresql://{f'{user}@' if user else ''}{host}:{port}/{name}"
    return location, f"{host}:{port}", name


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1].strip().rstrip(".") if text else type(exc).__name__


def _connect(url: str) -> Any:
    import psycopg

    location, server, name = _where(url)
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        text = str(exc)
        if "authentication failed" in text or ("role" in text and "does not exist" in text):
            raise DatabaseError(
                _(
                    "The PostgreSQL server at {server} refused the credentials of "
                    "{location}; check the user and password."
                ).format(server=server, location=location)
            ) from None
        if "does not exist" in text and "database" in text:
            raise DatabaseError(
                _(
                    "There is no database {name} on the PostgreSQL server at {server}; "
                    "create it first (createdb)."
                ).format(name=name, server=server)
            ) from None
        if "no password supplied" in text:
            raise DatabaseError(
                _(
                    "The PostgreSQL server at {server} asks for a password for {location}; "
                    "put it in the URL or in PGPASSWORD."
                ).format(server=server, location=location)
            ) from None
        raise DatabaseUnavailable(
            _(
                "The PostgreSQL server at {server} cannot be reached ({exc}); check that "
                "it runs and try again."
            ).format(server=server, exc=_first_line(exc))
        ) from None


class PostgresStore(SqlStore):
    """The store on a PostgreSQL database named by a ``postgresql://`` URL."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.location = _where(url)[0]
        self.sql = PostgresSql(_connect(url))
        self._init_unit_of_work()
        try:
            self.migrate()
        except psycopg.Error as exc:
            self.sql.close()
            raise DatabaseError(
                _("{location} cannot be used as a domicili database ({exc}).").format(
                    location=self.location, exc=_first_line(exc)
                )
            ) from None
        except BaseException:
            self.sql.close()
            raise

    def _migrations(self) -> Sequence[PgMigration]:
        return PG_MIGRATIONS

    def _has_table(self, name: str) -> bool:
        return self.sql.value("SELECT to_regclass(?)", (name,)) is not None

    def _apply(self, migration: Any) -> None:
        for statement in migration.statements:
            self.sql.execute(statement)
