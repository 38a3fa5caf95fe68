"""Invoices: gapless numbering, immutable records, credit notes, accountant exports.

The number is allocated inside the issuing transaction (``BEGIN IMMEDIATE``): two
processes issuing at once queue on the lock, and an issue that fails rolls its
number back with everything else, so the series never has a gap or a duplicate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..annuaire import service_labels
from ..einvoicing import hand_off_after_commit
from ..errors import ConfigError, InvalidInput, InvoiceNotFound, Refused
from ..french import decimal_fr, numeric_date_fr
from ..i18n import _
from ..models import Client, Dossier, Invoice, Offer, Provider, printable
from ..money import vat_rule_for_departement
from .context import Context
from .paperwork import client_data, dossier_offer, provider_data

if TYPE_CHECKING:
    from ..documents import CardCharge, DirectDebit, InvoiceData, InvoiceLine

__all__ = [
    "ExportReport",
    "credit_note",
    "export",
    "find_invoice",
    "invoice_data",
    "invoice_pdf",
    "issue_invoice",
    "list_invoices",
    "period_end",
    "period_lines",
]


def format_number(pattern: str, *, year: int, seq: int) -> str:
    try:
        if "{seq" not in pattern:
            raise ValueError(_("no {seq}: every invoice would get the same number"))
        return pattern.format(year=year, seq=seq)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            _(
                "invoices.number_format {pattern} is not usable ({exc}); use {{year}} "
                "and {{seq}}, e.g. F{{year}}-{{seq:06d}}."
            ).format(pattern=repr(pattern), exc=exc)
        ) from None


def _series(pattern: str, year: int) -> str:
    """The series a number belongs to: one per year when the format shows the year."""
    return str(year) if "{year" in pattern else "all"


def period_end(start: date, months: int) -> date:
    """The last day of a period of ``months`` starting on ``start``."""
    from ..documents.contract import add_months

    return add_months(start, months) - timedelta(days=1)


def _allocate(
    ctx: Context, provider_id: int, issue_date: date, *, check_order: bool = True
) -> tuple[str, str, int]:
    """The next number of the provider's series; refused when the series' last invoice
    is dated after ``issue_date`` (``check_order`` False: the caller checked it on this
    day already, a billing run numbering many invoices at once)."""
    pattern = ctx.settings.invoices.number_format
    series = _series(pattern, issue_date.year)
    last = ctx.store.last_invoice_date(provider_id, series) if check_order else None
    if last is not None and issue_date < last:
        raise Refused(
            _(
                "The last invoice of this series is dated {last}, after today "
                "({issue_date}): numbers must follow the dates. Check the clock "
                "(DOMICILI_NOW)."
            ).format(last=numeric_date_fr(last), issue_date=numeric_date_fr(issue_date))
        )
    seq = ctx.store.next_invoice_sequence(provider_id, series)
    return format_number(pattern, year=issue_date.year, seq=seq), series, seq


def _store(
    ctx: Context,
    data: InvoiceData,
    *,
    provider_id: int,
    series: str,
    seq: int,
    dossier: Dossier | None,
    credited: Invoice | None = None,
    reason: str | None = None,
) -> Invoice:
    from ..documents import render_invoice

    templates = ctx.settings.templates.dir
    pdf = render_invoice(data, template_dir=templates / "documents" if templates else None)
    stored = ctx.files.put(pdf, filename=f"{data.number}.pdf")
    ctx.store.record_blob(stored.sha256, stored.size, stored.content_type, ctx.now())
    periods = [line for line in data.lines if line.period_start]
    invoice = Invoice(
        provider_id=provider_id,
        number=data.number,
        series=series,
        sequence=seq,
        kind=data.kind,
        dossier_id=dossier.id if dossier else None,
        client_id=dossier.client_id if dossier else None,
        issue_date=data.issue_date,
        # The record keeps a date: a credit note takes effect on its issue date.
        due_date=data.due_date or data.issue_date,
        period_start=periods[0].period_start if periods else None,
        period_end=periods[0].period_end if periods else None,
        total_ht_cents=data.total_ht_cents,
        total_vat_cents=data.total_vat_cents,
        total_ttc_cents=data.total_ttc_cents,
        credited_invoice_id=credited.id if credited else None,
        reason=reason,
        data=data.model_dump(mode="json"),
        pdf_sha256=stored.sha256,
        created_at=ctx.now(),
    )
    invoice.id = ctx.store.insert_invoice(invoice)
    hand_off_after_commit(ctx, invoice)  # to the e-invoicing platform, once committed
    ctx.event(
        f"{data.kind}.issued",
        dossier,
        {
            "number": invoice.number,
            "total_ht_cents": invoice.total_ht_cents,
            "total_vat_cents": invoice.total_vat_cents,
            "total_ttc_cents": invoice.total_ttc_cents,
            "pdf_sha256": invoice.pdf_sha256,
        },
        provider_id=provider_id,
    )
    return invoice


def issue_invoice(
    ctx: Context,
    dossier_id: int,
    *,
    period_start: date,
    lines: list[InvoiceLine] | None = None,
    paid: bool = False,
    payment_means: str | None = None,
) -> Invoice:
    """Issue the invoice of a dossier for the period starting on ``period_start``.

    Without ``lines``, bills one period of the dossier's offer, plus the setup fee on
    the dossier's first invoice. ``paid`` marks an invoice settled on issue (due today).
    Joins the caller's transaction when there is one.
    """

    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        if not dossier.status.may_be_invoiced:
            # Refused before a number of the gapless series is allocated.
            raise Refused(
                _("{where}: no invoice can be issued for it.").format(where=dossier.where),
                dossier_id=dossier_id,
                status=dossier.status,
            )
        provider = ctx.provider(dossier.provider_id)
        client = ctx.client(dossier.client_id)
        offer = dossier_offer(ctx, dossier, provider)
        rule = vat_rule_for_departement(provider.departement or "")
        if lines is None:
            lines = _offer_lines(ctx, dossier_id, offer, rule.rate_bp, period_start)
        from ..clock import paris_date

        today = paris_date(ctx.now())
        number, series, seq = _allocate(ctx, provider.id or 0, today)
        due = today if paid else today + timedelta(days=ctx.settings.invoices.payment_days)
        data = invoice_data(
            ctx,
            provider,
            client,
            number=number,
            issue_date=today,
            due_date=due,
            lines=lines,
            payment_means=payment_means or "virement bancaire",
            paid=paid,
        )
        return _store(
            ctx, data, provider_id=provider.id or 0, series=series, seq=seq, dossier=dossier
        )


def invoice_data(
    ctx: Context,
    provider: Provider,
    client: Client,
    *,
    number: str,
    issue_date: date,
    due_date: date,
    lines: list[InvoiceLine],
    payment_means: str,
    paid: bool = False,
    direct_debit: DirectDebit | None = None,
    card_charge: CardCharge | None = None,
) -> InvoiceData:
    """What an invoice of ``provider`` to ``client`` states (its document, its XML);
    ``direct_debit`` or ``card_charge``: how it is collected, which the invoice announces."""
    from ..documents import InvoiceData

    rule = vat_rule_for_departement(provider.departement or "")
    try:
        return InvoiceData(
            number=number,
            kind="invoice",
            issue_date=issue_date,
            due_date=due_date,
            seller=provider_data(provider),
            buyer=client_data(client, provider, for_invoice=True),
            lines=tuple(lines),
            vat=rule,
            penalty_rate_text=ctx.settings.invoices.penalty_rate_text,
            payment_means_text=payment_means,
            paid_on=issue_date if paid else None,
            direct_debit=direct_debit,
            card_charge=card_charge,
            issued_at=ctx.now(),
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ").rstrip(".")
        where = ".".join(str(p) for p in err["loc"]) or "lines"
        raise InvalidInput(f"Invoice {where}: {msg}.", field="lines") from None


def _offer_lines(
    ctx: Context, dossier_id: int, offer: Offer, vat_rate_bp: int, period_start: date
) -> list[InvoiceLine]:
    """One period of the dossier's offer, plus the setup fee on its first invoice."""
    from ..documents import InvoiceLine
    from ..documents.data import SETUP_FEE_LABEL

    lines = period_lines(ctx, offer, vat_rate_bp, period_start)
    first = not ctx.store.invoices(dossier_id=dossier_id)
    if first and offer.setup_fee_cents:
        lines.append(
            InvoiceLine(
                description=SETUP_FEE_LABEL,
                quantity=1,
                unit_price_ht_cents=offer.setup_fee_cents,
                vat_rate_bp=vat_rate_bp,
            )
        )
    return lines


