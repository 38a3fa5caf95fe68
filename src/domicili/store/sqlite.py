"""The SQLite store: the only code that speaks SQL (through sqlite-utils).

WAL, ``foreign_keys=ON`` and a busy timeout on every connection; each state change
runs inside ``BEGIN IMMEDIATE`` (see :meth:`SQLiteStore.transaction`) so that
concurrent processes queue instead of failing on a lock upgrade.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from ..catalog import JustificatifState
from ..clock import iso
from ..errors import DatabaseError
from ..models import (
    TRUSTED,
    Client,
    Dossier,
    Event,
    Invoice,
    JustificatifRevision,
    Offer,
    OutboxMessage,
    Payment,
    Provider,
    Signature,
    add_years,
)
from ..statuses import Status
from .migrations import MIGRATIONS

__all__ = ["GENESIS_HASH", "SQLiteStore", "event_hash"]

GENESIS_HASH = "0" * 64

#: Why a withheld message (see :meth:`SQLiteStore.queue_message`) is not sent again.
WITHHELD = "Its text held a one-time code, which is not kept: it is not sent again."


def event_hash(
    prev_hash: str,
    at: str,
    type_: str,
    dossier_id: int | None,
    provider_id: int | None,
    data_json: str,
) -> str:
    """The link of the audit chain: sha256 over the previous hash and this event."""
    payload = "\x1f".join(
        [prev_hash, at, type_, str(dossier_id or ""), str(provider_id or ""), data_json]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


class SQLiteStore:
    """Persistence of providers, clients, dossiers, pieces, events and the outbox."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not create and not Path(self.path).exists():
            raise DatabaseError(
                f"No database at {self.path}; run `domicili init` (or pass --db PATH)."
            )
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

    # -- providers --------------------------------------------------------------
    def insert_provider(self, provider: Provider) -> int:
        row = provider.model_dump(exclude={"id", "departements", "services"}, mode="json")
        row["suspended"] = int(provider.suspended)
        row["agrement_expires"] = provider.agrement_expires.isoformat()
        provider_id = _pk(self.db.table("providers").insert(row))
        self._set_provider_lists(provider_id, provider.departements, provider.services)
        return provider_id

    def _set_provider_lists(
        self, provider_id: int, departements: list[str], services: list[str]
    ) -> None:
        self.conn.execute("DELETE FROM provider_departements WHERE provider_id = ?", (provider_id,))
        self.conn.executemany(
            "INSERT INTO provider_departements VALUES (?, ?)",
            [(provider_id, d) for d in departements],
        )
        self.conn.execute("DELETE FROM provider_services WHERE provider_id = ?", (provider_id,))
        self.conn.executemany(
            "INSERT INTO provider_services VALUES (?, ?)", [(provider_id, s) for s in services]
        )

    def update_provider(self, provider_id: int, **fields: Any) -> None:
        departements = fields.pop("departements", None)
        services = fields.pop("services", None)
        if "agrement_date" in fields:
            fields["agrement_expires"] = add_years(
                date.fromisoformat(str(fields["agrement_date"])), 6
            )
        if fields:
            self.db.table("providers").update(provider_id, _columns(fields))
        if departements is not None or services is not None:
            current = self.get_provider(provider_id)
            assert current is not None
            self._set_provider_lists(
                provider_id,
                current.departements if departements is None else departements,
                current.services if services is None else services,
            )

    def get_provider(self, provider_id: int) -> Provider | None:
        found = self._providers("WHERE id = ?", (provider_id,))
        return found[0] if found else None

    def provider_id_by_siren(self, siren: str) -> int | None:
        row = self._one("SELECT id FROM providers WHERE siren = ?", (siren,))
        return int(row["id"]) if row else None

    def list_providers(self, ids: list[int] | None = None) -> list[Provider]:
        if ids is None:
            return self._providers("", ())
        marks = ", ".join("?" * len(ids))
        return self._providers(f"WHERE id IN ({marks})", tuple(ids)) if ids else []

    def _providers(self, where: str, params: tuple[Any, ...]) -> list[Provider]:
        rows = self._all(f"SELECT * FROM providers {where} ORDER BY id", params)
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        deps = self._provider_lists("provider_departements", "departement", ids, "departement")
        services = self._provider_lists("provider_services", "service", ids)
        out = []
        for row in rows:
            row.pop("agrement_expires", None)
            row["suspended"] = bool(row["suspended"])
            row["departements"] = deps.get(row["id"], [])
            row["services"] = services.get(row["id"], [])
            out.append(Provider.model_validate(row, context=TRUSTED))
        return out

    # -- offers -----------------------------------------------------------------
    def insert_offer(self, offer: Offer) -> int:
        row = offer.model_dump(exclude={"id"}, mode="json")
        row["services"] = _json(offer.services)
        row["is_default"] = int(offer.is_default)
        row["monthly_ht_cents"] = offer.monthly_ht_cents
        if offer.is_default:
            self.conn.execute(
                "UPDATE offers SET is_default = 0 WHERE provider_id = ?", (offer.provider_id,)
            )
        return _pk(self.db.table("offers").insert(row))

    def update_offer(self, offer: Offer) -> None:
        assert offer.id is not None
        row = offer.model_dump(exclude={"id", "created_at"}, mode="json")
        row["services"] = _json(offer.services)
        row["is_default"] = int(offer.is_default)
        row["monthly_ht_cents"] = offer.monthly_ht_cents
        if offer.is_default:
            self.conn.execute(
                "UPDATE offers SET is_default = 0 WHERE provider_id = ?", (offer.provider_id,)
            )
        self.db.table("offers").update(offer.id, row)

    def get_offer(self, offer_id: int) -> Offer | None:
        row = self._one("SELECT * FROM offers WHERE id = ?", (offer_id,))
        return _offer(row) if row else None

    def list_offers(self, provider_id: int | None = None) -> list[Offer]:
        if provider_id is None:
            rows = self._all("SELECT * FROM offers ORDER BY provider_id, id")
        else:
            rows = self._all(
                "SELECT * FROM offers WHERE provider_id = ? ORDER BY id", (provider_id,)
            )
        return [_offer(r) for r in rows]

    # -- directory search -------------------------------------------------------
    def search_providers(
        self,
        *,
        on: date,
        departements: list[str] | None,
        services: list[str],
        max_monthly_ht_cents: int | None,
        sort: str = "price",
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Listed providers (agrément valid ``on``, not suspended) serving the place.

        Each row carries the provider and its cheapest offer that includes every
        requested service (no offer: ``offer_id`` is NULL, excluded under a price cap).
        Portable SQL: joins, ``IN`` lists and ``GROUP BY`` only.
        """
        day = on.isoformat()
        params: list[Any] = [day, day]
        where = ["p.suspended = 0", "p.agrement_date <= ?", "p.agrement_expires > ?"]
        if departements is not None:
            marks = ", ".join("?" * len(departements))
            where.append(
                f"p.id IN (SELECT provider_id FROM provider_departements "
                f"WHERE departement IN ({marks}))"
            )
            params.extend(departements)
        for service in services:
            where.append("p.id IN (SELECT provider_id FROM provider_services WHERE service = ?)")
            params.append(service)
        # Services are stored as a JSON list: match the quoted code, wildcards escaped.
        offer_filter = "".join(" AND o.services LIKE ? ESCAPE '\\'" for _ in services)
        offer_params = [f'%"{_like_escape(s)}"%' for s in services]
        sql = (
            "SELECT p.id, p.name, p.city, p.postcode, p.departement, p.agrement_expires, "
            "o.id AS offer_id, o.name AS offer_name, o.monthly_ht_cents, o.price_ht_cents, "
            "o.period FROM providers p "
            "LEFT JOIN offers o ON o.id = (SELECT o2.id FROM offers o2 WHERE "
            "o2.provider_id = p.id"
            + offer_filter.replace("o.", "o2.")
            + " ORDER BY o2.monthly_ht_cents, o2.id LIMIT 1) "
            "WHERE " + " AND ".join(where)
        )
        params = offer_params + params
        if max_monthly_ht_cents is not None:
            sql += " AND o.monthly_ht_cents <= ?"
            params.append(max_monthly_ht_cents)
        if sort == "price":
            sql += " ORDER BY o.monthly_ht_cents IS NULL, o.monthly_ht_cents, p.name, p.id"
        else:
            sql += " ORDER BY p.name, p.id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._all(sql, tuple(params))
        listed = self._provider_lists("provider_services", "service", [r["id"] for r in rows])
        for r in rows:
            r["services"] = listed.get(r["id"], [])
        return rows

    def _provider_lists(
        self, table: str, column: str, ids: list[int], order: str = "rowid"
    ) -> dict[int, list[str]]:
        """provider id → values of a side table (départements, services), in their order.

        Asked by chunks so that any number of providers stays under the SQL variable limit.
        """
        found: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for provider_id, value in self.conn.execute(
                f"SELECT provider_id, {column} FROM {table} WHERE provider_id IN ({marks}) "
                f"ORDER BY provider_id, {order}",
                chunk,
            ):
                found.setdefault(provider_id, []).append(value)
        return found

    # -- clients ----------------------------------------------------------------
    def insert_client(self, client: Client) -> int:
        row = client.model_dump(exclude={"id"}, mode="json")
        row["en_formation"] = int(client.en_formation)
        row["representative"] = _json(row["representative"])
        row["beneficial_owners"] = _json(row["beneficial_owners"])
        return _pk(self.db.table("clients").insert(row))

    def get_client(self, client_id: int) -> Client | None:
        row = self._one("SELECT * FROM clients WHERE id = ?", (client_id,))
        if row is None:
            return None
        row["representative"] = json.loads(row["representative"])
        row["beneficial_owners"] = json.loads(row["beneficial_owners"])
        row["en_formation"] = bool(row["en_formation"])
        return Client.model_validate(row, context=TRUSTED)

    # -- dossiers ---------------------------------------------------------------
    def insert_dossier(self, dossier: Dossier) -> int:
        row = dossier.model_dump(exclude={"id"}, mode="json")
        row["terms"] = _json(row["terms"]) if row["terms"] is not None else None
        return _pk(self.db.table("dossiers").insert(row))

    def get_dossier(self, dossier_id: int, provider_id: int | None = None) -> Dossier | None:
        if provider_id is None:
            row = self._one("SELECT * FROM dossiers WHERE id = ?", (dossier_id,))
        else:
            row = self._one(
                "SELECT * FROM dossiers WHERE id = ? AND provider_id = ?", (dossier_id, provider_id)
            )
        return _dossier(row) if row else None

    def update_dossier(self, dossier_id: int, **fields: Any) -> None:
        cols = _columns(fields)
        assigns = ", ".join(f"{name} = :{name}" for name in cols)
        cols["_id"] = dossier_id
        self.conn.execute(f"UPDATE dossiers SET {assigns} WHERE id = :_id", cols)

    def list_dossiers(
        self,
        *,
        provider_id: int | None = None,
        status: Status | None = None,
        limit: int | None = None,
    ) -> list[Dossier]:
        where: list[str] = []
        params: list[Any] = []
        if provider_id is not None:
            where.append("provider_id = ?")
            params.append(provider_id)
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        sql = "SELECT * FROM dossiers"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_dossier(r) for r in self._all(sql, tuple(params))]

    def dossiers_awaiting_payment_due_before(
        self, before: datetime, provider_id: int | None = None
    ) -> list[Dossier]:
        """Dossiers in S2 whose payment deadline is at or before ``before`` (sweep)."""
        sql = "SELECT * FROM dossiers WHERE status = ? AND payment_due_at <= ?"
        params: list[Any] = [Status.AWAITING_PAYMENT.value, iso(before)]
        if provider_id is not None:
            sql += " AND provider_id = ?"
            params.append(provider_id)
        rows = self._all(sql + " ORDER BY payment_due_at, id", tuple(params))
        return [_dossier(r) for r in rows]

    def has_pending_payment(self, dossier_id: int) -> bool:
        """A payment in progress (e.g. a SEPA debit not confirmed yet)."""
        return (
            self._one(
                "SELECT 1 AS x FROM payments WHERE dossier_id = ? AND status = 'pending' LIMIT 1",
                (dossier_id,),
            )
            is not None
        )

    def close_payment_links(self, dossier_id: int, status: str, at: datetime) -> None:
        """Close every open card-payment link of a dossier (dismissed, expired)."""
        self.conn.execute(
            "UPDATE payment_links SET status = ?, closed_at = ? "
            "WHERE dossier_id = ? AND status = 'open'",
            (status, iso(at), dossier_id),
        )

    def count_dossiers_by_status(self, provider_id: int | None = None) -> dict[str, int]:
        sql = "SELECT status, count(*) AS n FROM dossiers"
        params: tuple[Any, ...] = ()
        if provider_id is not None:
            sql += " WHERE provider_id = ?"
            params = (provider_id,)
        return {r["status"]: r["n"] for r in self._all(sql + " GROUP BY status", params)}

    # -- reminders --------------------------------------------------------------
    def reminder_sent(self, dossier_id: int, deadline: datetime, days_before: int) -> bool:
        return (
            self._one(
                "SELECT 1 AS x FROM reminders "
                "WHERE dossier_id = ? AND deadline = ? AND days_before = ?",
                (dossier_id, iso(deadline), days_before),
            )
            is not None
        )

    def record_reminder(
        self, dossier_id: int, deadline: datetime, days_before: int, at: datetime
    ) -> None:
        self.conn.execute(
            "INSERT INTO reminders (dossier_id, deadline, days_before, sent_at) "
            "VALUES (?, ?, ?, ?)",
            (dossier_id, iso(deadline), days_before, iso(at)),
        )

    # -- justificatifs and their files -----------------------------------------
    def record_blob(self, sha256: str, size: int, content_type: str, at: datetime) -> None:
        self.conn.execute(
            "INSERT INTO blobs (sha256, size, content_type, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            (sha256, size, content_type, iso(at)),
        )

    def insert_revision(self, rev: JustificatifRevision) -> int:
        row = rev.model_dump(exclude={"id"}, mode="json")
        return _pk(self.db.table("justificatifs").insert(row))

    def update_revision(self, revision_id: int, **fields: Any) -> None:
        self.db.table("justificatifs").update(revision_id, _columns(fields))

    def revisions(self, dossier_id: int) -> list[JustificatifRevision]:
        rows = self._all(
            "SELECT * FROM justificatifs WHERE dossier_id = ? ORDER BY kind, revision",
            (dossier_id,),
        )
        return [JustificatifRevision.model_validate(r) for r in rows]

    def current_states(self, dossier_id: int) -> dict[str, str]:
        """kind → state of the latest revision of each piece (cheap: no models built)."""
        rows = self.conn.execute(
            "SELECT kind, state FROM justificatifs WHERE dossier_id = ? ORDER BY kind, revision",
            (dossier_id,),
        ).fetchall()
        return dict(rows)

    def latest_revisions(self, dossier_id: int) -> dict[str, JustificatifRevision]:
        """The current revision of each kind submitted to a dossier."""
        return {rev.kind: rev for rev in self.revisions(dossier_id)}

    # -- invoices ---------------------------------------------------------------
    def next_invoice_sequence(self, provider_id: int, series: str) -> int:
        """Allocate the next number of a series; call inside the issuing transaction so that
        a failed issue rolls the number back (no gap) and concurrent issuers queue."""
        row = self.conn.execute(
            "INSERT INTO invoice_series (provider_id, series, last_number) VALUES (?, ?, 1) "
            "ON CONFLICT (provider_id, series) DO UPDATE SET last_number = last_number + 1 "
            "RETURNING last_number",
            (provider_id, series),
        ).fetchone()
        return int(row[0])

    def last_invoice_date(self, provider_id: int, series: str) -> date | None:
        row = self._one(
            "SELECT issue_date FROM invoices WHERE provider_id = ? AND series = ? "
            "ORDER BY sequence DESC LIMIT 1",
            (provider_id, series),
        )
        return date.fromisoformat(row["issue_date"]) if row else None

    def insert_invoice(self, invoice: Invoice) -> int:
        row = invoice.model_dump(exclude={"id"}, mode="json")
        row["data"] = _json(invoice.data)
        return _pk(self.db.table("invoices").insert(row))

    def invoices(
        self,
        *,
        provider_id: int | None = None,
        number: str | None = None,
        dossier_id: int | None = None,
        credited_invoice_id: int | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> list[Invoice]:
        where, params = _equal(
            provider_id=provider_id,
            number=number,
            dossier_id=dossier_id,
            credited_invoice_id=credited_invoice_id,
        )
        if date_from is not None:
            where.append("issue_date >= ?")
            params.append(date_from.isoformat())
        if date_to is not None:
            where.append("issue_date < ?")
            params.append(date_to.isoformat())
        sql = "SELECT * FROM invoices" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._all(sql + " ORDER BY provider_id, series, sequence", tuple(params))
        for r in rows:
            r["data"] = json.loads(r["data"])
        return [Invoice.model_validate(r) for r in rows]

    # -- payments ---------------------------------------------------------------
    def record_payment_event(
        self, adapter: str, event_id: str, type_: str, at: datetime, outcome: str
    ) -> bool:
        """Remember an adapter's event id; False when it was seen before (a replay)."""
        cur = self.conn.execute(
            "INSERT INTO payment_events (adapter, event_id, type, received_at, outcome) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (adapter, event_id) DO NOTHING",
            (adapter, event_id, type_, iso(at), outcome),
        )
        return cur.rowcount == 1

    def forget_payment_event(self, adapter: str, event_id: str) -> None:
        self.conn.execute(
            "DELETE FROM payment_events WHERE adapter = ? AND event_id = ?", (adapter, event_id)
        )

    def set_payment_event_outcome(self, adapter: str, event_id: str, outcome: str) -> None:
        self.conn.execute(
            "UPDATE payment_events SET outcome = ? WHERE adapter = ? AND event_id = ?",
            (outcome, adapter, event_id),
        )

    def insert_payment(self, payment: Payment) -> int:
        return _pk(
            self.db.table("payments").insert(payment.model_dump(exclude={"id"}, mode="json"))
        )

    def update_payment(self, payment_id: int, **fields: Any) -> None:
        self.db.table("payments").update(payment_id, _columns(fields))

    def payment_by_external_id(self, adapter: str, external_id: str) -> Payment | None:
        row = self._one(
            "SELECT * FROM payments WHERE adapter = ? AND external_id = ?", (adapter, external_id)
        )
        return Payment.model_validate(row) if row else None

    def payments(
        self,
        *,
        dossier_id: int | None = None,
        provider_id: int | None = None,
        status: str | None = None,
    ) -> list[Payment]:
        where, params = _equal(dossier_id=dossier_id, provider_id=provider_id, status=status)
        sql = "SELECT * FROM payments" + (" WHERE " + " AND ".join(where) if where else "")
        return [Payment.model_validate(r) for r in self._all(sql + " ORDER BY id", tuple(params))]

    def insert_payment_link(
        self, token: str, dossier_id: int, amount_cents: int, at: datetime
    ) -> None:
        self.conn.execute(
            "UPDATE payment_links SET status = 'replaced', closed_at = ? "
            "WHERE dossier_id = ? AND status = 'open'",
            (iso(at), dossier_id),
        )
        self.conn.execute(
            "INSERT INTO payment_links (token, dossier_id, amount_cents, status, created_at) "
            "VALUES (?, ?, ?, 'open', ?)",
            (token, dossier_id, amount_cents, iso(at)),
        )

    def payment_link(self, token: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM payment_links WHERE token = ?", (token,))

    def open_payment_link(self, dossier_id: int) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM payment_links WHERE dossier_id = ? AND status = 'open' "
            "ORDER BY created_at DESC LIMIT 1",
            (dossier_id,),
        )

    def close_payment_link(self, token: str, status: str, at: datetime) -> None:
        self.conn.execute(
            "UPDATE payment_links SET status = ?, closed_at = ? WHERE token = ?",
            (status, iso(at), token),
        )

    # -- signatures -------------------------------------------------------------
    def set_signature_code(
        self,
        dossier_id: int,
        party: str,
        salt: str,
        code_hash: str,
        expires_at: datetime,
        at: datetime,
    ) -> None:
        self.conn.execute(
            "INSERT INTO signature_codes (dossier_id, party, salt, code_hash, expires_at, "
            "attempts, locked, created_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?) "
            "ON CONFLICT (dossier_id, party) DO UPDATE SET salt = excluded.salt, "
            "code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0, "
            "locked = 0, created_at = excluded.created_at",
            (dossier_id, party, salt, code_hash, iso(expires_at), iso(at)),
        )

    def signature_code(self, dossier_id: int, party: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM signature_codes WHERE dossier_id = ? AND party = ?", (dossier_id, party)
        )

    def count_code_attempt(self, dossier_id: int, party: str, *, lock_at: int) -> int:
        """One more wrong attempt; the code locks when ``lock_at`` is reached."""
        self.conn.execute(
            "UPDATE signature_codes SET attempts = attempts + 1, "
            "locked = CASE WHEN attempts + 1 >= ? THEN 1 ELSE locked END "
            "WHERE dossier_id = ? AND party = ?",
            (lock_at, dossier_id, party),
        )
        row = self.signature_code(dossier_id, party)
        return int(row["attempts"]) if row else 0

    def delete_signature_code(self, dossier_id: int, party: str) -> None:
        self.conn.execute(
            "DELETE FROM signature_codes WHERE dossier_id = ? AND party = ?", (dossier_id, party)
        )

    def insert_signature(self, signature: Signature) -> int:
        return _pk(
            self.db.table("signatures").insert(signature.model_dump(exclude={"id"}, mode="json"))
        )

    def signatures(self, dossier_id: int) -> list[Signature]:
        rows = self._all("SELECT * FROM signatures WHERE dossier_id = ? ORDER BY id", (dossier_id,))
        return [Signature.model_validate(r) for r in rows]

    def signature_reminder_sent(self, dossier_id: int, party: str, day: int) -> bool:
        return (
            self._one(
                "SELECT 1 AS x FROM signature_reminders WHERE dossier_id = ? AND party = ? "
                "AND day = ?",
                (dossier_id, party, day),
            )
            is not None
        )

    def record_signature_reminder(
        self, dossier_id: int, party: str, day: int, at: datetime
    ) -> None:
        self.conn.execute(
            "INSERT INTO signature_reminders VALUES (?, ?, ?, ?)", (dossier_id, party, day, iso(at))
        )

    def dossiers_awaiting_signature(self, provider_id: int | None = None) -> list[Dossier]:
        return self.list_dossiers(provider_id=provider_id, status=Status.AWAITING_SIGNATURE)

    # -- code channels and withheld messages ------------------------------------
    def set_signature_code_channel(self, dossier_id: int, party: str, channel: str) -> None:
        """How the current code of a party was sent: ``sms`` or ``email``."""
        self.conn.execute(
            "UPDATE signature_codes SET channel = ? WHERE dossier_id = ? AND party = ?",
            (channel, dossier_id, party),
        )

    def withhold_message(self, message_id: int, reason: str) -> None:
        """The stored text of a message is not the one to send: never deliver it again."""
        self.conn.execute(
            "INSERT INTO outbox_withheld (message_id, reason) VALUES (?, ?)", (message_id, reason)
        )

    def explain_withheld_failures(self, message_ids: list[int]) -> None:
        """Withheld messages whose one delivery failed: say why they stay failed."""
        self.conn.executemany(
            "UPDATE outbox SET last_error = coalesce(last_error || ' — ', '') || "
            "(SELECT reason FROM outbox_withheld WHERE message_id = outbox.id) "
            "WHERE id = ? AND status = 'failed' "
            "AND id IN (SELECT message_id FROM outbox_withheld)",
            [(message_id,) for message_id in message_ids],
        )

    def retire_withheld_messages(self, *, claimed_before: datetime) -> None:
        """Withheld messages claimed by a process that stopped before delivering them."""
        self.conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = "
            "(SELECT reason FROM outbox_withheld WHERE message_id = outbox.id) "
            "WHERE status = 'sending' AND claimed_at < ? "
            "AND id IN (SELECT message_id FROM outbox_withheld)",
            (iso(claimed_before),),
        )

    # -- audit log --------------------------------------------------------------
    def append_event(
        self,
        type_: str,
        *,
        at: datetime,
        dossier_id: int | None = None,
        provider_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        last = self._one("SELECT hash FROM events ORDER BY id DESC LIMIT 1")
        prev = last["hash"] if last else GENESIS_HASH
        at_text, data_json = iso(at), _json(data or {})
        digest = event_hash(prev, at_text, type_, dossier_id, provider_id, data_json)
        cur = self.conn.execute(
            "INSERT INTO events (at, type, dossier_id, provider_id, data, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at_text, type_, dossier_id, provider_id, data_json, prev, digest),
        )
        return int(cur.lastrowid or 0)

    def events(self, dossier_id: int | None = None) -> list[Event]:
        if dossier_id is None:
            rows = self._all("SELECT * FROM events ORDER BY id")
        else:
            rows = self._all("SELECT * FROM events WHERE dossier_id = ? ORDER BY id", (dossier_id,))
        for r in rows:
            r["data"] = json.loads(r["data"])
        return [Event.model_validate(r) for r in rows]

    def iter_event_rows(self, batch: int = 10_000) -> Iterator[tuple[Any, ...]]:
        """Raw rows of the whole log in order, streamed (for ``audit verify``)."""
        cur = self.conn.execute(
            "SELECT id, at, type, dossier_id, provider_id, data, prev_hash, hash "
            "FROM events ORDER BY id"
        )
        while rows := cur.fetchmany(batch):
            yield from rows

    # -- outbox -----------------------------------------------------------------
    def queue_message(
        self,
        msg: OutboxMessage,
        *,
        claim: bool = False,
        clear_body: str | None = None,
        withheld_reason: str | None = None,
    ) -> int:
        """Queue a message in the current transaction.

        With ``claim``, the message is queued already claimed by this process (one
        attempt counted): it is handed over in :attr:`committed_messages` once the
        transaction commits, for immediate delivery, and no other deliverer takes it
        unless this process stops before marking it.

        With ``clear_body`` (the text to send, holding a one-time code), ``msg.body``
        is what is kept (the code replaced) and only the copy handed over after commit
        carries ``clear_body``. Such a message is withheld from every later delivery:
        queued without ``claim``, or once that one delivery fails, it is failed with
        ``withheld_reason``.
        """
        withheld = clear_body is not None
        reason = withheld_reason or WITHHELD
        created = iso(msg.created_at) if msg.created_at else None
        cur = self.conn.execute(
            "INSERT INTO outbox (channel, recipient, subject, body, template, dossier_id, "
            "provider_id, status, attempts, last_error, created_at, claimed_at, attachments) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                msg.channel,
                msg.to,
                msg.subject,
                msg.body,
                msg.template,
                msg.dossier_id,
                msg.provider_id,
                "sending" if claim else "failed" if withheld else "pending",
                int(claim),
                reason if withheld and not claim else None,
                created,
                created if claim else None,
                _json([a.model_dump() for a in msg.attachments]) if msg.attachments else None,
            ),
        )
        message_id = int(cur.lastrowid or 0)
        if withheld:
            self.withhold_message(message_id, reason)
        if claim:
            sent = {"id": message_id, "body": clear_body} if withheld else {"id": message_id}
            self._claimed_in_txn.append(msg.model_copy(update=sent))
        return message_id

    def take_committed_messages(self) -> list[OutboxMessage]:
        """Messages queued with ``claim=True`` by transactions that have committed."""
        taken, self.committed_messages = self.committed_messages, []
        return taken

    def claim_pending_messages(
        self, *, max_attempts: int, now: datetime, stale_after: timedelta
    ) -> list[OutboxMessage]:
        """Mark deliverable messages ``sending`` (one attempt more) and return them.

        A message already ``sending`` is taken again only when its claim is older than
        ``stale_after`` (the process that claimed it died), so two deliverers never send
        the same message twice. Withheld messages (see :meth:`queue_message`) are never
        taken. Call inside a transaction.
        """
        self.retire_withheld_messages(claimed_before=now - stale_after)
        rows = self._all(
            "SELECT * FROM outbox WHERE status IN ('pending', 'failed', 'sending') "
            "AND attempts < ? AND (status != 'sending' OR claimed_at < ?) "
            "AND id NOT IN (SELECT message_id FROM outbox_withheld) ORDER BY id",
            (max_attempts, iso(now - stale_after)),
        )
        self.conn.executemany(
            "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            [(iso(now), r["id"]) for r in rows],
        )
        return [_message(r) for r in rows]

    def mark_messages(self, outcomes: list[tuple[int, str | None]], at: datetime) -> None:
        """Record delivery outcomes: ``(id, None)`` sent, ``(id, error)`` failed."""
        self.conn.executemany(
            "UPDATE outbox SET status = ?, sent_at = ?, last_error = ? WHERE id = ?",
            [
                (
                    "sent" if error is None else "failed",
                    iso(at) if error is None else None,
                    error,
                    message_id,
                )
                for message_id, error in outcomes
            ],
        )
        self.explain_withheld_failures([i for i, error in outcomes if error is not None])

    def list_messages(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        status: str | None = None,
    ) -> list[OutboxMessage]:
        where, params = _equal(provider_id=provider_id, dossier_id=dossier_id)
        if status is not None:
            # A message claimed for delivery but not marked yet is still pending to people.
            where.append("status IN (?, ?)" if status == "pending" else "status = ?")
            params += ["pending", "sending"] if status == "pending" else [status]
        sql = "SELECT * FROM outbox" + (" WHERE " + " AND ".join(where) if where else "")
        return [_message(r) for r in self._all(sql + " ORDER BY id", tuple(params))]


