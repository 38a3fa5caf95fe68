"""Recurring billing: each period of a contract in force invoiced, in advance.

A billing run works in two passes, each safe to stop at any moment:

1. **Issue.** For every contract in force, each period its offer bills (monthly,
   quarterly or yearly, anchored on the first day of the domiciliation) that opens by
   the end of the month billed and is not billed yet gets a receivable: the invoice's
   number is allocated and its content fixed, in one transaction per contract. A
   contract's periods are unique (``dossier_id, period_start``), so a second run issues
   nothing twice, and a run stopped half-way rolls back the contract it was on: no gap
   in the series, no duplicate.
2. **Documents.** Each receivable issued whose invoice is not made yet gets it: the
   Factur-X PDF rendered from the content fixed in pass 1, the invoice recorded, the
   client sent it with how it will be paid (the direct-debit date under a mandate, else
   the bank details), one transaction each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import paris_date
from ..errors import InvalidInput, Refused
from ..french import format_eur, numeric_date_fr
from ..i18n import _
from ..models import TRUSTED, Dossier, Provider, Receivable
from ..money import vat_rule_for_departement
from ..ports import CardGateway
from ..statuses import STATUSES, Status
from .context import Context
from .invoices import _allocate, invoice_data, period_lines
from .paperwork import dossier_offer

if TYPE_CHECKING:
    from ..cards import Card
    from ..mandates import Mandate
    from ..records import ContractToBill

__all__ = [
    "BillingReport",
    "count_in_force",
    "make_documents",
    "month_bounds",
    "periods_due",
    "run",
]

#: Contracts read per query while issuing.
BATCH = 500


@dataclass
class BillingReport:
    """What one billing run did: the month billed, the invoices issued (numbers), the
    documents made, and the contracts it could not bill (and why)."""

    period: str
    issued: list[str] = field(default_factory=list)
    documents: int = 0
    to_collect_by_debit: int = 0
    to_charge_to_card: int = 0
    to_pay_by_transfer: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "issued": len(self.issued),
            "numbers": self.issued,
            "documents": self.documents,
            "to_collect_by_debit": self.to_collect_by_debit,
            "to_charge_to_card": self.to_charge_to_card,
            "to_pay_by_transfer": self.to_pay_by_transfer,
            "skipped": [{"dossier_id": d, "reason": r} for d, r in self.skipped],
        }


def month_bounds(period: str | None, today: date) -> tuple[date, date]:
    """``"2026-04"`` → (1 April 2026, 30 April 2026); None: the current month. A month
    after the next one is refused: invoices are issued in advance, not that far."""
    if period is None:
        first = today.replace(day=1)
    else:
        try:
            year, month = (int(part) for part in period.split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise InvalidInput(
                _("{value} is not a month such as 2026-04.").format(value=repr(period)),
                field="period",
                value=period,
            ) from None
    following = _next_month(today.replace(day=1))
    if first > following:
        raise Refused(
            _(
                "{month} is too far ahead: invoices are issued at most one month in "
                "advance (up to {following})."
            ).format(month=first.strftime("%Y-%m"), following=following.strftime("%Y-%m"))
        )
    return first, _next_month(first) - timedelta(days=1)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def periods_due(
    start: date, months: int, billed_to: date | None, through: date
) -> list[tuple[date, date]]:
    """The periods of ``months`` anchored on ``start`` that open after ``billed_to``
    (the end of the last period billed) and by ``through``: (first day, last day)."""
    from ..documents.contract import add_months

    due: list[tuple[date, date]] = []
    k = 0
    while True:
        opens = add_months(start, k * months)
        if opens > through:
            return due
        if billed_to is None or opens > billed_to:
            due.append((opens, add_months(start, (k + 1) * months) - timedelta(days=1)))
        k += 1


def count_in_force(ctx: Context) -> int:
    """How many contracts are in force (of the provider in scope): what a run looks at."""
    counts = ctx.store.count_dossiers_by_status(ctx.provider_scope)
    return sum(n for status, n in counts.items() if STATUSES[Status(status)].in_force)


def run(
    ctx: Context,
    *,
    period: str | None = None,
    documents: bool = True,
    progress: Callable[[int], None] | None = None,
    after_each: Callable[[Context], object] | None = None,
) -> BillingReport:
    """Bill the month ``period`` (``YYYY-MM``; None: the current one) to every contract
    in force: pass 1 issues what is due, pass 2 (unless ``documents`` is False) makes the
    documents of every receivable issued without one, this run's or a stopped one's.
    ``progress`` is told of each contract looked at; ``after_each`` runs after each
    transaction (the delivery of what it queued)."""
    today = paris_date(ctx.now())
    first, last = month_bounds(period, today)
    report = BillingReport(period=first.strftime("%Y-%m"))
    in_force = [s.value for s, row in STATUSES.items() if row.in_force]
    run = _Run(today, last, report, cards=isinstance(ctx.payments, CardGateway))
    after = 0
    while True:
        batch = ctx.store.contracts_to_bill(
            in_force, started_by=last, provider_id=ctx.provider_scope, after_id=after, limit=BATCH
        )
        for contract in batch:
            if contract.billed_to is None or contract.billed_to < last:  # else nothing due
                _bill_contract(ctx, contract, run)
            if progress is not None:
                progress(1)
        if len(batch) < BATCH:
            break
        after = batch[-1].dossier_id
    if report.issued:
        with ctx.store.transaction():
            ctx.event(
                "billing.run",
                data={"period": report.period, "issued": len(report.issued)},
                provider_id=ctx.provider_scope,
            )
    if documents:
        make_documents(ctx, report, after_each=after_each)
    return report


@dataclass
class _Run:
    """What one run reads once: each provider, the dossiers it collects by debit, whether
    its series' last date was checked against today's."""

    today: date
    through: date
    report: BillingReport
    providers: dict[int, Provider] = field(default_factory=dict)
    mandated: dict[int, set[int]] = field(default_factory=dict)
    carded: dict[int, set[int]] = field(default_factory=dict)
    ordered: set[int] = field(default_factory=set)
    #: Whether the payment gateway charges saved cards.
    cards: bool = False

    def provider(self, ctx: Context, provider_id: int) -> Provider:
        if provider_id not in self.providers:
            self.providers[provider_id] = ctx.provider(provider_id)
            self.mandated[provider_id] = ctx.store.dossiers_with_mandate(provider_id)
            self.carded[provider_id] = (
                ctx.store.dossiers_with_card(provider_id) if self.cards else set()
            )
        return self.providers[provider_id]

    def mandate(self, ctx: Context, provider: Provider, dossier_id: int) -> Mandate | None:
        """The mandate the dossier's next invoice is debited under, if any: the provider
        can collect (creditor identifier and account), and a one-off mandate collects one
        invoice only."""
        if dossier_id not in self.mandated.get(provider.id or 0, ()):
            return None
        if not (provider.creditor_identifier and provider.iban):
            return None
        mandate = ctx.store.active_mandate(dossier_id)
        if mandate is None or not mandate.one_off:
            return mandate
        billed = ctx.store.mandate_reference_billed(provider.id or 0, mandate.reference)
        return None if billed else mandate

    def card(self, ctx: Context, provider: Provider, dossier_id: int, day: date) -> Card | None:
        """The card the dossier's next invoice is charged to on ``day``, if any."""
        if dossier_id not in self.carded.get(provider.id or 0, ()):
            return None
        card = ctx.store.active_card(dossier_id)
        return None if card is None or card.expires_before(day) else card


