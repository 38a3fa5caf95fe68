"""The running contract's billing: receivables, direct-debit files, returns."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from ..clock import iso
from ..models import Receivable
from ..records import ContractToBill
from ..records import to_json as _json
from ._base import StoreBase
from ._rows import _equal

__all__ = ["ReceivableStore"]


class ReceivableStore(StoreBase):
    """Receivables, the direct-debit files written and the returns applied."""

    # -- billing ----------------------------------------------------------------
    def contracts_to_bill(
        self,
        statuses: Sequence[str],
        *,
        started_by: date,
        provider_id: int | None = None,
        after_id: int = 0,
        limit: int = 500,
    ) -> list[ContractToBill]:
        """Dossiers in one of ``statuses`` that started by ``started_by``, in id order
        after ``after_id``, each with the end of the last period billed (by a receivable
        or, for its first period, by the invoice of its first payment)."""
        marks = ", ".join("?" * len(statuses))
        scope, params = ("AND d.provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.rows(
            "SELECT d.id, d.provider_id, d.start_date, "
            "(SELECT max(r.period_end) FROM receivables r WHERE r.dossier_id = d.id), "
            "(SELECT max(i.period_end) FROM invoices i "
            "WHERE i.dossier_id = d.id AND i.kind = 'invoice') "
            f"FROM dossiers d WHERE d.status IN ({marks}) AND d.start_date IS NOT NULL "
            f"AND d.start_date <= ? AND d.id > ? {scope}ORDER BY d.id LIMIT ?",
            (*statuses, started_by.isoformat(), after_id, *params, limit),
        )
        found = []
        for dossier_id, provider, start, billed, invoiced in rows:
            ends = [date.fromisoformat(d) for d in (billed, invoiced) if d]
            start_date = date.fromisoformat(start)
            billed_to = max(ends) if ends else None
            found.append(ContractToBill(int(dossier_id), int(provider), start_date, billed_to))
        return found

    def insert_receivable(self, receivable: Receivable) -> int:
        row = receivable.model_dump(exclude={"id"}, mode="json")
        row["data"] = _json(receivable.data)
        return self.sql.insert("receivables", row)

    def receivables_without_invoice(
        self, *, provider_id: int | None = None, after_id: int = 0, limit: int = 100
    ) -> list[Receivable]:
        """Receivables issued whose invoice document is not made yet, in issue order."""
        scope, params = ("AND provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.all(
            f"SELECT * FROM receivables WHERE invoice_id IS NULL AND id > ? {scope}"
            "ORDER BY id LIMIT ?",
            (after_id, *params, limit),
        )
        return [_receivable(r) for r in rows]

    def update_receivable(self, receivable_id: int, **fields: Any) -> None:
        """Set the named columns of one receivable (dates and times as ISO text)."""
        values = {k: _column(v) for k, v in fields.items()}
        sets = ", ".join(f"{k} = ?" for k in values)
        self.sql.execute(
            f"UPDATE receivables SET {sets} WHERE id = ?", (*values.values(), receivable_id)
        )

    def get_receivable(
        self, *, receivable_id: int | None = None, number: str | None = None, **equal: Any
    ) -> Receivable | None:
        where, params = _equal(id=receivable_id, number=number, **equal)
        row = self.sql.one(f"SELECT * FROM receivables WHERE {' AND '.join(where)}", params)
        return None if row is None else _receivable(row)

    def list_receivables(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        states: Sequence[str] = (),
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Receivable]:
        """Receivables newest first, below ``before`` when given, read in batches."""
        where, params = _equal(provider_id=provider_id, dossier_id=dossier_id)
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        rows = self._newest_first(
            "SELECT * FROM receivables", where, params, before=before, limit=limit, few=bool(states)
        )
        return (_receivable(r) for r in rows)

    def receivables_due(
        self, *, due_by: date, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[Receivable]:
        """Receivables not paid (open or unpaid) due by ``due_by``, in id order: what
        collection and dunning look at."""
        scope, params = ("AND provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.all(
            "SELECT * FROM receivables WHERE state IN ('open', 'unpaid') AND due_date <= ? "
            f"AND id > ? {scope}ORDER BY id LIMIT ?",
            (due_by.isoformat(), after_id, *params, limit),
        )
        return [_receivable(r) for r in rows]

    def receivable_covering(self, dossier_id: int, day: date) -> Receivable | None:
        """The receivable of the period ``day`` falls in (None: not billed that way)."""
        row = self.sql.one(
            "SELECT * FROM receivables WHERE dossier_id = ? AND period_start <= ? "
            "AND period_end >= ?",
            (dossier_id, day.isoformat(), day.isoformat()),
        )
        return None if row is None else _receivable(row)

    def set_mail_suspended(self, dossier_id: int, since: datetime | None) -> None:
        """Suspend (``since``) or resume (None) a dossier's mail service."""
        self.sql.execute(
            "UPDATE dossiers SET mail_suspended_at = ? WHERE id = ?",
            (iso(since) if since else None, dossier_id),
        )

    # -- direct-debit files -----------------------------------------------------
    def sepa_debits_to_export(
        self, provider_id: int, *, collected_from: date, collected_to: date
    ) -> list[Receivable]:
        """Open SEPA receivables of a provider to present between the two days (the
        second excluded), not in a file since they were last presented."""
        rows = self.sql.all(
            "SELECT * FROM receivables WHERE provider_id = ? AND collection = 'sepa' "
            "AND state = 'open' AND export_id IS NULL AND invoice_id IS NOT NULL "
            "AND collection_date >= ? AND collection_date < ? ORDER BY id",
            (provider_id, collected_from.isoformat(), collected_to.isoformat()),
        )
        return [_receivable(r) for r in rows]

    def providers_with_debits(self, *, collected_from: date, collected_to: date) -> list[int]:
        """The providers with SEPA debits to export between the two days (the second
        excluded)."""
        rows = self.sql.rows(
            "SELECT DISTINCT provider_id FROM receivables WHERE collection = 'sepa' "
            "AND state = 'open' AND export_id IS NULL AND invoice_id IS NOT NULL "
            "AND collection_date >= ? AND collection_date < ? ORDER BY provider_id",
            (collected_from.isoformat(), collected_to.isoformat()),
        )
        return [int(r[0]) for r in rows]

    def insert_sepa_export(self, row: dict[str, Any]) -> int:
        return self.sql.insert("sepa_exports", row)

    def sepa_exports(self, provider_id: int | None, period: str) -> list[dict[str, Any]]:
        """The direct-debit files written for a month (of one provider when named)."""
        where, params = _equal(provider_id=provider_id, period=period)
        return self.sql.all(
            f"SELECT * FROM sepa_exports WHERE {' AND '.join(where)} ORDER BY id", params
        )

    def mark_exported(self, export_id: int, debits: Sequence[tuple[int, str]]) -> None:
        """Each (receivable id, end-to-end id) presented once more in file ``export_id``."""
        self.sql.executemany(
            "UPDATE receivables SET export_id = ?, end_to_end_id = ?, "
            "presentations = presentations + 1 WHERE id = ?",
            [(export_id, e2e, receivable_id) for receivable_id, e2e in debits],
        )

    # -- returns ----------------------------------------------------------------
    def sepa_return_file(self, *, sha256: str, message_id: str) -> dict[str, Any] | None:
        """A returns file applied before (same bytes, or the same message id)."""
        return self.sql.one(
            "SELECT * FROM sepa_returns WHERE sha256 = ? OR message_id = ?", (sha256, message_id)
        )

    def insert_sepa_return(self, row: dict[str, Any]) -> int:
        return self.sql.insert("sepa_returns", row)

    def receivables_by_end_to_end(
        self, end_to_end_ids: Sequence[str], provider_id: int | None = None
    ) -> dict[str, Receivable]:
        """end-to-end id → its receivable, for those known (of one provider when named)."""
        found: dict[str, Receivable] = {}
        wanted = sorted(set(end_to_end_ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            scope, params = ("AND provider_id = ?", [provider_id]) if provider_id else ("", [])
            rows = self.sql.all(
                f"SELECT * FROM receivables WHERE end_to_end_id IN ({', '.join('?' * len(chunk))}) "
                f"{scope}",
                (*chunk, *params),
            )
            found.update((str(r["end_to_end_id"]), _receivable(r)) for r in rows)
        return found

    def insert_receivable_return(self, row: dict[str, Any]) -> int:
        return self.sql.insert("receivable_returns", row)


def _column(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _receivable(row: dict[str, Any]) -> Receivable:
    row["data"] = json.loads(row["data"])
    return Receivable.model_validate(row)
