"""Clients, dossiers, payment reminders and justificatif revisions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from ..clock import iso
from ..models import (
    TRUSTED,
    Client,
    Dossier,
    JustificatifRevision,
)
from ..ports import DossierSearch
from ..records import to_json as _json
from ..statuses import Status
from ._base import StoreBase
from ._rows import _columns, _dossier, _equal, _like_escape

__all__ = ["DossierStore"]


class DossierStore(StoreBase):
    """Clients, dossiers, payment reminders and justificatif revisions."""

    # -- clients ----------------------------------------------------------------
    def insert_client(self, client: Client) -> int:
        row = client.model_dump(exclude={"id"}, mode="json")
        row["en_formation"] = int(client.en_formation)
        row["representative"] = _json(row["representative"])
        row["beneficial_owners"] = _json(row["beneficial_owners"])
        return self.sql.insert("clients", row)

    def get_client(self, client_id: int) -> Client | None:
        row = self.sql.one("SELECT * FROM clients WHERE id = ?", (client_id,))
        if row is None:
            return None
        row["representative"] = json.loads(row["representative"])
        row["beneficial_owners"] = json.loads(row["beneficial_owners"])
        row["en_formation"] = bool(row["en_formation"])
        return Client.model_validate(row, context=TRUSTED)

    def open_dossiers_of_clients_like(
        self, provider_ids: Sequence[int], *, siren: str | None, email: str
    ) -> list[tuple[int, int, str, str | None]]:
        """``(dossier id, provider id, client name, client SIREN)`` of the open dossiers
        (status not final) with ``provider_ids`` of a client with this SIREN or this
        email address (any case), oldest first. Found through the clients' SIREN and
        email indexes, then the dossiers' client index."""
        if not provider_ids:
            return []
        providers = ", ".join("?" for __ in provider_ids)
        statuses = [s.value for s in Status if not s.terminal]
        marks = ", ".join("?" for __ in statuses)
        rows = self.sql.rows(
            "SELECT d.id, d.provider_id, c.name, c.siren FROM clients c "
            "JOIN dossiers d ON d.client_id = c.id "
            f"WHERE (c.siren = ? OR lower(c.email) = ?) AND d.provider_id IN ({providers}) "
            f"AND d.status IN ({marks}) ORDER BY d.id",
            (siren, email.lower(), *provider_ids, *statuses),
        )
        return [(int(d), int(p), str(n), None if s is None else str(s)) for d, p, n, s in rows]

    # -- dossiers ---------------------------------------------------------------
    def insert_dossier(self, dossier: Dossier) -> int:
        row = dossier.model_dump(exclude={"id"}, mode="json")
        row["terms"] = _json(row["terms"]) if row["terms"] is not None else None
        return self.sql.insert("dossiers", row)

    def get_dossier(self, dossier_id: int, provider_id: int | None = None) -> Dossier | None:
        if provider_id is None:
            row = self.sql.one("SELECT * FROM dossiers WHERE id = ?", (dossier_id,))
        else:
            row = self.sql.one(
                "SELECT * FROM dossiers WHERE id = ? AND provider_id = ?", (dossier_id, provider_id)
            )
        return _dossier(row) if row else None

    def update_dossier(self, dossier_id: int, **fields: Any) -> None:
        self.sql.update("dossiers", dossier_id, _columns(fields))

    def list_dossier_entries(
        self,
        *,
        provider_id: int | None = None,
        status: Status | None = None,
        search: DossierSearch | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[Dossier, str, str]]:
        """Each dossier with its client's and provider's names, newest first (highest id),
        below ``before`` when given, read in batches. ``search`` matches any of: the text in
        the client's name or email (any case), a SIREN starting with its digits, the
        dossier it names (the list's own index gives the order; the rows it reads are
        checked against the text)."""
        where: list[str] = []
        params: list[Any] = []
        if provider_id is not None:
            where.append("d.provider_id = ?")
            params.append(provider_id)
        if status is not None:
            where.append("d.status = ?")
            params.append(status.value)
        if search is not None:
            like = f"%{_like_escape(search.text)}%"
            found = ["lower(c.name) LIKE ? ESCAPE '\\'", "lower(c.email) LIKE ? ESCAPE '\\'"]
            params += [like, like]
            if search.siren:
                found.append("c.siren LIKE ?")
                params.append(f"{search.siren}%")
            if search.dossier_id is not None:
                found.append("d.id = ?")
                params.append(search.dossier_id)
            where.append("(" + " OR ".join(found) + ")")
        rows = self._newest_first(
            "SELECT d.*, c.name AS client_name, p.name AS provider_name FROM dossiers d "
            "JOIN clients c ON c.id = d.client_id JOIN providers p ON p.id = d.provider_id",
            where,
            params,
            before=before,
            limit=limit,
            id_column="d.id",
        )
        for row in rows:
            client, provider = row.pop("client_name"), row.pop("provider_name")
            yield _dossier(row), client, provider

    def dossiers_awaiting_payment_due_before(
        self, before: datetime, provider_id: int | None = None
    ) -> list[Dossier]:
        """Dossiers in S2 whose payment deadline is at or before ``before`` (sweep)."""
        sql = "SELECT * FROM dossiers WHERE status = ? AND payment_due_at <= ?"
        params: list[Any] = [Status.AWAITING_PAYMENT.value, iso(before)]
        if provider_id is not None:
            sql += " AND provider_id = ?"
            params.append(provider_id)
        rows = self.sql.all(sql + " ORDER BY payment_due_at, id", tuple(params))
        return [_dossier(r) for r in rows]

    def has_pending_payment(self, dossier_id: int) -> bool:
        """A payment in progress (e.g. a SEPA debit not confirmed yet)."""
        return (
            self.sql.one(
                "SELECT 1 AS x FROM payments WHERE dossier_id = ? AND status = 'pending' LIMIT 1",
                (dossier_id,),
            )
            is not None
        )

    def close_payment_links(self, dossier_id: int, status: str, at: datetime) -> None:
        """Close every open card-payment link of a dossier (dismissed, expired)."""
        self.sql.execute(
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
        return {r["status"]: r["n"] for r in self.sql.all(sql + " GROUP BY status", params)}

    # -- reminders --------------------------------------------------------------
    def reminder_sent(self, dossier_id: int, deadline: datetime, days_before: int) -> bool:
        return (
            self.sql.one(
                "SELECT 1 AS x FROM reminders "
                "WHERE dossier_id = ? AND deadline = ? AND days_before = ?",
                (dossier_id, iso(deadline), days_before),
            )
            is not None
        )

    def record_reminder(
        self, dossier_id: int, deadline: datetime, days_before: int, at: datetime
    ) -> None:
        self.sql.execute(
            "INSERT INTO reminders (dossier_id, deadline, days_before, sent_at) "
            "VALUES (?, ?, ?, ?)",
            (dossier_id, iso(deadline), days_before, iso(at)),
        )

    # -- justificatifs and their files -----------------------------------------
    def record_blob(self, sha256: str, size: int, content_type: str, at: datetime) -> None:
        self.sql.execute(
            "INSERT INTO blobs (sha256, size, content_type, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            (sha256, size, content_type, iso(at)),
        )

    def insert_revision(self, rev: JustificatifRevision) -> int:
        row = rev.model_dump(exclude={"id"}, mode="json")
        return self.sql.insert("justificatifs", row)

    def update_revision(self, revision_id: int, **fields: Any) -> None:
        self.sql.update("justificatifs", revision_id, _columns(fields))

    def revisions(self, dossier_id: int) -> list[JustificatifRevision]:
        rows = self.sql.all(
            "SELECT * FROM justificatifs WHERE dossier_id = ? ORDER BY kind, revision",
            (dossier_id,),
        )
        return [JustificatifRevision.model_validate(r) for r in rows]

    def current_states(self, dossier_id: int) -> dict[str, str]:
        """kind → state of the latest revision of each piece (cheap: no models built)."""
        rows = self.sql.rows(
            "SELECT kind, state FROM justificatifs WHERE dossier_id = ? ORDER BY kind, revision",
            (dossier_id,),
        )
        return {str(kind): str(state) for kind, state in rows}

    def invalidated_revision_with(
        self, dossier_id: int, sha256: str
    ) -> JustificatifRevision | None:
        """The latest invalidated revision of a dossier whose file has this SHA-256."""
        row = self.sql.one(
            "SELECT * FROM justificatifs WHERE dossier_id = ? AND sha256 = ? "
            "AND state = 'invalidated' ORDER BY id DESC LIMIT 1",
            (dossier_id, sha256),
        )
        return None if row is None else JustificatifRevision.model_validate(row)

    def latest_revisions(self, dossier_id: int) -> dict[str, JustificatifRevision]:
        """The current revision of each kind submitted to a dossier."""
        return {rev.kind: rev for rev in self.revisions(dossier_id)}

    def dossiers_awaiting_signature(self, provider_id: int | None = None) -> list[Dossier]:
        where, params = _equal(provider_id=provider_id, status=Status.AWAITING_SIGNATURE.value)
        sql = "SELECT * FROM dossiers WHERE " + " AND ".join(where) + " ORDER BY id"
        return [_dossier(r) for r in self.sql.all(sql, tuple(params))]
