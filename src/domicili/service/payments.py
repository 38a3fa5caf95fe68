"""The first payment: whatever its source, applied once, never lost.

Every adapter event is remembered by ``(adapter, event_id)``, so a replayed webhook
changes nothing; a payment is one row per ``(adapter, external_id)``, so several
events about the same payment (processing, then succeeded) never make two. A
succeeded payment that cannot be applied — wrong amount or currency, dossier no longer
awaiting payment, already paid, no dossier named or none found — is kept as ``held``
for staff to review (:mod:`.held`), with a message to the provider or the operator; it
is never silently applied or dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

from ..clock import paris_date
from ..errors import PaymentRefused
from ..french import format_eur, payment_method_fr
from ..i18n import N_, _
from ..models import Dossier, Payment
from ..ports import PaymentEvent
from .context import Context
from .dossiers import _notify_client

__all__ = [
    "PaymentOutcome",
    "handle_payment_event",
    "receive_webhook",
    "record_manual",
    "save_payment",
    "settle",
    "simulate_checkout",
]

Outcome = Literal["applied", "pending", "failed", "held", "duplicate", "ignored"]


@dataclass(frozen=True)
class PaymentOutcome:
    """What became of a payment event; ``message`` is a sentence for people.

    ``outcome``: ``applied`` (invoice issued, contract sent), ``pending``, ``failed``,
    ``held`` (received but not applicable: kept as payment ``payment_id`` for review,
    ``notified`` told), ``duplicate`` (already handled) or ``ignored`` (an event type
    not used, or a failure or payment in progress naming no dossier: no money moved).
    """

    outcome: Outcome
    message: str
    dossier_id: int | None = None
    payment_id: int | None = None
    invoice_number: str | None = None
    #: The address told of a held payment (the provider's, or the operator's); None when
    #: nobody was (no operator address configured).
    notified: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def handle_payment_event(ctx: Context, event: PaymentEvent) -> PaymentOutcome:
    """Apply one adapter event in one transaction (idempotent)."""
    with ctx.store.transaction():
        now = ctx.now()
        if not ctx.store.record_payment_event(
            event.adapter, event.event_id, event.kind, now, "received"
        ):
            return PaymentOutcome(
                "duplicate",
                _("Event {event_id} was already handled; nothing changed.").format(
                    event_id=event.event_id
                ),
                event.dossier_id,
            )
        outcome = _apply(ctx, event)
        if outcome.outcome == "ignored":
            # Not seen for good: the same event can still be applied where its dossier is
            # known (another provider's scope); the audit log keeps the trace.
            ctx.store.forget_payment_event(event.adapter, event.event_id)
        else:
            ctx.store.set_payment_event_outcome(event.adapter, event.event_id, outcome.outcome)
    return outcome


def _apply(ctx: Context, event: PaymentEvent) -> PaymentOutcome:
    if event.receivable_id is not None:  # a card charge for an invoice of the contract
        from .cards import apply_charge_event

        return apply_charge_event(ctx, event)
    existing = (
        ctx.store.payment_by_external_id(event.adapter, event.external_id)
        if event.external_id
        else None
    )
    # A payment already known (in progress, say) is its dossier's even if this event
    # about it names none.
    dossier_id = event.dossier_id
    if dossier_id is None and existing is not None:
        dossier_id = existing.dossier_id
    dossier = (
        ctx.store.get_dossier(dossier_id, ctx.provider_scope) if dossier_id is not None else None
    )
    if dossier is None or dossier.id is None:
        return _unmatched(ctx, event, existing)
    if existing is not None and existing.dossier_id != dossier.id:
        # Never name (nor change) a payment of another dossier, maybe another provider's.
        return PaymentOutcome(
            "duplicate",
            _("This payment is already recorded for another dossier; nothing changed."),
            dossier.id,
        )
    if existing is not None and existing.status in SETTLED:
        return already_recorded(existing, dossier.id)
    if event.kind == "processing":
        return _processing(ctx, event, dossier, existing)
    if event.kind == "failed":
        return _failed(ctx, event, dossier, existing)
    return _succeeded(ctx, event, dossier, existing)


#: The states of a payment that another event about it no longer changes.
SETTLED = ("succeeded", "held", "refunded")


def already_recorded(existing: Payment, dossier_id: int | None) -> PaymentOutcome:
    """The outcome of an event about a payment already settled: nothing changes."""
    return PaymentOutcome(
        "duplicate",
        _("Payment {id} is already recorded ({status}); nothing changed.").format(
            id=existing.id, status=existing.status
        ),
        dossier_id,
        existing.id,
    )


def _unmatched(ctx: Context, event: PaymentEvent, existing: Payment | None) -> PaymentOutcome:
    """An event naming no dossier of this session: money received is held; a failure or
    a payment in progress (no money yet) is only written in the audit log."""
    from .held import hold

    if existing is not None:
        seen = ctx.provider_scope is None or existing.provider_id == ctx.provider_scope
        return PaymentOutcome(
            "duplicate",
            _("This payment is already recorded; nothing changed."),
            payment_id=existing.id if seen else None,
        )
    if event.kind == "succeeded":
        return hold(ctx, event, None, None)
    ctx.event(
        "payment.unmatched",
        data={
            "adapter": event.adapter,
            "event_id": event.event_id,
            "kind": event.kind,
            "amount_cents": event.amount_cents,
        },
        provider_id=ctx.provider_scope,
    )
    return PaymentOutcome(
        "ignored",
        _(
            "Event {event_id} ({kind}) names no dossier of this provider and moves "
            "no money; it is recorded in the audit log."
        ).format(event_id=event.event_id, kind=event.kind),
    )


def _processing(
    ctx: Context, event: PaymentEvent, dossier: Dossier, existing: Payment | None
) -> PaymentOutcome:
    if existing is not None:
        return PaymentOutcome(
            "duplicate",
            _("Payment {id} is already known.").format(id=existing.id),
            dossier.id,
            existing.id,
        )
    payment = save_payment(ctx, event, dossier, "pending", None, existing)
    ctx.event(
        "payment.pending",
        dossier,
        {"payment_id": payment.id, "amount_cents": event.amount_cents},
    )
    return PaymentOutcome(
        "pending",
        _("Payment in progress (e.g. a SEPA debit); the dossier moves on when it is confirmed."),
        dossier.id,
        payment.id,
    )


def _failed(
    ctx: Context, event: PaymentEvent, dossier: Dossier, existing: Payment | None
) -> PaymentOutcome:
    payment = save_payment(ctx, event, dossier, "failed", event.failure_reason, existing)
    ctx.event("payment.failed", dossier, {"payment_id": payment.id, "reason": event.failure_reason})
    if dossier.status.first_payment_due:
        # The adapter's own words (often English) stay in the audit log and the payment
        # for staff; the client reads one French sentence.
        told = "votre banque a refusé le paiement" if event.failure_reason else None
        _notify_client(ctx, dossier, "payment_failed", sms=True, failure_reason=told)
    return PaymentOutcome(
        "failed",
        _("Payment failed; the client may retry before the deadline."),
        dossier.id,
        payment.id,
    )


def save_payment(
    ctx: Context,
    event: PaymentEvent,
    dossier: Dossier | None,
    status: str,
    reason: str | None,
    existing: Payment | None,
) -> Payment:
    """The payment an event reports, inserted or (same external id) updated. Without a
    dossier it belongs to the provider in scope, or to none (the operator's)."""
    now = ctx.now()
    if existing is not None and existing.id is not None:
        changed = {
            "status": status,
            "review_reason": reason,
            "amount_cents": event.amount_cents,
            "currency": event.currency,
        }
        ctx.store.update_payment(existing.id, **changed, updated_at=now)
        return existing.model_copy(update=changed)
    payment = Payment(
        dossier_id=dossier.id if dossier else None,
        provider_id=dossier.provider_id if dossier else ctx.provider_scope,
        adapter=event.adapter,
        method=event.method,
        external_id=event.external_id,
        event_id=event.event_id,
        amount_cents=event.amount_cents,
        currency=event.currency,
        status=status,
        reference=event.reference,
        review_reason=reason,
        created_at=now,
        updated_at=now,
    )
    payment.id = ctx.store.insert_payment(payment)
    return payment


def hold_reason(dossier: Dossier, amount_cents: int, currency: str) -> tuple[str, str] | None:
    """Why a payment cannot pay a dossier: (for staff, in the reader's language; for the
    client's email, in French)."""
    if currency != "EUR":
        staff = _("paid in {currency}, not in euros").format(currency=currency)
        return staff, f"paiement en {currency} et non en euros"
    status = dossier.status
    if not status.first_payment_due:
        if status.first_payment_received:
            return (
                _("the dossier is already paid ({code} {label})").format(
                    code=status.code, label=status.label
                ),
                f"le dossier est déjà payé ({status.code} {status.label})",
            )
        return (
            _("the dossier is {code} {label}").format(code=status.code, label=status.label),
            f"le dossier est au statut {status.code} ({status.label})",
        )
    if amount_cents != dossier.amount_due_cents:
        received, due = format_eur(amount_cents), format_eur(dossier.amount_due_cents)
        staff = _("{received} received but {due} is due").format(received=received, due=due)
        return staff, f"{received} reçus alors que {due} sont dus"
    return None


def _succeeded(
    ctx: Context, event: PaymentEvent, dossier: Dossier, existing: Payment | None
) -> PaymentOutcome:
    from .held import hold

    assert dossier.id is not None
    reasons = hold_reason(dossier, event.amount_cents, event.currency)
    if reasons is not None:
        return hold(ctx, event, dossier, existing, reasons)
    payment = save_payment(ctx, event, dossier, "succeeded", None, existing)
    outcome = settle(ctx, payment, dossier)
    if event.card is not None:  # saved by the client for the next invoices
        from .cards import save_card

        save_card(ctx, dossier, event.adapter, event.card)
    return outcome


def settle(ctx: Context, payment: Payment, dossier: Dossier) -> PaymentOutcome:
    """What a first payment does: the invoice issued (paid), the link closed, the dossier
    paid (S3) and the contract sent to both parties for signature."""
    from .invoices import issue_invoice
    from .signatures import send_contract

    assert dossier.id is not None
    assert payment.id is not None
    start = paris_date(ctx.now())
    means = payment_method_fr(payment.method)
    invoice = issue_invoice(ctx, dossier.id, period_start=start, paid=True, payment_means=means)
    ctx.store.update_payment(payment.id, invoice_id=invoice.id, updated_at=ctx.now())
    link = ctx.store.open_payment_link(dossier.id)
    if link is not None:
        ctx.store.close_payment_link(
            link.token, "paid" if link.token == payment.reference else "closed", ctx.now()
        )
    ctx.move(dossier, "pay", start_date=start)
    send_contract(
        ctx,
        dossier,
        invoice_number=invoice.number,
        amount_paid=payment.amount_cents,
        invoice_sha256=invoice.pdf_sha256,
    )
    return PaymentOutcome(
        "applied",
        _(
            "Payment of {amount_cents} applied: invoice {number} issued, contract "
            "sent to both parties for signature."
        ).format(amount_cents=format_eur(payment.amount_cents), number=invoice.number),
        dossier.id,
        payment.id,
        invoice.number,
    )


def record_manual(
    ctx: Context,
    dossier_id: int,
    *,
    method: str,
    amount_cents: int | None = None,
    reference: str | None = None,
) -> PaymentOutcome:
    """Staff record a transfer, cheque, card or cash payment.

    A wrong amount is refused outright (nothing recorded: fix the figure). A payment
    for a dossier that no longer awaits it is kept for review.
    """
    dossier = ctx.dossier(dossier_id)
    amount = dossier.amount_due_cents if amount_cents is None else amount_cents
    if dossier.status.first_payment_due and amount != dossier.amount_due_cents:
        raise PaymentRefused(
            _(
                "Dossier {dossier_id}: {amount} does not match the {amount_due_cents} "
                "due; nothing was recorded."
            ).format(
                dossier_id=dossier_id,
                amount=format_eur(amount),
                amount_due_cents=format_eur(dossier.amount_due_cents),
            ),
            dossier_id=dossier_id,
            amount_cents=amount,
            due_cents=dossier.amount_due_cents,
        )
    event = ctx.payments.manual_payment(dossier_id, amount, method, reference)
    return handle_payment_event(ctx, event)


#: What became of a card-payment link, as a refusal says it.
LINK_STATES = {
    "paid": N_("paid already"),
    "replaced": N_("replaced by a newer link"),
    "closed": N_("closed"),
    "expired": N_("expired"),
}


def simulate_checkout(
    ctx: Context, token: str, *, succeed: bool, save_card: bool = False
) -> PaymentOutcome:
    """Pay (or fail to pay) an online-payment link, as the gateway's card form would;
    ``save_card``: the client ticks the box that keeps the card for the next invoices."""
    link = ctx.store.payment_link(token.strip())
    if link is not None and ctx.store.get_dossier(link.dossier_id, ctx.provider_scope) is None:
        link = None  # another provider's link is not found in a scoped session
    if link is None:
        raise PaymentRefused(
            _("No payment link {token}; the acceptance email shows it.").format(token=token)
        )
    if link.status != "open":
        raise PaymentRefused(
            _(
                "Payment link {token} is {status}: it takes no payment; the latest email "
                "of the dossier has the current link."
            ).format(token=token, status=_(LINK_STATES.get(link.status, link.status)))
        )
    amount = link.amount_cents
    if save_card:
        event = ctx.payments.simulate(
            link.token, link.dossier_id, amount, succeed=succeed, save_card=True
        )
    else:  # a gateway written before cards were saved takes no such argument
        event = ctx.payments.simulate(link.token, link.dossier_id, amount, succeed=succeed)
    return handle_payment_event(ctx, event)


def receive_webhook(ctx: Context, payload: bytes, headers: Mapping[str, str]) -> PaymentOutcome:
    """Verify and apply a notification the payment gateway's service posted."""
    event = ctx.payments.parse_webhook(payload, headers, ctx.now())
    if event is None:
        return PaymentOutcome("ignored", _("Event type not used by domicili; nothing changed."))
    return handle_payment_event(ctx, event)


def list_payments(
    ctx: Context,
    *,
    status: str | None = None,
    dossier_id: int | None = None,
    limit: int | None = None,
    before: int | None = None,
) -> Iterator[Payment]:
    """Payments, newest first, read as they are consumed; ``before``: ids below it."""
    from .views import check_page

    limit, before = check_page(limit, before)
    if dossier_id is not None:
        ctx.dossier(dossier_id)
    return ctx.store.payments(
        dossier_id=dossier_id,
        provider_id=ctx.provider_scope,
        status=status,
        before=before,
        limit=limit,
    )
