"""``domicili payment …``: the first payment, by staff, card checkout or gateway webhook."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ._output import ID, emit, emit_rows, json_option, note, page_limit, page_options

if TYPE_CHECKING:
    from ..service.payments import PaymentOutcome
    from . import State


@click.group()
def payment() -> None:
    """Payments: record, simulate a card checkout, receive gateway webhooks, review.

    Example: domicili payment record 1 --method transfer --reference VIR-2026-0042
    """


def _outcome(result: PaymentOutcome, as_json: bool) -> None:
    held = result.outcome == "held"
    text = result.message
    if held:
        text = text.removesuffix(".") + " (`domicili payment list --status held`)."
    emit(result.as_dict(), as_json, lambda: click.echo(text))
    if held:
        from ._errors import REFUSED

        note("The payment is kept for review; the provider was told.")
        raise click.exceptions.Exit(REFUSED)


@payment.command("record")
@click.argument("dossier_id", type=ID)
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
@json_option
@click.pass_obj
def payment_simulate(state: State, link_id: str, succeed: bool, as_json: bool) -> None:
    """Pay a simulated card-checkout link (the token at the end of the link).

    Example: domicili payment simulate pl_3f2a9c0d1e4b5a6c7d8e --succeed
    """
    _outcome(state.app().simulate_checkout(link_id, succeed=succeed), as_json)


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
            f"The configured payment gateway is {configured!r}; set payment.gateway = "
            f'"{gateway}" in the settings to receive {gateway.capitalize()} webhooks.'
        )
    payload = sys.stdin.buffer.read()
    _outcome(app.receive_webhook(payload, received), as_json)


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise click.BadParameter(f"{text!r} is not NAME: VALUE.", param_hint="--header")
    return name.strip(), value.strip()


@payment.command("list")
@click.option("--status", type=click.Choice(["succeeded", "failed", "pending", "held"]))
@click.option("--dossier", "dossier_id", type=ID)
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

    Example: domicili payment list --status held
    """
    from ..money import format_eur

    shown, read = page_limit(limit, show_all)
    emit_rows(
        state.app().iter_payments(status=status, dossier_id=dossier_id, limit=read, before=before),
        limit=shown,
        as_json=as_json,
        data=lambda p: p.model_dump(mode="json"),
        columns=["ID", "Dossier", "Source", "Moyen", "Montant", "État", "Référence", "À examiner"],
        cells=lambda p: (
            p.id,
            p.dossier_id,
            p.adapter,
            p.method,
            format_eur(p.amount_cents),
            p.status,
            p.reference,
            p.review_reason,
        ),
        noun="payments",
    )


COMMANDS = [payment]
