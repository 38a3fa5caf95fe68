"""Cards on file: the card a client saved at the payment service, charged for each
invoice of the running contract on its day.

A card is saved as the client pays with it and agrees to keep it (the payment service
reports it with the payment), or recorded by staff from the service's token. Each
invoice of a dossier with a card in use (and no SEPA mandate, which goes first) is
charged on its due day: the charge's key is written before the service is asked, so a
run stopped in between asks again with the same key and the service charges once.
A charge succeeded pays the invoice; a decline makes it unpaid with the decline code,
and dunning takes it from there (a new charge before each step when the code allows
it). The service's later notifications (webhooks) about a charge are applied the same
way, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..cards import Card, CardDetails
from ..clock import paris_date
from ..errors import AdapterError, CardNotFound, ConfigError, PaymentRefused, Refused
from ..i18n import _
from ..models import Dossier, Receivable
from ..ports import CardGateway, PaymentEvent
from .context import Context
from .errors import from_validation

if TYPE_CHECKING:
    from .payments import PaymentOutcome

__all__ = [
    "ChargeReport",
    "add_card",
    "apply_charge_event",
    "charge_due_cards",
    "dossier_card",
    "remove_card",
    "save_card",
]


def save_card(ctx: Context, dossier: Dossier, adapter: str, details: CardDetails) -> Card:
    """Keep the card a dossier's client saved (inside the caller's transaction); it
    replaces the card in use, if another. The same card saved again changes nothing."""
    assert dossier.id is not None
    current = ctx.store.active_card(dossier.id)
    if current is not None and (current.adapter, current.token) == (adapter, details.token):
        return current
    try:
        card = Card(
            provider_id=dossier.provider_id,
            dossier_id=dossier.id,
            adapter=adapter,
            token=details.token,
            customer=details.customer,
            brand=details.brand,
            last4=details.last4,
            exp_month=details.exp_month,
            exp_year=details.exp_year,
            created_at=ctx.now(),
        )
    except ValidationError as exc:
        raise from_validation(exc) from None
    if current is not None and current.id is not None:
        ctx.store.update_card(current.id, removed_at=ctx.now(), removed_reason="replaced")
    card.id = ctx.store.insert_card(card)
    ctx.event(
        "card.saved",
        dossier,
        {"card_id": card.id, "card": card.label(), "adapter": adapter},
    )
    return card


def add_card(
    ctx: Context,
    dossier_id: int,
    *,
    token: str,
    customer: str | None = None,
    brand: str | None = None,
    last4: str | None = None,
    expires: tuple[int, int] | None = None,
) -> Card:
    """Staff record a card the client saved at the payment service (its token there),
    for the dossier's next invoices. Refused, nothing changed: a dossier not in force, a
    gateway that charges no card, a card expired already."""
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        if not dossier.status.in_force:
            raise Refused(
                _(
                    "{where}: a card is saved for the invoices of a contract in force; "
                    "nothing was changed."
                ).format(where=dossier.where),
                dossier_id=dossier_id,
            )
        _card_gateway(ctx)
        month, year = expires if expires is not None else (None, None)
        details = CardDetails(
            token=token.strip(),
            customer=(customer or "").strip() or None,
            brand=(brand or "").strip().lower() or None,
            last4=(last4 or "").strip() or None,
            exp_month=month,
            exp_year=year,
        )
        card = save_card(ctx, dossier, ctx.payments.name, details)
        if card.expires_before(paris_date(ctx.now())):
            raise Refused(
                _("The card {card} has expired; nothing was changed.").format(card=card.label()),
                dossier_id=dossier_id,
            )
        return card


def remove_card(ctx: Context, dossier_id: int, *, reason: str = "client") -> Card:
    """Stop charging a dossier's card (the client asked, say): its next invoices are paid
    by transfer. Its invoices already announced as charged to it are too."""
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        card = ctx.store.active_card(dossier_id)
        if card is None or card.id is None:
            raise CardNotFound(dossier_id)
        now = ctx.now()
        ctx.store.update_card(card.id, removed_at=now, removed_reason=reason)
        ctx.event("card.removed", dossier, {"card_id": card.id, "card": card.label()})
        return card.model_copy(update={"removed_at": now, "removed_reason": reason})


def dossier_card(ctx: Context, dossier_id: int) -> Card:
    """The card a dossier's invoices are charged to, else its latest one."""
    ctx.dossier(dossier_id)
    cards = ctx.store.cards_of_dossier(dossier_id)
    if not cards:
        raise CardNotFound(dossier_id)
    return next((c for c in reversed(cards) if c.active), cards[-1])


