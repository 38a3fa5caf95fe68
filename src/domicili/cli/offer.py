"""``domicili offer …``: the priced offers providers publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import click

from ..i18n import _, ngettext
from ._output import ID, MONTHS, emit, json_option, note, provider_name, table

if TYPE_CHECKING:
    from ..models import Offer
    from . import State


@click.group()
def offer() -> None:
    """Offers: price, period, commitment and services.

    Example: domicili offer list 1
    """


def offer_dict(o: Offer) -> dict[str, Any]:
    data = o.model_dump(mode="json")
    data["monthly_ht_cents"] = o.monthly_ht_cents
    data["first_payment_ht_cents"] = o.first_payment_ht_cents
    return data


def _table(offers: list[Offer], name: Callable[[int | None], str]) -> None:
    from ..annuaire import PERIOD_LABELS, service_labels
    from ..money import format_eur

    table(
        [
            _("ID"),
            _("Provider"),
            _("Offer"),
            _("Price excl. VAT"),
            _("Commitment"),
            _("Setup fee"),
            _("Services"),
            _("Default"),
        ],
        [
            (
                o.id,
                name(o.provider_id),
                o.name,
                f"{format_eur(o.price_ht_cents)} / {PERIOD_LABELS[o.period]}",
                ngettext("{n} month", "{n} months", o.commitment_months).format(
                    n=o.commitment_months
                ),
                format_eur(o.setup_fee_cents),
                service_labels(o.services),
                _("yes") if o.is_default else "",
            )
            for o in offers
        ],
    )


@offer.command("add")
@click.argument("provider_id", type=ID)
@click.option("--name", required=True, help="Name shown to clients.")
@click.option("--price-ht", required=True, help="Price per period before VAT, in euros.")
@click.option(
    "--period",
    type=click.Choice(["month", "quarter", "year"]),
    default="month",
    show_default=True,
    help="What the price pays for: a month, a quarter or a year.",
)
@click.option(
    "--commitment-months",
    type=MONTHS,
    default=3,
    show_default=True,
    help="Minimum term (at least 3 months).",
)
@click.option(
    "--service",
    "services",
    multiple=True,
    help="Included service (repeatable; default: domiciliation).",
)
@click.option("--setup-fee", default="0", help="One-off fee before VAT, in euros.")
@click.option("--default", "is_default", is_flag=True, help="Make it the provider's default.")
@json_option
@click.pass_obj
def offer_add(
    state: State,
    provider_id: int,
    name: str,
    price_ht: str,
    period: Literal["month", "quarter", "year"],
    commitment_months: int,
    services: tuple[str, ...],
    setup_fee: str,
    is_default: bool,
    as_json: bool,
) -> None:
    """Publish an offer; the first offer of a provider is its default.

    Example: domicili offer add 1 --name "Essentiel" --price-ht 29 --period month
    --commitment-months 3 --service domiciliation --service numerisation --setup-fee 50
    """
    from ..money import parse_euros

    price = parse_euros(price_ht, field="--price-ht")
    if price <= 0:
        raise click.BadParameter(_("must be more than 0 €."), param_hint="--price-ht")
    o = state.app().add_offer(
        provider_id,
        name=name,
        price_ht_cents=price,
        period=period,
        commitment_months=commitment_months,
        services=list(services) or ["domiciliation"],
        setup_fee_cents=parse_euros(setup_fee, field="--setup-fee"),
        is_default=is_default,
    )
    emit(offer_dict(o), as_json, lambda: _table([o], provider_name(state.app())))
    note(
        _("Offer {offer_id} published for provider {provider_id}.").format(
            offer_id=o.id, provider_id=provider_id
        )
    )


@offer.command("list")
@click.argument("provider_id", type=ID, required=False)
@json_option
@click.pass_obj
def offer_list(state: State, provider_id: int | None, as_json: bool) -> None:
    """List offers (of one provider, or all).

    Example: domicili offer list 1
    """
    offers = state.app().list_offers(provider_id)
    emit(
        [offer_dict(o) for o in offers], as_json, lambda: _table(offers, provider_name(state.app()))
    )


COMMANDS = [offer]