def _bill_contract(ctx: Context, contract: ContractToBill, run: _Run) -> None:
    try:
        with ctx.store.transaction():
            dossier = ctx.store.get_dossier(contract.dossier_id)
            if dossier is None or not dossier.status.in_force:
                return  # changed since the query
            provider = run.provider(ctx, dossier.provider_id)
            offer = dossier_offer(ctx, dossier, provider)
            months = offer.period_months
            for opens, closes in periods_due(
                contract.start_date, months, contract.billed_to, run.through
            ):
                run.report.issued.append(_issue(ctx, dossier, provider, offer, opens, closes, run))
    except (InvalidInput, Refused) as exc:
        run.report.skipped.append((contract.dossier_id, str(exc)))


def _issue(
    ctx: Context,
    dossier: Dossier,
    provider: Provider,
    offer: Any,
    opens: date,
    closes: date,
    run: _Run,
) -> str:
    """One period's receivable: its number allocated, its invoice's content fixed."""
    assert dossier.id is not None
    assert provider.id is not None
    today = run.today
    client = ctx.client(dossier.client_id)
    rule = vat_rule_for_departement(provider.departement or "")
    number, series, seq = _allocate(
        ctx, provider.id, today, check_order=provider.id not in run.ordered
    )
    run.ordered.add(provider.id)
    due = max(opens, today)
    mandate = run.mandate(ctx, provider, dossier.id)
    card = None if mandate is not None else run.card(ctx, provider, dossier.id, due)
    direct_debit = card_charge = None
    if mandate is not None:
        from ..documents import DirectDebit
        from ..documents.data import DIRECT_DEBIT_MEANS

        # The invoice is the debit's pre-notification: it names the day and the mandate.
        days = ctx.settings.billing.prenotification_days
        due = max(due, today + timedelta(days=days))
        means = DIRECT_DEBIT_MEANS
        direct_debit = DirectDebit.model_validate(
            {
                "mandate_reference": mandate.reference,
                "creditor_identifier": provider.creditor_identifier,
                "debtor_iban": mandate.iban,
                "collection_date": due,
            },
            context=TRUSTED,  # the mandate's and the provider's, checked when recorded
        )
    elif card is not None:
        from ..documents import CardCharge
        from ..documents.data import CARD_MEANS

        means = CARD_MEANS
        card_charge = CardCharge(card_label=card.label(), last4=card.last4, collection_date=due)
    else:
        means = transfer_means(provider, dossier, due)
    data = invoice_data(
        ctx,
        provider,
        client,
        number=number,
        issue_date=today,
        due_date=due,
        lines=[
            *period_lines(ctx, offer, rule.rate_bp, opens),
            *(
                line
                for source in ctx.line_items
                for line in source.lines(dossier, opens, closes, rule.rate_bp)
            ),
        ],
        payment_means=means,
        direct_debit=direct_debit,
        card_charge=card_charge,
    )
    ctx.store.insert_receivable(
        Receivable.model_construct(  # every value here is one domicili made and checked
            provider_id=provider.id,
            dossier_id=dossier.id,
            period_start=opens,
            period_end=closes,
            number=number,
            series=series,
            sequence=seq,
            issue_date=today,
            due_date=due,
            amount_cents=data.total_ttc_cents,
            collection="sepa" if mandate else "card" if card else "transfer",
            collection_date=due if mandate or card else None,
            mandate_reference=mandate.reference if mandate is not None else None,
            sequence_type=mandate.sequence if mandate is not None else None,
            card_id=card.id if card is not None else None,
            data=data.model_dump(mode="json"),
            created_at=ctx.now(),
        )
    )
    return number