def period_lines(
    ctx: Context, offer: Offer, vat_rate_bp: int, period_start: date
) -> list[InvoiceLine]:
    """The line billing one period of ``offer`` from ``period_start``."""
    from ..documents import InvoiceLine

    services = service_labels(offer.services, ctx.settings.service_vocabulary())
    return [
        InvoiceLine(
            description=f"Domiciliation commerciale — offre « {offer.name} » ({services})",
            period_start=period_start,
            period_end=period_end(period_start, offer.period_months),
            quantity=1,
            unit_price_ht_cents=offer.price_ht_cents,
            vat_rate_bp=vat_rate_bp,
        )
    ]


def find_invoice(ctx: Context, number: str) -> Invoice:
    found = ctx.store.invoices(provider_id=ctx.provider_scope, number=number.strip())
    if not found:
        raise InvoiceNotFound(number)
    if len(found) > 1:
        named = ", ".join(
            f"{p.id} ({p.name})" for p in (ctx.provider(i.provider_id) for i in found)
        )
        raise InvalidInput(
            _(
                "Invoice {number} exists at {count} providers, {named}: name the "
                "provider whose invoice it is."
            ).format(number=number.strip(), count=len(found), named=named),
            field="provider",
            value=number,
        )
    return found[0]


def list_invoices(
    ctx: Context,
    *,
    year: int | None = None,
    month: int | None = None,
    dossier_id: int | None = None,
    limit: int | None = None,
    before: int | None = None,
) -> Iterator[Invoice]:
    """Invoices and credit notes, newest first, read as they are consumed; ``before``:
    only ids below it (the next page)."""
    from .views import check_page

    start, end = _period(year, month)
    limit, before = check_page(limit, before)
    if dossier_id is not None:
        ctx.dossier(dossier_id)
    return ctx.store.list_invoices(
        provider_id=ctx.provider_scope,
        dossier_id=dossier_id,
        date_from=start,
        date_to=end,
        before=before,
        limit=limit,
    )


