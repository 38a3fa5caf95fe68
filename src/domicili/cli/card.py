"""``domicili card …``: the card a dossier's client saved for its invoices."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import click

from ..i18n import N_, _
from ._output import DOSSIER, emit, json_option, labelled, note

if TYPE_CHECKING:
    from ..cards import Card
    from . import State


@click.group()
def card() -> None:
    """The card a dossier's client saved at the payment service, charged for each
    invoice of the running contract on its day (unless a SEPA mandate collects it).

    Example: domicili card show D-000007
    """


def card_dict(c: Card) -> dict[str, Any]:
    data = c.model_dump(mode="json")
    data["active"] = c.active
    data["label"] = c.label(_("card"))
    return data


def _show(c: Card) -> None:
    from ..clock import paris_date
    from ..french import numeric_date_fr

    if c.removed_at is not None:
        why = _("replaced by a newer card") if c.removed_reason == "replaced" else _("removed")
        state = f"{why} ({numeric_date_fr(paris_date(c.removed_at))})"
    else:
        state = _("in use: the next invoices are charged to it")
    labelled(
        [
            (N_("Card"), c.label(_("card"))),
            (N_("Dossier"), f"D-{c.dossier_id:06d}"),
            (N_("Payment service"), c.adapter),
            (N_("Token"), c.token),
            (N_("Customer"), c.customer),
            (N_("Saved on"), numeric_date_fr(paris_date(c.created_at))),
            (N_("State"), state),
        ]
    )


def _expiry(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    found = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{4}|\d{2})\s*", value)
    month = int(found.group(1)) if found else 0
    if found is None or not 1 <= month <= 12:
        raise click.BadParameter(
            _("{value} is not an expiry such as 12/2030.").format(value=repr(value))
        )
    year = int(found.group(2))
    return month, year + 2000 if year < 100 else year


@card.command("add")
@click.argument("dossier_id", type=DOSSIER)
@click.option("--token", required=True, help="The card's name at the payment service (pm_…).")
@click.option("--customer", help="The payment service's customer it belongs to (cus_…).")
@click.option("--brand", help="Its brand (visa, mastercard, cartes_bancaires…).")
@click.option("--last4", help="Its last four digits, as the client sees them.")
@click.option(
    "--expires", metavar="MM/YYYY", callback=_expiry, help="Its expiry month, e.g. 12/2030."
)
@json_option
@click.pass_obj
def card_add(
    state: State,
    dossier_id: int,
    token: str,
    customer: str | None,
    brand: str | None,
    last4: str | None,
    expires: tuple[int, int] | None,
    as_json: bool,
) -> None:
    """Record a card the client saved at the payment service, for the next invoices of
    a contract in force; it replaces the card the dossier had.

    domicili never holds a card's number: give the token the service named it by.
    Example: domicili card add D-000007 --token pm_1Q2w3E --customer cus_9Z8y7X
    --brand visa --last4 4242 --expires 12/2030
    """
    c = state.app().add_card(
        dossier_id,
        token=token,
        customer=customer,
        brand=brand,
        last4=last4,
        expires=expires,
    )
    emit(card_dict(c), as_json, lambda: _show(c))
    note(
        _("Card {card} saved for dossier {dossier_id}.").format(
            card=c.label(_("card")), dossier_id=dossier_id
        )
    )


@card.command("show")
@click.argument("dossier_id", type=DOSSIER)
@json_option
@click.pass_obj
def card_show(state: State, dossier_id: int, as_json: bool) -> None:
    """Show the card a dossier's invoices are charged to (else its latest one).

    Example: domicili card show D-000007
    """
    c = state.app().dossier_card(dossier_id)
    emit(card_dict(c), as_json, lambda: _show(c))


@card.command("remove")
@click.argument("dossier_id", type=DOSSIER)
@json_option
@click.pass_obj
def card_remove(state: State, dossier_id: int, as_json: bool) -> None:
    """Stop charging a dossier's card (the client asked): its invoices, those already
    announced included, are paid by transfer.

    Example: domicili card remove D-000007
    """
    c = state.app().remove_card(dossier_id)
    emit(card_dict(c), as_json, lambda: _show(c))
    note(_("Card {card} removed.").format(card=c.label(_("card"))))


COMMANDS = [card]