def _card_gateway(ctx: Context) -> CardGateway:
    gateway = ctx.payments
    if not isinstance(gateway, CardGateway):
        raise Refused(
            _(
                "The {name} payment gateway charges no saved card; choose one that does in "
                "[payment] gateway."
            ).format(name=gateway.name)
        )
    return gateway


# -- charging ----------------------------------------------------------------------
@dataclass
class ChargeReport:
    """What one charging run did: the invoices paid, declined (with the code), left to
    the client's transfer (no card any more), and why it stopped early, if it did."""

    paid: list[str] = field(default_factory=list)
    declined: list[tuple[str, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    to_transfer: list[str] = field(default_factory=list)
    stopped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "paid": self.paid,
            "declined": [{"number": n, "reason": r} for n, r in self.declined],
            "pending": self.pending,
            "to_transfer": self.to_transfer,
            "stopped": self.stopped,
        }


def charge_due_cards(
    ctx: Context,
    today: date,
    *,
    progress: Callable[[int], None] | None = None,
    after_each: Callable[[Context], object] | None = None,
) -> ChargeReport:
    """Charge every invoice collected by card whose day has come (of the provider in
    scope). A service that does not answer stops the run: the rest is charged next
    time, an interrupted charge with its key."""
    report = ChargeReport()
    gateway = ctx.payments if isinstance(ctx.payments, CardGateway) else None
    after = 0
    while True:
        due = ctx.store.card_charges_due(
            due_by=today, provider_id=ctx.provider_scope, after_id=after
        )
        for receivable in due:
            try:
                _charge(ctx, gateway, receivable, today, report)
            except (AdapterError, ConfigError, PaymentRefused) as exc:
                report.stopped = str(exc)
                return report
            if progress is not None:
                progress(1)
            if after_each is not None:
                after_each(ctx)
        if len(due) < 500:
            return report
        after = due[-1].id or 0


def _charge(
    ctx: Context,
    gateway: CardGateway | None,
    receivable: Receivable,
    today: date,
    report: ChargeReport,
) -> None:
    from .payments import handle_payment_event

    assert receivable.id is not None
    with ctx.store.transaction():
        fresh = ctx.store.get_receivable(receivable_id=receivable.id)
        if fresh is None or fresh.state != "open" or fresh.collection != "card":
            return  # settled meanwhile
        card = ctx.store.get_card(fresh.card_id) if fresh.card_id is not None else None
        if card is None or not card.active:  # replaced since the invoice: the new one
            card = ctx.store.active_card(fresh.dossier_id)
        if gateway is None or card is None or card.expires_before(today):
            _to_transfer(ctx, fresh, card)
            report.to_transfer.append(fresh.number)
            return
        key = fresh.charge_key
        if key is None:
            key = f"{fresh.number}-{fresh.presentations + 1}"
            ctx.store.update_receivable(
                fresh.id or 0,
                charge_key=key,
                presentations=fresh.presentations + 1,
                card_id=card.id,
            )
            fresh = fresh.model_copy(update={"charge_key": key, "card_id": card.id})
    # Outside any transaction: the service is asked once the key is recorded.
    event = gateway.charge_card(card, fresh.amount_cents, key=key, receivable=fresh)
    outcome = handle_payment_event(ctx, event)
    if event.kind == "succeeded" and outcome.outcome == "applied":
        report.paid.append(fresh.number)
    elif event.kind == "failed" and outcome.outcome == "failed":
        report.declined.append((fresh.number, event.failure_reason or "card_declined"))
    elif event.kind == "processing":
        report.pending.append(fresh.number)


def _to_transfer(ctx: Context, receivable: Receivable, card: Card | None) -> None:
    """An invoice whose card can no longer be charged (removed, expired): the client pays
    it by transfer, and dunning reminds it with the bank details."""
    ctx.store.update_receivable(
        receivable.id or 0, collection="transfer", collection_date=None, charge_key=None
    )
    ctx.event(
        "invoice.charge_failed",
        ctx.dossier(receivable.dossier_id),
        {
            "number": receivable.number,
            "reason": "no_card" if card is None else "expired_card",
            "to_transfer": True,
        },
    )


def apply_charge_event(ctx: Context, event: PaymentEvent) -> PaymentOutcome:
    """What a card charge's outcome does to its invoice (inside the event's transaction):
    paid, unpaid with the decline code, or still under way. Money for an invoice that
    cannot take it (paid already, another amount) is held for review."""
    from .held import hold
    from .payments import SETTLED, PaymentOutcome, already_recorded, save_payment
    from .receivables import mark_paid

    assert event.receivable_id is not None
    receivable = ctx.store.get_receivable(receivable_id=event.receivable_id)
    scope = ctx.provider_scope
    if receivable is not None and scope is not None and receivable.provider_id != scope:
        receivable = None
    dossier = ctx.dossier(receivable.dossier_id) if receivable is not None else None
    if receivable is None or dossier is None:
        if event.kind == "succeeded":
            return hold(ctx, event, None, None)
        return PaymentOutcome(
            "ignored",
            _("Event {event_id} names no invoice of this provider; nothing changed.").format(
                event_id=event.event_id
            ),
        )
    existing = (
        ctx.store.payment_by_external_id(event.adapter, event.external_id)
        if event.external_id
        else None
    )
    if existing is not None and existing.status in SETTLED:
        return already_recorded(existing, dossier.id)
    if event.kind == "succeeded":
        if receivable.state == "paid" or event.amount_cents != receivable.amount_cents:
            if receivable.state == "paid":
                why = (
                    _("invoice {number} is paid already").format(number=receivable.number),
                    f"la facture {receivable.number} est déjà payée",
                )
            else:
                why = (
                    _("invoice {number} is of another amount").format(number=receivable.number),
                    f"la facture {receivable.number} est d’un autre montant",
                )
            return hold(ctx, event, dossier, existing, why)
        mark_paid(
            ctx,
            receivable,
            adapter=event.adapter,
            method="card",
            reference=event.external_id,
            external_id=event.external_id,
            existing=existing,
        )
        ctx.store.update_receivable(receivable.id or 0, charge_key=None)
        return PaymentOutcome(
            "applied",
            _("Invoice {number} paid by card.").format(number=receivable.number),
            dossier.id,
            invoice_number=receivable.number,
        )
    if receivable.state != "open":
        return PaymentOutcome(
            "duplicate",
            (
                _("Invoice {number} is paid already; nothing changed.")
                if receivable.state == "paid"
                else _("Invoice {number} is unpaid already (declined); nothing changed.")
            ).format(number=receivable.number),
            dossier.id,
        )
    if event.kind == "processing":
        payment = save_payment(ctx, event, dossier, "pending", None, existing)
        return PaymentOutcome(
            "pending",
            _("The card charge of invoice {number} is under way.").format(number=receivable.number),
            dossier.id,
            payment.id,
        )
    reason = event.failure_reason or "card_declined"
    payment = save_payment(ctx, event, dossier, "failed", reason, existing)
    ctx.store.update_receivable(
        receivable.id or 0,
        state="unpaid",
        return_reason=reason,
        returned_at=ctx.now(),
        charge_key=None,
    )
    ctx.event(
        "invoice.charge_failed",
        dossier,
        {"number": receivable.number, "reason": reason, "payment_id": payment.id},
    )
    return PaymentOutcome(
        "failed",
        _("The card was declined for invoice {number} ({reason}).").format(
            number=receivable.number, reason=reason
        ),
        dossier.id,
        payment.id,
    )
