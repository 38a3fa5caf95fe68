"""Held payments: money received that could not be applied, kept until staff resolve it.

Whatever a verified payment event says, money received is never out of sight: a
succeeded event that cannot pay its dossier (wrong amount or currency, dossier not
awaiting payment) or that names no dossier of this session (none named, one that does
not exist, another provider's) becomes a *held* payment, with its adapter, ids,
amount, currency and the reason. The provider is told by email; when the payment
matches no provider, the operator is (``[payment] operator_email``), or nobody when no
address is configured, which the outcome says.

Staff then resolve each held payment once: :func:`apply_held` to a dossier awaiting
exactly that amount in euros (the effects of a payment: invoice, contract sent…), or
:func:`refund_held` once the bank has paid it back (no money moves in domicili).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..clock import paris_date
from ..errors import InvalidInput, PaymentNotFound, PaymentRefused
from ..french import format_money, numeric_date_fr, payment_method_fr
from ..i18n import _
from ..models import Dossier, Payment
from ..ports import PaymentEvent
from .context import Context
from .payments import PaymentOutcome, hold_reason, save_payment, settle

__all__ = ["apply_held", "hold", "refund_held"]

#: The longest bank reference of a refund (a SEPA remittance information is 140).
MAX_REFERENCE = 140


def hold(
    ctx: Context,
    event: PaymentEvent,
    dossier: Dossier | None,
    existing: Payment | None,
    reasons: tuple[str, str] | None = None,
) -> PaymentOutcome:
    """Keep the money an event reports as a held payment, log it and tell who must act.

    ``reasons`` is (for staff, in English; for the email, in French); for an event
    that names no dossier of this session it is worked out here.
    """
    reason, motif = reasons or _unmatched_reason(ctx, event)
    payment = save_payment(ctx, event, dossier, "held", reason, existing)
    assert payment.id is not None
    ctx.event(
        "payment.held",
        dossier,
        {
            "payment_id": payment.id,
            "reason": reason,
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
            "adapter": event.adapter,
            "event_id": event.event_id,
            "external_id": event.external_id,
        },
        provider_id=payment.provider_id,
    )
    notified = _tell(ctx, payment, dossier, motif)
    if notified is None:
        told = _("no operator address is configured (payment.operator_email), so nobody was told")
    elif payment.provider_id is None:
        told = _("the operator ({address}) was told").format(address=notified)
    else:
        told = _("the provider ({address}) was told").format(address=notified)
    return PaymentOutcome(
        "held",
        _(
            "Payment not applied: {reason}; kept as held payment {payment_id} for review; {told}."
        ).format(reason=reason, payment_id=payment.id, told=told),
        payment.dossier_id,
        payment.id,
        notified=notified,
    )


def _unmatched_reason(ctx: Context, event: PaymentEvent) -> tuple[str, str]:
    """Why an event names no dossier this session can apply it to (the same words for a
    dossier that does not exist and for another provider's: nothing is disclosed)."""
    number = event.dossier_id
    if number is None:
        return _("no dossier is named"), "aucun dossier n'est indiqué"
    if ctx.provider_scope is not None:
        return (
            _("dossier {number} is not one of this provider's").format(number=number),
            f"le dossier n° {number} n'est pas l'un des vôtres",
        )
    staff = _("dossier {number} does not exist").format(number=number)
    return staff, f"le dossier n° {number} n'existe pas"


def _tell(ctx: Context, payment: Payment, dossier: Dossier | None, motif: str) -> str | None:
    """Queue the email about a held payment; the address, or None when there is nobody."""
    details: dict[str, Any] = {
        "payment_id": payment.id,
        "reason": motif,
        "amount": format_money(payment.amount_cents, payment.currency),
        "method": payment_method_fr(payment.method),
        "reference": payment.reference,
    }
    if dossier is not None:
        to = ctx.provider(dossier.provider_id).email
        client = ctx.client(dossier.client_id)
        ctx.notify("payment_held", "email", to, dossier=dossier, client=client, **details)
        return to
    if payment.provider_id is not None:
        to = ctx.provider(payment.provider_id).email
    elif ctx.settings.payment.operator_email is not None:
        to = ctx.settings.payment.operator_email
    else:
        return None
    ctx.notify(
        "payment_unmatched",
        "email",
        to,
        provider_id=payment.provider_id,
        adapter=payment.adapter,
        external_id=payment.external_id,
        **details,
    )
    return to


# -- resolution by staff -------------------------------------------------------------
def _unresolved(ctx: Context, payment_id: int) -> Payment:
    """The held payment ``payment_id`` of this session; refused once resolved."""
    payment = ctx.store.get_payment(payment_id, ctx.provider_scope)
    if payment is None:
        raise PaymentNotFound(payment_id)
    if payment.status == "held":
        return payment
    when = numeric_date_fr(paris_date(payment.resolved_at)) if payment.resolved_at else None
    if payment.status == "refunded":
        text = _(
            "Payment {payment_id} was already refunded on {when} (bank reference "
            "{refund_reference}); nothing changed."
        ).format(payment_id=payment_id, when=when, refund_reference=payment.refund_reference)
    elif when is not None:
        text = _(
            "Payment {payment_id} was already applied to dossier {dossier_id} on "
            "{when}; nothing changed."
        ).format(payment_id=payment_id, dossier_id=payment.dossier_id, when=when)
    else:
        text = _(
            "Payment {payment_id} is {status}, not held: only a held payment can be "
            "applied or refunded."
        ).format(payment_id=payment_id, status=payment.status)
    raise PaymentRefused(text, dossier_id=payment.dossier_id, payment_id=payment_id)


def apply_held(ctx: Context, payment_id: int, dossier_id: int) -> PaymentOutcome:
    """Apply a held payment to a dossier awaiting exactly that amount in euros: from
    then on it is that dossier's first payment (invoice, contract sent for signature)."""
    with ctx.store.transaction():
        payment = _unresolved(ctx, payment_id)
        dossier = ctx.dossier(dossier_id)
        if payment.provider_id is not None and payment.provider_id != dossier.provider_id:
            raise PaymentRefused(
                _(
                    "Payment {payment_id} was received for provider {provider_id}: it can "
                    "only pay one of that provider's dossiers, not dossier {dossier_id}; "
                    "nothing changed."
                ).format(
                    payment_id=payment_id, provider_id=payment.provider_id, dossier_id=dossier_id
                ),
                dossier_id=dossier_id,
                payment_id=payment_id,
            )
        reasons = hold_reason(dossier, payment.amount_cents, payment.currency)
        if reasons is not None:
            raise PaymentRefused(
                _(
                    "Payment {payment_id} cannot pay dossier {dossier_id}: {reasons}; "
                    "nothing changed."
                ).format(payment_id=payment_id, dossier_id=dossier_id, reasons=reasons[0]),
                dossier_id=dossier_id,
                amount_cents=payment.amount_cents,
                due_cents=dossier.amount_due_cents,
                payment_id=payment_id,
            )
        now = ctx.now()
        applied = {
            "dossier_id": dossier_id,
            "provider_id": dossier.provider_id,
            "status": "succeeded",
            "resolved_at": now,
        }
        ctx.store.update_payment(payment_id, **applied, updated_at=now)
        ctx.event(
            "payment.applied",
            dossier,
            {
                "payment_id": payment_id,
                "amount_cents": payment.amount_cents,
                "held_because": payment.review_reason,
            },
        )
        outcome = settle(ctx, payment.model_copy(update=applied), dossier)
    return replace(
        outcome,
        message=_(
            "Held payment {payment_id} applied to dossier {dossier_id}: invoice "
            "{invoice_number} issued, contract sent to both parties for signature."
        ).format(
            payment_id=payment_id, dossier_id=dossier_id, invoice_number=outcome.invoice_number
        ),
    )


def refund_held(ctx: Context, payment_id: int, reference: str) -> Payment:
    """Mark a held payment refunded: the bank paid it back (``reference`` is the bank's);
    no money moves in domicili."""
    ref = " ".join(reference.split())
    if not ref:
        raise InvalidInput(
            _("The bank's reference of the refund is required; nothing changed."),
            field="reference",
            value=reference,
        )
    if len(ref) > MAX_REFERENCE:
        raise InvalidInput(
            _(
                "The bank's reference of the refund is {count} characters long; at most "
                "{MAX_REFERENCE} are kept. Nothing changed."
            ).format(count=len(ref), MAX_REFERENCE=MAX_REFERENCE),
            field="reference",
            value=reference,
            limit=MAX_REFERENCE,
        )
    with ctx.store.transaction():
        payment = _unresolved(ctx, payment_id)
        now = ctx.now()
        refunded = {"status": "refunded", "refund_reference": ref, "resolved_at": now}
        ctx.store.update_payment(payment_id, **refunded, updated_at=now)
        dossier = (
            ctx.store.get_dossier(payment.dossier_id, ctx.provider_scope)
            if payment.dossier_id is not None
            else None
        )
        ctx.event(
            "payment.refunded",
            dossier,
            {
                "payment_id": payment_id,
                "reference": ref,
                "amount_cents": payment.amount_cents,
                "currency": payment.currency,
            },
            provider_id=payment.provider_id,
        )
    return payment.model_copy(update={**refunded, "updated_at": now})
