"""``domicili payment …``: the first payment, by staff, card checkout or gateway webhook."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..i18n import N_, _
from ._output import (
    DOSSIER,
    ID,
    emit,
    emit_rows,
    json_option,
    note,
    page_limit,
    page_options,
    provider_name,
)

if TYPE_CHECKING:
    from ..service.payments import PaymentOutcome
    from . import State


#: Where a payment came from, as staff name it (a gateway by its own name).
SOURCES = {
    "manual": N_("recorded by staff"),
    "checkout": N_("card checkout"),
    "links": N_("card checkout"),
    "stripe": "Stripe",
}


@click.group()
def payment() -> None:
    """Payments: record, simulate a card checkout, receive gateway webhooks, review.

    A payment that cannot be applied (wrong amount or currency, dossier not awaiting
    payment, no dossier found) is kept as a held payment, and the command exits 4; staff
    resolve it with `payment apply` or `payment refund`.

    Example: domicili payment record 1 --method transfer --reference VIR-2026-0042
    """


def _outcome(result: PaymentOutcome, as_json: bool) -> None:
    """The outcome's sentence; a held payment is a refusal that keeps something: its
    sentence goes to stderr with how to resolve it, and the command exits 4."""
    if result.outcome != "held":
        emit(result.as_dict(), as_json, lambda: click.echo(result.message))
        return
    from ._errors import KEPT_FOR_REVIEW

    emit(result.as_dict(), as_json, lambda: None)
    note(
        _(
            "{sentence} (`domicili payment list --status held`; `domicili payment apply "
            "{payment_id} DOSSIER_ID` or `domicili payment refund {payment_id} --reference R`)."
        ).format(sentence=result.message.removesuffix("."), payment_id=result.payment_id)
    )
    raise click.exceptions.Exit(KEPT_FOR_REVIEW)


@payment.command("record")
@click.argument("dossier_id", type=DOSSIER)
@click.option(
    "--method",
    type=click.Choice(["transfer", "cheque", "card", "cash"]),
    required=True,
    help="How the client paid.",
)
@click.option("--amount", help="Amount received in euros (default: the amount due).")
@click.option("--reference", help="Bank or cheque reference (the same one twice is refused).")
@json_option
@click.pass_obj
def payment_record(
    state: State,
    dossier_id: int,
    method: str,
    amount: str | None,
    reference: str | None,
    as_json: bool,
) -> None:
    """Record a payment received by transfer, cheque, card terminal or cash.

    The amount must be the amount due; the invoice is issued and the contract sent
    to both parties for signature.
    Example: domicili payment record 1 --method transfer --reference VIR-2026-0042
    """
    from ..money import parse_euros

    cents = parse_euros(amount, field="--amount") if amount is not None else None
    _outcome(
        state.app().record_payment(
            dossier_id, method=method, amount_cents=cents, reference=reference
        ),
        as_json,
    )


@payment.command("simulate")
@click.argument("link_id")
@click.option("--succeed/--fail", default=True, help="The card is accepted, or refused.")
@click.option(
    "--save-card",
    is_flag=True,
    help="The client keeps the card for its next invoices (charged on their day).",
)
@json_option
@click.pass_obj
def payment_simulate(
    state: State, link_id: str, succeed: bool, save_card: bool, as_json: bool
) -> None:
    """Pay a simulated card-checkout link (the token at the end of the link).

    Example: domicili payment simulate pl_3f2a9c0d1e4b5a6c7d8e --succeed --save-card
    """
    _outcome(state.app().simulate_checkout(link_id, succeed=succeed, save_card=save_card), as_json)


@payment.command("webhook")
@click.argument("gateway")
@click.option("--signature", help="The Stripe-Signature header, as received.")
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="A header of the request, as received (repeat for several).",
)
@json_option
@click.pass_obj
def payment_webhook(
    state: State, gateway: str, signature: str | None, headers: tuple[str, ...], as_json: bool
) -> None:
    """Apply a webhook of the configured payment gateway, its body read on standard input.

    The signature is checked; replays and out-of-order events change nothing. Stripe
    (payment.gateway = "stripe") takes its secret from DOMICILI_STRIPE_WEBHOOK_SECRET.
    Example: domicili payment webhook stripe --signature "$HEADER" < event.json
    """
    received = dict(_header(h) for h in headers)
    if signature is not None:
        received["Stripe-Signature"] = signature
    app = state.app()
    configured = app.payment_gateway.name
    if gateway != configured:
        from ..errors import ConfigError

        raise ConfigError(
            _(
                "The configured payment gateway is {configured!r}; set payment.gateway = "
                '"{gateway}" in the settings to receive {name} webhooks.'
            ).format(configured=configured, gateway=gateway, name=gateway.capitalize())
        )
    from ..inputs import WEBHOOK_MAX_BYTES, read_stream

    payload = read_stream(sys.stdin.buffer, limit=WEBHOOK_MAX_BYTES, what="webhook body")
    _outcome(app.receive_webhook(payload, received), as_json)


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise click.BadParameter(
            _("{text!r} is not NAME: VALUE.").format(text=text), param_hint="--header"
        )
    return name.strip(), value.strip()


@payment.command("list")
@click.option(
    "--status",
    type=click.Choice(["succeeded", "failed", "pending", "held", "refunded"]),
    help="Only this state (held: kept for review).",
)
@click.option("--dossier", "dossier_id", type=DOSSIER, help="Only the payments of this dossier.")
@page_options("payments")
@json_option
@click.pass_obj
def payment_list(
    state: State,
    status: str | None,
    dossier_id: int | None,
    limit: int | None,
    show_all: bool,
    before: int | None,
    as_json: bool,
) -> None:
    """List payments, newest first (50 unless --limit or --all); `--status held` shows
    those kept for review.

    Without --provider, held payments that match no provider are listed too.
    Example: domicili payment list --status held
    """
    from ..french import PAYMENT_STATES, format_money, payment_method_fr

    shown, read = page_limit(limit, show_all)
    app = state.app()
    name = provider_name(app)
    emit_rows(
        app.iter_payments(status=status, dossier_id=dossier_id, limit=read, before=before),
        limit=shown,
        as_json=as_json,
        data=lambda p: p.model_dump(mode="json"),
        columns=[
            _("ID"),
            _("Provider"),
            _("Dossier"),
            _("Source"),
            _("Method"),
            _("Amount"),
            _("State"),
            _("Reference"),
            _("To review"),
        ],
        cells=lambda p: (
            p.id,
            name(p.provider_id),
            p.dossier_id,
            _(SOURCES[p.adapter]) if p.adapter in SOURCES else p.adapter,
            payment_method_fr(p.method),
            format_money(p.amount_cents, p.currency),
            PAYMENT_STATES.get(p.status, p.status),
            p.reference,
            p.review_reason,
        ),
        noun="payments",
    )


@payment.command("apply")
@click.argument("held_id", type=ID)
@click.argument("dossier_id", type=DOSSIER)
@json_option
@click.pass_obj
def payment_apply(state: State, held_id: int, dossier_id: int, as_json: bool) -> None:
    """Apply a held payment to a dossier awaiting exactly that amount in euros.

    It then is the dossier's payment: invoice issued, contract sent to both parties
    for signature. A held payment is resolved once (applied or refunded).
    Example: domicili payment apply 4 1
    """
    _outcome(state.app().apply_held_payment(held_id, dossier_id), as_json)


@payment.command("refund")
@click.argument("held_id", type=ID)
@click.option("--reference", required=True, help="The bank's reference of the refund.")
@json_option
@click.pass_obj
def payment_refund(state: State, held_id: int, reference: str, as_json: bool) -> None:
    """Mark a held payment refunded, once the bank has paid it back.

    No money moves in domicili; the bank's reference is kept, with an event in the
    audit log. A held payment is resolved once (applied or refunded).
    Example: domicili payment refund 4 --reference RMB-2026-0007
    """
    done = state.app().refund_held_payment(held_id, reference)
    emit(
        done,
        as_json,
        lambda: click.echo(
            _(
                "Held payment {payment_id} marked refunded (bank reference {reference}); "
                "no money was moved by domicili."
            ).format(payment_id=done.id, reference=done.refund_reference)
        ),
    )


COMMANDS = [payment]
