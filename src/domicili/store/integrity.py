"""What ``audit verify`` reads besides the log: invoices, series, statuses, signatures, blobs.

Every read is streamed or asked by batches, so that memory stays flat on a database
with years of history.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ._base import StoreBase

__all__ = ["IntegrityStore"]

#: How many keys one ``IN (…)`` asks for (under every engine's parameter limit).
CHUNK = 500

_INVOICE_COLUMNS = (
    "id, provider_id, number, kind, total_ht_cents, total_vat_cents, total_ttc_cents, pdf_sha256"
)


class IntegrityStore(StoreBase):
    """The reads of ``audit verify`` beyond the event chain."""

    def first_keyed_event(self) -> int:
        """The first event whose hash is an HMAC (schema 11); the ones before are SHA-256."""
        return int(self.sql.value("SELECT min(first_keyed_event) FROM audit_chain") or 1)

    def invoices_by_key(self, keys: Sequence[tuple[int | None, str]]) -> list[dict[str, Any]]:
        """The invoices of these ``(provider_id, number)`` pairs (one indexed lookup each)."""
        found: list[dict[str, Any]] = []
        unique = sorted(set(keys), key=str)
        half = CHUNK // 2
        for start in range(0, len(unique), half):
            part = unique[start : start + half]
            where = " OR ".join(["(provider_id = ? AND number = ?)"] * len(part))
            params = tuple(value for pair in part for value in pair)
            found += self.sql.all(f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE {where}", params)
        return found

    def count_rows(self, table: str) -> int:
        assert table in {"invoices", "signatures"}, table
        return int(self.sql.value(f"SELECT count(*) FROM {table}") or 0)

    def invoice_keys(self) -> Iterator[tuple[int, int, str]]:
        """``(id, provider_id, number)`` of every invoice, in id order."""
        yield from self.sql.stream("SELECT id, provider_id, number FROM invoices ORDER BY id")

    def invoice_series_summary(self) -> list[tuple[int, str, int, int, int, int]]:
        """Per series: provider, series, invoices, lowest and highest sequence, and the
        last number the series handed out."""
        return self.sql.rows(
            "SELECT s.provider_id, s.series, count(i.sequence), coalesce(min(i.sequence), 0), "
            "coalesce(max(i.sequence), 0), s.last_number FROM invoice_series s "
            f"LEFT JOIN ({_NUMBERED}) i ON i.provider_id = s.provider_id AND i.series = s.series "
            "GROUP BY s.provider_id, s.series, s.last_number ORDER BY s.provider_id, s.series"
        )

    def invoice_sequences(self, provider_id: int, series: str) -> list[int]:
        return [
            int(r[0])
            for r in self.sql.rows(
                f"SELECT sequence FROM ({_NUMBERED}) i WHERE provider_id = ? AND series = ? "
                "ORDER BY sequence",
                (provider_id, series),
            )
        ]

    def signatures_of(self, dossier_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The signature rows of these dossiers, as stored."""
        found: list[dict[str, Any]] = []
        unique = sorted(set(dossier_ids))
        for start in range(0, len(unique), CHUNK):
            part = unique[start : start + CHUNK]
            marks = ", ".join("?" * len(part))
            found += self.sql.all(
                f"SELECT * FROM signatures WHERE dossier_id IN ({marks})", tuple(part)
            )
        return found

    def signature_keys(self) -> Iterator[tuple[int, int, str]]:
        """``(id, dossier_id, party)`` of every signature, in id order."""
        yield from self.sql.stream("SELECT id, dossier_id, party FROM signatures ORDER BY id")

    def dossier_status_events(self) -> Iterator[tuple[int, str, int | None, str | None, str]]:
        """Each dossier's status beside its last status event: ``(dossier_id, status,
        event_id, event_type, event_data)`` (event columns None when there is none)."""
        yield from self.sql.stream(
            "SELECT d.id, d.status, e.id, e.type, coalesce(e.data, '') FROM dossiers d "
            "LEFT JOIN events e ON e.id = (SELECT max(x.id) FROM events x "
            "WHERE x.dossier_id = d.id AND (x.type = 'dossier.created' "
            "OR (x.type LIKE 'dossier.%' AND x.data LIKE '%\"to\":%'))) ORDER BY d.id"
        )

    def blob_hashes(self) -> Iterator[str]:
        """The SHA-256 of every stored file the database names."""
        for (digest,) in self.sql.stream("SELECT sha256 FROM blobs ORDER BY sha256"):
            yield str(digest)


#: Every number a series handed out: its invoices, and the invoices of the running
#: contract issued whose document is still being made (a billing run stopped between).
_NUMBERED = (
    "SELECT provider_id, series, sequence FROM invoices UNION ALL "
    "SELECT provider_id, series, sequence FROM receivables WHERE invoice_id IS NULL"
)