def _enable_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL; a new file opened by several processes at once may need a few tries
    (the switch takes an exclusive lock that the busy timeout does not always wait for)."""
    import time

    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _equal(**filters: Any) -> tuple[list[str], list[Any]]:
    """``col = ?`` conditions and their parameters for the filters that are set."""
    where = [f"{col} = ?" for col, value in filters.items() if value is not None]
    return where, [value for value in filters.values() if value is not None]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pk(table: Any) -> int:
    return int(table.last_pk)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, Status | JustificatifState):
            value = value.value
        elif isinstance(value, bool):
            value = int(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def _dossier(row: dict[str, Any]) -> Dossier:
    if row.get("terms"):
        row["terms"] = json.loads(row["terms"])
    return Dossier.model_validate(row)


def _offer(row: dict[str, Any]) -> Offer:
    row["services"] = json.loads(row["services"])
    row["is_default"] = bool(row["is_default"])
    row.pop("monthly_ht_cents", None)
    return Offer.model_validate(row)


def _message(row: dict[str, Any]) -> OutboxMessage:
    row["to"] = row.pop("recipient")
    row.pop("claimed_at", None)
    row["attachments"] = json.loads(row["attachments"]) if row.get("attachments") else []
    if row["status"] == "sending":
        row["status"] = "pending"
    return OutboxMessage.model_validate(row)
