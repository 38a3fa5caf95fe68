"""What becomes of each invoice of the running contract: paid (a transfer staff record,
a direct debit collected on its day), or unpaid (a debit the bank sent back), and the
dossier's mail service resumed once nothing suspends it any more."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..clock import paris_date
from ..errors import InvoiceNotFound, Refused
from ..french import numeric_date_fr
from ..i18n import _
from ..models import Payment, Receivable
from .context import Context

__all__ = [
    "collect_due_debits",
    "find_receivable",
    "list_receivables",
    "mark_paid",
    "record_paid",
    "resume_if_cleared",
]


def find_receivable(ctx: Context, number: str) -> Receivable:
    """The receivable of invoice ``number`` (of the provider in scope)."""
    receivable = ctx.store.get_receivable(number=number.strip(), provider_id=ctx.provider_scope)
    if receivable is None:
        raise InvoiceNotFound(number)
    return receivable


def list_receivables(
    ctx: Context,
    *,
    dossier_id: int | None = None,
    unpaid: bool = False,
    limit: int | None = None,
    before: int | None = None,
) -> Iterator[Receivable]:
    """The invoices of the running contracts newest first; ``unpaid``: those open or
    returned only."""
    from .views import check_page

    limit, before = check_page(limit, before)
    if dossier_id is not None:
        ctx.dossier(dossier_id)
    return ctx.store.list_receivables(
        provider_id=ctx.provider_scope if dossier_id is None else None,
        dossier_id=dossier_id,
        states=("open", "unpaid") if unpaid else (),
        before=before,
        limit=limit,
    )


def record_paid(
    ctx: Context,
    number: str,
    *,
    method: str = "transfer",
    reference: str | None = None,
    on: date | None = None,
) -> Receivable:
    """Staff record the payment of invoice ``number`` (a transfer, a cheque…): it is paid,
    its dunning stops, and the dossier's mail service resumes when nothing else suspends
    it. An invoice already paid is refused."""
    with ctx.store.transaction():
        receivable = find_receivable(ctx, number)
        if receivable.state == "paid":
            raise Refused(
                _("Invoice {number} is already paid ({day}).").format(
                    number=receivable.number,
                    day=numeric_date_fr(receivable.paid_at or ctx.now()),
                ),
                dossier_id=receivable.dossier_id,
            )
        mark_paid(ctx, receivable, adapter="manual", method=method, reference=reference, on=on)
        refreshed = ctx.store.get_receivable(receivable_id=receivable.id)
        assert refreshed is not None
        return refreshed


def mark_paid(
    ctx: Context,
    receivable: Receivable,
    *,
    adapter: str,
    method: str,
    reference: str | None,
    on: date | None = None,
    external_id: str | None = None,
    existing: Payment | None = None,
) -> None:
    """An invoice of the running contract paid (inside the caller's transaction): its
    payment recorded (``existing``: the one under way, now succeeded), the invoice paid,
    the dossier's mail service resumed when nothing else suspends it."""
    assert receivable.id is not None
    now = ctx.now()
    if existing is not None and existing.id is not None:
        payment_id = existing.id
        ctx.store.update_payment(
            payment_id,
            status="succeeded",
            review_reason=None,
            invoice_id=receivable.invoice_id,
            updated_at=now,
        )
    else:
        payment = Payment(
            dossier_id=receivable.dossier_id,
            provider_id=receivable.provider_id,
            adapter=adapter,
            method=method,
            external_id=external_id or (receivable.end_to_end_id if adapter == "sepa" else None),
            amount_cents=receivable.amount_cents,
            status="succeeded",
            reference=reference,
            invoice_id=receivable.invoice_id,
            created_at=now,
            updated_at=now,
        )
        payment_id = ctx.store.insert_payment(payment)
    ctx.store.update_receivable(receivable.id, state="paid", paid_at=now, payment_id=payment_id)
    dossier = ctx.dossier(receivable.dossier_id)
    ctx.event(
        "invoice.paid",
        dossier,
        {
            "number": receivable.number,
            "amount_cents": receivable.amount_cents,
            "method": method,
            "on": (on or paris_date(now)).isoformat(),
            "late": receivable.dunning_step > 0 or receivable.state == "unpaid",
        },
    )
    resume_if_cleared(ctx, receivable.dossier_id)


def resume_if_cleared(ctx: Context, dossier_id: int) -> None:
    """Resume a dossier's mail service once no invoice of it still suspends it: the
    mail held meanwhile is released, and the client told."""
    dossier = ctx.dossier(dossier_id)
    if dossier.mail_suspended_at is None:
        return
    from .dunning import suspends

    if any(
        suspends(ctx, r)
        for r in ctx.store.list_receivables(dossier_id=dossier_id, states=("open", "unpaid"))
    ):
        return
    ctx.store.set_mail_suspended(dossier_id, None)
    ctx.event("dossier.mail_resumed", dossier, {})
    from .mail_sweep import release_suspended

    release_suspended(ctx, dossier)


def collect_due_debits(ctx: Context, today: date) -> list[str]:
    """Direct debits presented in a file whose collection day has come: paid (a later
    return makes them unpaid again). The numbers of the invoices paid."""
    paid: list[str] = []
    after = 0
    while True:
        due = ctx.store.receivables_due(
            due_by=today, provider_id=ctx.provider_scope, after_id=after
        )
        for receivable in due:
            exported = receivable.collection == "sepa" and receivable.export_id is not None
            day = receivable.collection_date
            if receivable.state == "open" and exported and day is not None and day <= today:
                with ctx.store.transaction():
                    mark_paid(
                        ctx,
                        receivable,
                        adapter="sepa",
                        method="sepa_debit",
                        reference=receivable.end_to_end_id,
                        on=day,
                    )
                    mandate = ctx.store.active_mandate(receivable.dossier_id)
                    if mandate is not None and mandate.first_collected_on is None:
                        from .mandates import mark_first_collection

                        mark_first_collection(ctx, mandate.id or 0, day)
                paid.append(receivable.number)
        if len(due) < 500:
            return paid
        after = due[-1].id or 0