def _period(year: int | None, month: int | None) -> tuple[date | None, date | None]:
    if year is None:
        if month is not None:
            raise InvalidInput(_("year: a month is given without its year."), field="year")
        return None, None
    if month is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    if not 1 <= month <= 12:
        raise InvalidInput(
            _("month {month}: a month is 1 to 12.").format(month=month),
            field="month",
            value=month,
            limit=(1, 12),
        )
    return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)


def invoice_pdf(ctx: Context, number: str) -> bytes:
    """The PDF exactly as issued."""
    return ctx.files.read(find_invoice(ctx, number).pdf_sha256)


def credit_note(ctx: Context, number: str, reason: str) -> Invoice:
    """Cancel an invoice by a credit note (avoir) of the same amounts, in the same series."""
    from ..documents import InvoiceData

    if not reason or not reason.strip():
        raise InvalidInput(_("A credit note needs a reason."), field="reason", value=reason)
    try:
        printable(reason)
    except ValueError:
        raise InvalidInput(
            _("The reason is printed on the credit note: write it without control characters."),
            field="reason",
            value=reason,
        ) from None
    with ctx.store.transaction():
        original = find_invoice(ctx, number)
        if original.kind == "credit_note":
            raise Refused(
                _("{number} is a credit note; only an invoice can be credited.").format(
                    number=number
                )
            )
        if ctx.store.invoices(credited_invoice_id=original.id):
            raise Refused(
                _("Invoice {number} is already cancelled by a credit note.").format(number=number)
            )
        printed = InvoiceData.model_validate(original.data)
        from ..clock import paris_date

        today = paris_date(ctx.now())
        new_number, series, seq = _allocate(ctx, original.provider_id, today)
        data = printed.model_copy(
            update={
                "number": new_number,
                "kind": "credit_note",
                "issue_date": today,
                "due_date": None,
                "credited_invoice_number": original.number,
                "credited_invoice_date": original.issue_date,
                "credit_cancels_invoice": True,
                "credit_reason": reason.strip(),
                "payment_means_text": "remboursement ou imputation sur une prochaine facture",
                "paid_on": None,
                "direct_debit": None,  # an avoir announces no debit
                "card_charge": None,
                "issued_at": ctx.now(),
            }
        )
        data = InvoiceData.model_validate(data.model_dump())
        dossier = ctx.store.get_dossier(original.dossier_id) if original.dossier_id else None
        return _store(
            ctx,
            data,
            provider_id=original.provider_id,
            series=series,
            seq=seq,
            dossier=dossier,
            credited=original,
            reason=reason.strip(),
        )


