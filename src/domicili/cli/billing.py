"""``domicili billing …``: the running contract's invoices, collections and returns."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..i18n import _, ngettext
from ._output import emit, json_option

if TYPE_CHECKING:
    from . import State


@click.group()
def billing() -> None:
    """The running contract: invoices of each period, direct debits, returns.

    Example: domicili billing run --period 2026-04
    """


@billing.command("run")
@click.option(
    "--period",
    metavar="YYYY-MM",
    help="The month to bill (default: this one; at most the next).",
)
@click.option(
    "--defer-documents",
    is_flag=True,
    help="Issue the invoices only; their PDFs are made and sent by the next run.",
)
@json_option
@click.pass_obj
def billing_run(state: State, period: str | None, defer_documents: bool, as_json: bool) -> None:
    """Invoice every contract in force for each period of the month it has not paid.

    Each contract's offer bills a month, a quarter or a year in advance, from the end of
    its first paid period. Running it again issues nothing twice; a run stopped half-way
    and run again finishes with no gap in the numbers. Example: domicili billing run
    """
    app = state.app()
    total = app.count_contracts_in_force()
    with click.progressbar(length=total, label=_("Billing"), file=sys.stderr, show_pos=True) as bar:
        report = app.bill(period, documents=not defer_documents, progress=bar.update)

    def human() -> None:
        click.echo(
            ngettext(
                "{period}: {count} invoice issued, {documents} sent.",
                "{period}: {count} invoices issued, {documents} sent.",
                len(report.issued),
            ).format(period=report.period, count=len(report.issued), documents=report.documents)
        )
        for dossier_id, reason in report.skipped:
            click.echo(f"  D-{dossier_id:06d}: {reason}")

    emit(report.as_dict(), as_json, human)


COMMANDS = [billing]
