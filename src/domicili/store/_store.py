"""The store over any engine: every part's queries, the unit of work, the migrations."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from ..clock import iso
from ..errors import DatabaseError
from ..i18n import _
from .billing import BillingStore
from .cards import CardStore
from .directory import DirectoryStore
from .dossiers import DossierStore
from .integrity import IntegrityStore
from .mail import MailStore
from .mandates import MandateStore
from .messages import MessageStore
from .receivables import ReceivableStore
from .signing import SigningStore

__all__ = ["SqlStore"]


class _Migration(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def name(self) -> str: ...


class SqlStore(
    DirectoryStore,
    DossierStore,
    BillingStore,
    ReceivableStore,
    SigningStore,
    MessageStore,
    IntegrityStore,
    MandateStore,
    CardStore,
    MailStore,
):
    """Persistence of providers, clients, dossiers, pieces, billing, signatures, events
    and the outbox; one engine's subclass opens the connection and applies migrations."""

    def close(self) -> None:
        self.sql.close()

    # -- schema -----------------------------------------------------------------
    @abstractmethod
    def _migrations(self) -> Sequence[_Migration]: ...

    @abstractmethod
    def _has_table(self, name: str) -> bool: ...

    @abstractmethod
    def _apply(self, migration: Any) -> None: ...

    def schema_version(self) -> int:
        if not self._has_table("migrations"):
            return 0
        return int(self.sql.value("SELECT max(id) FROM migrations") or 0)

    def _applied_migrations(self) -> set[int]:
        if not self._has_table("migrations"):
            return set()
        return {int(row[0]) for row in self.sql.rows("SELECT id FROM migrations")}

    def migrate(self) -> list[str]:
        """Bring the schema forward; refuse a database made by a newer domicili.

        Every known migration the database has not recorded is applied, in order, even
        one numbered below a recorded one (the parts of a release number theirs apart).
        """
        migrations = self._migrations()
        known = migrations[-1].number
        done = self._applied_migrations()
        current = max(done, default=0)
        if current > known:
            raise DatabaseError(
                _(
                    "{location} was written by a newer domicili (schema {current}, this one "
                    "knows {known}); upgrade domicili to use it."
                ).format(location=self.location, current=current, known=known)
            )
        applied = []
        for m in migrations:
            if m.number in done:
                continue
            with self.transaction():
                # Another process may have migrated while we waited for the write lock.
                if m.number in self._applied_migrations():
                    continue
                if not self._has_table("migrations"):
                    self.sql.execute(
                        "CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT, "
                        "applied_at TEXT)"
                    )
                self._apply(m)
                self.sql.execute(
                    "INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)",
                    (m.number, m.name, iso(datetime.now(UTC))),
                )
            applied.append(m.name)
        return applied