def transfer_means(provider: Provider, dossier: Dossier, due: date) -> str:
    """How an invoice paid by the client's transfer says it is paid."""
    if provider.iban:
        return f"virement bancaire avant le {numeric_date_fr(due)}, référence {dossier.reference}"
    return f"à régler avant le {numeric_date_fr(due)}, référence {dossier.reference}"


def make_documents(
    ctx: Context,
    report: BillingReport | None = None,
    *,
    after_each: Callable[[Context], object] | None = None,
) -> int:
    """Make the invoice of every receivable issued without one (in issue order), each
    in its own transaction, and send it to the client. Returns how many were made."""
    made, after = 0, 0
    while True:
        waiting = ctx.store.receivables_without_invoice(
            provider_id=ctx.provider_scope, after_id=after
        )
        for receivable in waiting:
            _document(ctx, receivable, report)
            made += 1
            if after_each is not None:
                after_each(ctx)
        if not waiting:
            return made
        after = waiting[-1].id or 0


def _document(ctx: Context, receivable: Receivable, report: BillingReport | None) -> None:
    from ..documents import InvoiceData
    from .dossiers import payment_instructions
    from .invoices import _store

    assert receivable.id is not None
    with ctx.store.transaction():
        fresh = ctx.store.get_receivable(receivable_id=receivable.id)
        if fresh is None or fresh.invoice_id is not None:
            return  # made by another run meanwhile
        dossier = ctx.store.get_dossier(receivable.dossier_id)
        assert dossier is not None
        data = InvoiceData.model_validate(receivable.data, context=TRUSTED)  # as issued
        invoice = _store(
            ctx,
            data,
            provider_id=receivable.provider_id,
            series=receivable.series,
            seq=receivable.sequence,
            dossier=dossier,
        )
        ctx.store.update_receivable(receivable.id, invoice_id=invoice.id)
        provider = ctx.provider(dossier.provider_id)
        client = ctx.client(dossier.client_id)
        from ..models import Attachment

        ctx.notify(
            "invoice_issued",
            "email",
            client.email,
            dossier=dossier,
            attachments=[
                Attachment(filename=f"facture-{invoice.number}.pdf", sha256=invoice.pdf_sha256)
            ],
            client=client,
            provider=provider,
            invoice=invoice,
            period_start=numeric_date_fr(receivable.period_start),
            period_end=numeric_date_fr(receivable.period_end),
            amount=format_eur(receivable.amount_cents),
            due_date=numeric_date_fr(receivable.due_date),
            collection=receivable.collection,
            collection_date=(
                numeric_date_fr(receivable.collection_date) if receivable.collection_date else ""
            ),
            mandate_reference=receivable.mandate_reference,
            card=_card_label(data),
            payment_instructions=payment_instructions(provider, dossier),
        )
    if report is not None:
        report.documents += 1
        if receivable.collection == "sepa":
            report.to_collect_by_debit += 1
        elif receivable.collection == "card":
            report.to_charge_to_card += 1
        else:
            report.to_pay_by_transfer += 1


def _card_label(data: Any) -> str:
    charge = data.card_charge
    return charge.card_label if charge is not None else ""
