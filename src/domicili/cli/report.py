"""``domicili report``: figures for the accountant and the tax administration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import _, ngettext
from ._dates import PERIOD
from ._output import OutputFile, emit, json_option, note

if TYPE_CHECKING:
    from . import State

__all__ = ["COMMANDS"]


@click.group()
def report() -> None:
    """Reports for the accountant and the tax administration.

    Example: domicili report encaissements --period 2026-03 -o encaissements-2026-03.csv
    """


@report.command("encaissements")
@click.option("--period", type=PERIOD, required=True, help="The month of the payments (YYYY-MM).")
@click.option(
    "-o", "--output", type=OutputFile(), help="CSV file to write (default: standard output)."
)
@json_option
@click.pass_obj
def report_encaissements(
    state: State, period: tuple[int, int], output: Path | None, as_json: bool
) -> None:
    """The payments received in a month, as CSV: date, invoice, client, HT, VAT, TTC, means.

    One row per payment applied to an invoice, on the day it was received (Paris), its
    VAT in proportion to the invoice it settles: the encaissements of services taxed on
    receipt, for the VAT return and the e-reporting of payments. Amounts are in euros
    with a decimal comma, columns separated by « ; ».
    Example: domicili report encaissements --period 2026-03 -o encaissements-2026-03.csv
    """
    from ..service.receipts import receipts_csv

    year, month = period
    rows = state.app().receipts(year=year, month=month)
    if as_json:
        data = {"period": f"{year}-{month:02d}", "receipts": [r.as_dict() for r in rows]}
        emit(data, True, lambda: None)
        return
    text = receipts_csv(rows)
    if output is None:
        click.echo(text, nl=False)
        return
    from ..files import write_atomic

    write_atomic(output, text.encode("utf-8"))
    note(
        ngettext(
            "{count} payment received in {period} written to {output}.",
            "{count} payments received in {period} written to {output}.",
            len(rows),
        ).format(count=len(rows), period=f"{year}-{month:02d}", output=output)
    )
    if not rows:
        note(_("No payment was received in that month."))


COMMANDS = [report]
