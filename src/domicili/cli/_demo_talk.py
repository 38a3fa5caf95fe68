"""How ``domicili demo`` speaks: a step's title and command, what happened, the one way
it writes a day (``15/01/2024``) and a status; every sentence through the catalog."""

from __future__ import annotations

from datetime import date, datetime

import click

from ..annuaire import SERVICES
from ..clock import PARIS
from ..errors import DomiciliError
from ..french import numeric_date_fr
from ..i18n import N_, _
from ..models import Dossier

__all__ = ["PRICES", "day", "refused", "say", "services", "status", "step"]

#: An offer's price, by its period.
PRICES = {
    "month": N_("{price} excl. VAT a month"),
    "quarter": N_("{price} excl. VAT a quarter"),
    "year": N_("{price} excl. VAT a year"),
}


def day(value: date | datetime) -> str:
    """The one way the demo writes a day: ``15/01/2024`` (a time as its day in Paris)."""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS)
    return numeric_date_fr(value)


def services(codes: list[str]) -> str:
    """Services by their French labels."""
    return ", ".join(SERVICES.get(code, code) for code in codes)


def step(title: str, command: str | None = None) -> None:
    click.echo("")
    click.secho(f"▶ {title}", bold=True)
    if command:
        click.secho(f"  $ domicili {command}", fg="cyan")


def say(text: str) -> None:
    click.echo(f"  {text}")


def refused(exc: DomiciliError) -> None:
    say(_("refused (exit 1): {error}").format(error=exc))


def status(dossier: Dossier) -> str:
    """``S2 Accepté – en attente du premier paiement``."""
    return f"{dossier.status.code} {dossier.status.label}"