@dataclass(frozen=True)
class ExportReport:
    """Where an export wrote its PDFs and CSV summary, and how many invoices."""

    folder: Path
    invoices: int
    summary: Path

    def as_dict(self) -> dict[str, object]:
        return {"folder": str(self.folder), "invoices": self.invoices, "summary": str(self.summary)}


def export(ctx: Context, folder: Path, *, year: int, month: int | None = None) -> ExportReport:
    """Every PDF of a period and a CSV summary (for the accountant)."""
    start, end = _period(year, month)
    found = ctx.store.invoices(provider_id=ctx.provider_scope, date_from=start, date_to=end)
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "numero",
            "type",
            "date",
            "echeance",
            "prestataire_id",
            "client",
            "client_siren",
            "total_ht",
            "tva",
            "total_ttc",
            "facture_annulee",
            "fichier",
        ]
    )
    # The numbers of the invoices the period's credit notes cancel, and only theirs.
    numbers = ctx.store.invoice_numbers(
        i.credited_invoice_id for i in found if i.credited_invoice_id is not None
    )
    for inv in found:
        name = f"{inv.number}.pdf" if ctx.provider_scope else f"{inv.provider_id}-{inv.number}.pdf"
        (folder / name).write_bytes(ctx.files.read(inv.pdf_sha256))
        buyer = inv.data.get("buyer", {})
        sign = -1 if inv.kind == "credit_note" else 1  # a credit note reduces the turnover
        writer.writerow(
            [
                inv.number,
                "avoir" if inv.kind == "credit_note" else "facture",
                inv.issue_date.isoformat(),
                inv.due_date.isoformat(),
                inv.provider_id,
                buyer.get("name", ""),
                buyer.get("siren") or "",
                decimal_fr(sign * inv.total_ht_cents),
                decimal_fr(sign * inv.total_vat_cents),
                decimal_fr(sign * inv.total_ttc_cents),
                numbers.get(inv.credited_invoice_id, "") if inv.credited_invoice_id else "",
                name,
            ]
        )
    label = f"{year}-{month:02d}" if month else str(year)
    summary = folder / f"factures-{label}.csv"
    summary.write_text(buffer.getvalue(), encoding="utf-8")
    return ExportReport(folder, len(found), summary)
