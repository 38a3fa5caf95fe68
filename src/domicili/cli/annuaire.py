"""``domicili annuaire …``: the official geography and the provider directory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import click

from ..i18n import _
from ._output import LIMIT, emit, json_option, table

if TYPE_CHECKING:
    from . import State


@click.group()
def annuaire() -> None:
    """The directory: régions, départements, and providers listed in them.

    Example: domicili annuaire search --departement 69
    """


@annuaire.command("regions")
@json_option
def regions(as_json: bool) -> None:
    """The 18 régions (INSEE codes).

    Example: domicili annuaire regions
    """
    from ..geography import geography

    found = geography().regions()
    emit(
        [{"code": r.code, "name": r.name} for r in found],
        as_json,
        lambda: table([_("Code"), _("Région")], [(r.code, r.name) for r in found]),
    )


@annuaire.command("departements")
@click.option("--region", help="Only the départements of this région (INSEE code).")
@json_option
def departements(region: str | None, as_json: bool) -> None:
    """The 101 départements, or those of one région.

    Example: domicili annuaire departements --region 94
    """
    from ..geography import geography

    geo = geography()
    found = geo.departements(geo.region(region).code if region else None)
    names = {r.code: r.name for r in geo.regions()}
    emit(
        [{"code": d.code, "name": d.name, "region": d.region_code} for d in found],
        as_json,
        lambda: table(
            [_("Code"), _("Département"), _("Région")],
            [(d.code, d.name, names[d.region_code]) for d in found],
        ),
    )


@annuaire.command("search")
@click.option("--departement", help="INSEE code of the département (75, 2A, 974…).")
@click.option("--region", help="INSEE code of the région (11, 84…).")
@click.option(
    "--service", "services", multiple=True, help="A service the provider must offer (repeatable)."
)
@click.option("--max-price", help="Highest monthly price before VAT, in euros.")
@click.option(
    "--sort",
    type=click.Choice(["price", "name"]),
    default="price",
    show_default=True,
    help="Cheapest offer first, or by name.",
)
@click.option("--limit", type=LIMIT, help="At most this many providers.")
@json_option
@click.pass_obj
def search(
    state: State,
    departement: str | None,
    region: str | None,
    services: tuple[str, ...],
    max_price: str | None,
    sort: Literal["price", "name"],
    limit: int | None,
    as_json: bool,
) -> None:
    """Providers with a valid agrément that serve a place, cheapest offer first.

    Example: domicili annuaire search --departement 69 --service numerisation --max-price 40
    """
    from ..annuaire import service_labels
    from ..money import format_eur, parse_euros

    cap = None
    if max_price is not None:
        cap = parse_euros(max_price, field="--max-price")
        if cap <= 0:
            raise click.BadParameter(_("must be more than 0 €."), param_hint="--max-price")
    results = state.app().search(
        departement=departement,
        region=region,
        services=services,
        max_price_ht_cents=cap,
        sort=sort,
        limit=limit,
    )
    emit(
        [r.as_dict() for r in results],
        as_json,
        lambda: table(
            [
                _("ID"),
                _("Provider"),
                _("City"),
                _("Services"),
                _("Offer"),
                _("Price excl. VAT / month"),
            ],
            [
                (
                    r.provider_id,
                    r.name,
                    f"{r.postcode} {r.city}",
                    service_labels(r.services),
                    r.offer_name or _("on quotation"),
                    format_eur(r.monthly_ht_cents) if r.monthly_ht_cents is not None else "—",
                )
                for r in results
            ],
        ),
    )


COMMANDS = [annuaire]
