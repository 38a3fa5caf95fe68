"""Invoices and payments."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from ..clock import iso
from ..models import (
    Invoice,
    Payment,
)
from ..records import PaymentLink
from ..records import to_json as _json
from ._base import PAGE_BATCH, StoreBase
from ._rows import _columns, _equal

__all__ = ["BillingStore"]


class BillingStore(StoreBase):
    """Invoices and payments."""

    # -- invoices ---------------------------------------------------------------
    def next_invoice_sequence(self, provider_id: int, series: str) -> int:
        """Allocate the next number of a series; call inside the issuing transaction so that
        a failed issue rolls the number back (no gap) and concurrent issuers queue."""
        row = self.sql.execute(
            "INSERT INTO invoice_series (provider_id, series, last_number) VALUES (?, ?, 1) "
            "ON CONFLICT (provider_id, series) "
            "DO UPDATE SET last_number = invoice_series.last_number + 1 RETURNING last_number",
            (provider_id, series),
        ).fetchone()
        return int(row[0])

    def last_invoice_date(self, provider_id: int, series: str) -> date | None:
        row = self.sql.one(
            "SELECT issue_date FROM invoices WHERE provider_id = ? AND series = ? "
            "ORDER BY sequence DESC LIMIT 1",
            (provider_id, series),
        )
        return date.fromisoformat(row["issue_date"]) if row else None

    def insert_invoice(self, invoice: Invoice) -> int:
        row = invoice.model_dump(exclude={"id"}, mode="json")
        row["data"] = _json(invoice.data)
        return self.sql.insert("invoices", row)

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
        """Invoices in series order (a provider's, then its series, then its sequence)."""
        where, params = _invoice_filters(
            provider_id=provider_id,
            number=number,
            dossier_id=dossier_id,
            credited_invoice_id=credited_invoice_id,
            date_from=date_from,
            date_to=date_to,
        )
        sql = "SELECT * FROM invoices" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.sql.all(sql + " ORDER BY provider_id, series, sequence", tuple(params))
        return [_invoice(r) for r in rows]

    def list_invoices(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Invoice]:
        """Invoices newest first (highest id), below ``before`` when given, read in batches."""
        where, params = _invoice_filters(
            provider_id=provider_id,
            dossier_id=dossier_id,
            date_from=date_from,
            date_to=date_to,
            # Newest first within a period: along the id (issue order) from the top,
            # the period's rows come first; the date index would sort the whole period.
            date_column="issue_date || ''",
        )
        rows = self._newest_first(
            "SELECT * FROM invoices", where, params, before=before, limit=limit
        )
        return (_invoice(r) for r in rows)

    def invoice_numbers(self, invoice_ids: Iterable[int]) -> dict[int, str]:
        """id → number of the named invoices (those a list of credit notes cancels)."""
        wanted = sorted(set(invoice_ids))
        numbers: dict[int, str] = {}
        for start in range(0, len(wanted), PAGE_BATCH):
            chunk = wanted[start : start + PAGE_BATCH]
            marks = ", ".join("?" * len(chunk))
            rows = self.sql.rows(f"SELECT id, number FROM invoices WHERE id IN ({marks})", chunk)
            numbers.update((int(i), str(n)) for i, n in rows)
        return numbers

    # -- payments ---------------------------------------------------------------
    def record_payment_event(
        self, adapter: str, event_id: str, type_: str, at: datetime, outcome: str
    ) -> bool:
        """Remember an adapter's event id; False when it was seen before (a replay)."""
        cur = self.sql.execute(
            "INSERT INTO payment_events (adapter, event_id, type, received_at, outcome) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (adapter, event_id) DO NOTHING",
            (adapter, event_id, type_, iso(at), outcome),
        )
        return cur.rowcount == 1

    def forget_payment_event(self, adapter: str, event_id: str) -> None:
        self.sql.execute(
            "DELETE FROM payment_events WHERE adapter = ? AND event_id = ?", (adapter, event_id)
        )

    def set_payment_event_outcome(self, adapter: str, event_id: str, outcome: str) -> None:
        self.sql.execute(
            "UPDATE payment_events SET outcome = ? WHERE adapter = ? AND event_id = ?",
            (outcome, adapter, event_id),
        )

    def insert_payment(self, payment: Payment) -> int:
        return self.sql.insert("payments", payment.model_dump(exclude={"id"}, mode="json"))

    def update_payment(self, payment_id: int, **fields: Any) -> None:
        self.sql.update("payments", payment_id, _columns(fields))

    def get_payment(self, payment_id: int, provider_id: int | None = None) -> Payment | None:
        """A payment by its id; with ``provider_id``, only one of that provider's (so a
        scoped session never sees another provider's, nor one that matches no provider)."""
        sql, params = "SELECT * FROM payments WHERE id = ?", [payment_id]
        if provider_id is not None:
            sql += " AND provider_id = ?"
            params.append(provider_id)
        row = self.sql.one(sql, tuple(params))
        return Payment.model_validate(row) if row else None

    def payment_by_external_id(self, adapter: str, external_id: str) -> Payment | None:
        row = self.sql.one(
            "SELECT * FROM payments WHERE adapter = ? AND external_id = ?", (adapter, external_id)
        )
        return Payment.model_validate(row) if row else None

    def payments(
        self,
        *,
        dossier_id: int | None = None,
        provider_id: int | None = None,
        status: str | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Payment]:
        """Payments newest first, below ``before`` when given, read in batches."""
        where, params = _equal(dossier_id=dossier_id, provider_id=provider_id, status=status)
        rows = self._newest_first(
            "SELECT * FROM payments", where, params, before=before, limit=limit
        )
        return (Payment.model_validate(r) for r in rows)

    def insert_payment_link(
        self, token: str, dossier_id: int, amount_cents: int, at: datetime
    ) -> None:
        self.sql.execute(
            "UPDATE payment_links SET status = 'replaced', closed_at = ? "
            "WHERE dossier_id = ? AND status = 'open'",
            (iso(at), dossier_id),
        )
        self.sql.execute(
            "INSERT INTO payment_links (token, dossier_id, amount_cents, status, created_at) "
            "VALUES (?, ?, ?, 'open', ?)",
            (token, dossier_id, amount_cents, iso(at)),
        )

    def payment_link(self, token: str) -> PaymentLink | None:
        return _link(self.sql.one("SELECT * FROM payment_links WHERE token = ?", (token,)))

    def open_payment_link(self, dossier_id: int) -> PaymentLink | None:
        return _link(
            self.sql.one(
                "SELECT * FROM payment_links WHERE dossier_id = ? AND status = 'open' "
                "ORDER BY created_at DESC LIMIT 1",
                (dossier_id,),
            )
        )

    def close_payment_link(self, token: str, status: str, at: datetime) -> None:
        self.sql.execute(
            "UPDATE payment_links SET status = ?, closed_at = ? WHERE token = ?",
            (status, iso(at), token),
        )


def _link(row: dict[str, Any] | None) -> PaymentLink | None:
    if row is None:
        return None
    row["created_at"] = datetime.fromisoformat(row["created_at"])
    if row["closed_at"] is not None:
        row["closed_at"] = datetime.fromisoformat(row["closed_at"])
    return PaymentLink(**row)


def _invoice_filters(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    date_column: str = "issue_date",
    **equal: Any,
) -> tuple[list[str], list[Any]]:
    where, params = _equal(**equal)
    if date_from is not None:
        where.append(f"{date_column} >= ?")
        params.append(date_from.isoformat())
    if date_to is not None:
        where.append(f"{date_column} < ?")
        params.append(date_to.isoformat())
    return where, params


def _invoice(row: dict[str, Any]) -> Invoice:
    row["data"] = json.loads(row["data"])
    return Invoice.model_validate(row)
