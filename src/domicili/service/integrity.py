"""The records ``audit verify`` checks against the log: invoices and their series,
dossier statuses, signatures, and the stored files against their SHA-256.

The events are the reference: an invoice must carry the number, totals and PDF hash
its ``*.issued`` event recorded; a signature the party and contract hash (and, since
schema 11, the digest of the whole row) of its ``contract.signed`` event; a dossier the
status its last status event set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..files import file_sha256
from ..i18n import _
from ..records import EventLink, to_json
from ..statuses import INITIAL, Status

if TYPE_CHECKING:
    from .audit import AuditReport
    from .context import Context

__all__ = ["RecordChecks", "check_files", "check_series", "check_statuses", "signature_digest"]

ISSUED = ("invoice.issued", "credit_note.issued")
SIGNED = "contract.signed"
#: Events looked up together (one query per kind per batch).
BATCH = 500
#: The invoice fields an issuing event records (the totals HT and VAT since schema 11).
INVOICE_FIELDS = ("total_ht_cents", "total_vat_cents", "total_ttc_cents", "pdf_sha256")


def signature_digest(row: dict[str, Any]) -> str:
    """The SHA-256 of a signature row as stored (all but its id), kept in its event."""
    return hashlib.sha256(to_json({k: v for k, v in row.items() if k != "id"}).encode()).hexdigest()


def _data(link: EventLink) -> dict[str, Any]:
    try:
        data = json.loads(link.data_json)
    except ValueError:
        return {}  # an altered event; the chain check names it
    return data if isinstance(data, dict) else {}


class RecordChecks:
    """Fed every event of the log in order: checks, by batches, the invoice each
    ``*.issued`` event issued and the signature each ``contract.signed`` recorded."""

    def __init__(self, ctx: Context, report: AuditReport) -> None:
        self.ctx, self.report = ctx, report
        self._issued: list[tuple[EventLink, dict[str, Any]]] = []
        self._signed: list[tuple[EventLink, dict[str, Any]]] = []
        self.invoices_matched = self.signatures_matched = 0

    def see(self, link: EventLink) -> None:
        if link.type in ISSUED:
            self._issued.append((link, _data(link)))
        elif link.type == SIGNED:
            self._signed.append((link, _data(link)))
        if len(self._issued) >= BATCH or len(self._signed) >= BATCH:
            self._flush()

    def finish(self) -> None:
        self._flush()
        store = self.ctx.store
        if store.count_rows("invoices") > self.invoices_matched:
            self._unissued_invoices()
        if store.count_rows("signatures") > self.signatures_matched:
            self._unrecorded_signatures()

    def _flush(self) -> None:
        issued, self._issued = self._issued, []
        signed, self._signed = self._signed, []
        if issued:
            keys = [(link.provider_id, str(data.get("number"))) for link, data in issued]
            rows = self.ctx.store.invoices_by_key(keys)
            invoices = {(r["provider_id"], r["number"]): r for r in rows}
            for link, data in issued:
                self._check_invoice(
                    link, data, invoices.get((link.provider_id, data.get("number")))
                )
        if signed:
            found = self.ctx.store.signatures_of([int(e.dossier_id or 0) for e, _d in signed])
            signatures = {(r["dossier_id"], r["party"]): r for r in found}
            for link, data in signed:
                self._check_signature(
                    link, data, signatures.get((link.dossier_id, data.get("party")))
                )

    def _check_invoice(
        self, link: EventLink, data: dict[str, Any], row: dict[str, Any] | None
    ) -> None:
        number = data.get("number")
        if row is None:
            self.report.add(
                "invoice",
                _(
                    "Invoice {number} of provider {provider_id}, issued by event {id}, is "
                    "missing: it was deleted."
                ).format(number=number, provider_id=link.provider_id, id=link.id),
                event_id=link.id,
            )
            return
        self.invoices_matched += 1
        changed = [
            f"{name} {row[name]} (issued: {data[name]})"
            for name in INVOICE_FIELDS
            if name in data and str(row[name]) != str(data[name])
        ]
        if link.type != f"{row['kind']}.issued":
            changed.append(f"kind {row['kind']} (issued: {link.type.split('.')[0]})")
        if changed:
            self.report.add(
                "invoice",
                _(
                    "Invoice {number} of provider {provider_id} does not match event {id} "
                    "that issued it: {listed}."
                ).format(
                    number=number,
                    provider_id=link.provider_id,
                    id=link.id,
                    listed=", ".join(changed),
                ),
                event_id=link.id,
            )

    def _check_signature(
        self, link: EventLink, data: dict[str, Any], row: dict[str, Any] | None
    ) -> None:
        party = data.get("party")
        where = _("The {party}'s signature of dossier {dossier_id}").format(
            party=party, dossier_id=link.dossier_id
        )
        if row is None:
            self.report.add(
                "signature",
                _("{where}, recorded by event {id}, is missing: it was deleted.").format(
                    where=where, id=link.id
                ),
                event_id=link.id,
            )
            return
        self.signatures_matched += 1
        if row["document_sha256"] != data.get("sha256"):
            problem = _("it binds {row}…, not the contract signed").format(
                row=str(row["document_sha256"])[:12]
            )
        elif "record" in data and signature_digest(row) != data["record"]:
            problem = _("the signature row was edited after it was recorded")
        else:
            return
        self.report.add(
            "signature",
            _("{where} does not match event {id}: {problem}.").format(
                where=where, id=link.id, problem=problem
            ),
            event_id=link.id,
        )

    def _unissued_invoices(self) -> None:
        """Invoices no event issued (only looked for when the counts differ)."""
        rows = self.ctx.store.invoice_keys()
        for invoice_id, provider_id, number in self._unmatched(
            ISSUED, "provider_id", "number", rows
        ):
            self.report.add(
                "invoice",
                _(
                    "Invoice {number} of provider {provider_id} (id {invoice_id}) was issued "
                    "by no event: it was inserted by hand."
                ).format(number=number, provider_id=provider_id, invoice_id=invoice_id),
            )

    def _unrecorded_signatures(self) -> None:
        rows = self.ctx.store.signature_keys()
        for signature_id, dossier_id, party in self._unmatched(
            (SIGNED,), "dossier_id", "party", rows
        ):
            self.report.add(
                "signature",
                _(
                    "The {party}'s signature of dossier {dossier_id} (id {signature_id}) was "
                    "recorded by no event: it was inserted by hand."
                ).format(party=party, dossier_id=dossier_id, signature_id=signature_id),
            )

    def _unmatched(
        self, types: tuple[str, ...], owner: str, name: str, rows: Iterator[tuple[int, int, str]]
    ) -> list[tuple[int, int, str]]:
        """The ``(id, owner, value)`` rows that no event of ``types`` names by ``owner``
        and its ``name`` field: a second pass, only when the counts differ."""
        named = {
            (getattr(link, owner), _data(link).get(name))
            for link in self.ctx.store.iter_event_links()
            if link.type in types
        }
        return [row for row in rows if (row[1], row[2]) not in named]


def check_series(ctx: Context, report: AuditReport) -> None:
    """Each series numbered 1, 2, 3… without a gap, up to the last number handed out."""
    for provider_id, series, count, low, high, last in ctx.store.invoice_series_summary():
        if count == high == last and low in (1, 0):
            continue
        where = _("Series {series} of provider {provider_id}").format(
            series=series, provider_id=provider_id
        )
        if high > last:
            report.add(
                "series",
                _(
                    "{where} holds numbers past the last one it handed out ({last}): "
                    "invoices were inserted by hand."
                ).format(where=where, last=last),
            )
        present = set(ctx.store.invoice_sequences(provider_id, series))
        missing = [n for n in range(1, last + 1) if n not in present]
        if missing:
            shown = ", ".join(str(n) for n in missing[:10]) + (" …" if len(missing) > 10 else "")
            report.add(
                "series",
                _(
                    "{where} has a gap: number(s) {shown} of 1 to {last} are missing "
                    "(invoices deleted)."
                ).format(where=where, shown=shown, last=last),
            )


def check_statuses(ctx: Context, report: AuditReport) -> None:
    """Each dossier's status is the one its last status event set."""
    for dossier_id, status, event_id, event_type, data_json in ctx.store.dossier_status_events():
        if event_id is None:
            report.add(
                "dossier",
                _(
                    "Dossier {dossier_id} has no creation or status event: it was inserted by hand."
                ).format(dossier_id=dossier_id),
            )
            continue
        if event_type == "dossier.created":
            expected: object = INITIAL.code
        else:
            try:
                expected = json.loads(data_json).get("to")
            except (ValueError, AttributeError):
                continue  # an altered event; the chain check names it
        try:
            actual = Status(status).code
        except ValueError:
            actual = str(status)
        if actual != expected:
            report.add(
                "dossier",
                _(
                    "Dossier {dossier_id} is {actual} in the database, but its last status "
                    "event (event {event_id}) set it to {expected}: its status was changed "
                    "by hand."
                ).format(
                    dossier_id=dossier_id, actual=actual, event_id=event_id, expected=expected
                ),
                event_id=event_id,
            )


def check_files(ctx: Context, report: AuditReport) -> None:
    """Each stored file the database names is there, with the bytes of its SHA-256."""
    for digest in ctx.store.blob_hashes():
        path = ctx.files.path(digest)
        actual = file_sha256(path)
        if actual is None:
            report.add(
                "file",
                _("The stored file {path} (SHA-256 {digest}…) is missing.").format(
                    path=path, digest=digest[:12]
                ),
            )
        elif actual != digest:
            report.add(
                "file",
                _(
                    "The stored file {path} (SHA-256 {digest}…) was changed: its bytes now "
                    "hash to {actual}…."
                ).format(path=path, digest=digest[:12], actual=actual[:12]),
            )
