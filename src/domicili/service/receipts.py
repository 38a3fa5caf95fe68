"""Payments received in a month (encaissements), for the e-reporting of services.

Services are taxed on receipt in France unless the provider opted for VAT on its debits:
the VAT a month's payments carry is the VAT due for that month, and the reform's
e-reporting (transmission des données de paiement) asks for those payments. Each row is
one payment applied to an invoice, on the day (in Paris) it was received, with the part
of it that is VAT in proportion to the invoice it settles.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..clock import paris_date
from ..french import decimal_fr, payment_method_fr
from .context import Context

if TYPE_CHECKING:
    from ..models import Invoice, Payment

__all__ = ["Receipt", "receipts", "receipts_csv"]

#: The CSV's columns, in French for the accountant like the invoice export's.
COLUMNS = (
    "date_encaissement",
    "numero_facture",
    "client",
    "client_siren",
    "montant_ht",
    "tva",
    "montant_ttc",
    "moyen_de_paiement",
    "prestataire_id",
)


@dataclass(frozen=True)
class Receipt:
    """One payment received and applied to an invoice."""

    received_on: date
    invoice_number: str
    client: str
    client_siren: str | None
    ht_cents: int
    vat_cents: int
    ttc_cents: int
    #: How it was paid, in French (``virement``, ``carte bancaire``…).
    means: str
    provider_id: int

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["received_on"] = self.received_on.isoformat()
        return data


def receipts(ctx: Context, *, year: int, month: int) -> list[Receipt]:
    """The payments received in ``year``-``month`` (Paris dates), oldest first.

    Payments are read newest first and the reading stops at the first one received
    before the month: the cost follows the months since, not the whole history.
    """
    from .invoices import _period

    start, end = _period(year, month)  # a month out of 1–12 is refused in one sentence
    assert start is not None
    assert end is not None
    found: list[Receipt] = []
    for payment in ctx.store.payments(provider_id=ctx.provider_scope, status="succeeded"):
        received = paris_date(payment.created_at)
        if received < start:
            break
        if received >= end or payment.invoice_id is None:
            continue
        invoice = _invoice_of(ctx, payment)
        if invoice is not None:
            found.append(_receipt(payment, invoice, received))
    found.reverse()
    return found


def _invoice_of(ctx: Context, payment: Payment) -> Invoice | None:
    assert payment.invoice_id is not None
    number = ctx.store.invoice_numbers([payment.invoice_id]).get(payment.invoice_id)
    if number is None:
        return None
    matches = ctx.store.invoices(provider_id=payment.provider_id, number=number)
    return next((i for i in matches if i.id == payment.invoice_id), None)


def _receipt(payment: Payment, invoice: Invoice, received: date) -> Receipt:
    ttc = payment.amount_cents
    # The VAT in the payment, in proportion to the invoice's (all of it when paid in full).
    vat = (
        (2 * ttc * invoice.total_vat_cents + invoice.total_ttc_cents)
        // (2 * invoice.total_ttc_cents)
        if invoice.total_ttc_cents
        else 0
    )
    buyer = invoice.data.get("buyer", {})
    return Receipt(
        received_on=received,
        invoice_number=invoice.number,
        client=str(buyer.get("name", "")),
        client_siren=buyer.get("siren"),
        ht_cents=ttc - vat,
        vat_cents=vat,
        ttc_cents=ttc,
        means=payment_method_fr(payment.method),
        provider_id=invoice.provider_id,
    )


def receipts_csv(rows: list[Receipt]) -> str:
    """The receipts as CSV (``;``, amounts with a decimal comma), header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.received_on.isoformat(),
                row.invoice_number,
                row.client,
                row.client_siren or "",
                decimal_fr(row.ht_cents),
                decimal_fr(row.vat_cents),
                decimal_fr(row.ttc_cents),
                row.means,
                row.provider_id,
            ]
        )
    return buffer.getvalue()
