"""``domicili billing …``: the running contract's invoices, collections and returns."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import N_, _, ngettext
from ._dates import DATE
from ._output import (
    DOSSIER,
    OutputFile,
    emit,
    emit_rows,
    json_option,
    note,
    page_limit,
    page_options,
)

if TYPE_CHECKING:
    from datetime import date

    from ..models import Receivable
    from ..service.cards import ChargeReport
    from . import State

#: What became of an invoice of the running contract, as staff say it.
STATES = {"open": N_("awaiting payment"), "paid": N_("paid"), "unpaid": N_("unpaid")}
#: How it is collected.
COLLECTIONS = {"sepa": N_("SEPA direct debit"), "card": N_("card"), "transfer": N_("transfer")}


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
    if sys.stderr.isatty():  # a bar for people watching; nothing in a script's log
        total = app.count_contracts_in_force()
        with click.progressbar(
            length=total, label=_("Billing"), file=sys.stderr, show_pos=True
        ) as bar:
            report = app.bill(period, documents=not defer_documents, progress=bar.update)
    else:
        report = app.bill(period, documents=not defer_documents)

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


@billing.command("charge")
@json_option
@click.pass_obj
def billing_charge(state: State, as_json: bool) -> None:
    """Charge the saved cards for every invoice whose day has come.

    An invoice paid stops there; a card declined makes it unpaid with the decline code,
    and dunning charges it again before its steps when the code allows it. A payment
    service that does not answer stops the run: the next one (or `sweep`, which runs
    it) goes on, a charge under way asked again with its key, never charged twice.
    Example: domicili billing charge
    """
    report = state.app().charge_cards()
    emit(report.as_dict(), as_json, lambda: charge_lines(report, quiet=False))
    if report.stopped:
        note(report.stopped)


def charge_lines(report: ChargeReport, *, quiet: bool) -> None:
    """What a card-charging run did, a line per outcome (``quiet``: nothing when it did
    nothing)."""
    if not quiet and not (report.paid or report.declined or report.pending or report.to_transfer):
        click.echo(_("No card is to be charged today."))
    for numbers, line in (
        (report.paid, _("Invoices paid by card: {items}.")),
        ([f"{n} ({r})" for n, r in report.declined], _("Cards declined: {items}.")),
        (report.pending, _("Card charges under way: {items}.")),
        (report.to_transfer, _("No card to charge any more, to be paid by transfer: {items}.")),
    ):
        if numbers:
            click.echo(line.format(items=", ".join(numbers)))


@billing.command("list")
@click.option("--dossier", "dossier_id", type=DOSSIER, help="Only this dossier's invoices.")
@click.option("--unpaid", is_flag=True, help="Only the invoices still owed (open or returned).")
@page_options("invoices")
@json_option
@click.pass_obj
def billing_list(
    state: State,
    dossier_id: int | None,
    unpaid: bool,
    limit: int | None,
    show_all: bool,
    before: int | None,
    as_json: bool,
) -> None:
    """List the invoices of the running contracts, newest first, and what became of them.

    Example: domicili billing list --unpaid
    """
    from ..french import format_eur, numeric_date_fr

    shown, read = page_limit(limit, show_all)
    rows = state.app().iter_receivables(
        dossier_id=dossier_id, unpaid=unpaid, limit=read, before=before
    )
    emit_rows(
        rows,
        limit=shown,
        as_json=as_json,
        data=_data,
        columns=[
            _("ID"),
            _("Number"),
            _("Dossier"),
            _("Period"),
            _("Amount"),
            _("Due"),
            _("Paid by"),
            _("State"),
        ],
        cells=lambda r: (
            r.id,
            r.number,
            f"D-{r.dossier_id:06d}",
            f"{numeric_date_fr(r.period_start)} – {numeric_date_fr(r.period_end)}",
            format_eur(r.amount_cents),
            numeric_date_fr(r.due_date),
            _(COLLECTIONS[r.collection]),
            _state(r),
        ),
        noun="invoices",
    )


def _data(r: Receivable) -> dict[str, object]:
    return r.model_dump(mode="json", exclude={"data"})


def _state(r: Receivable) -> str:
    said = _(STATES[r.state])
    if r.state == "unpaid" and r.return_reason:
        said += f" ({r.return_reason})"
    if r.dunning_step:
        said += " · " + ngettext("{n} dunning step", "{n} dunning steps", r.dunning_step).format(
            n=r.dunning_step
        )
    return said


@billing.command("paid")
@click.argument("number")
@click.option(
    "--method",
    type=click.Choice(["transfer", "cheque", "card", "cash"]),
    default="transfer",
    show_default=True,
    help="How the client paid.",
)
@click.option("--reference", help="The bank's reference of the payment.")
@click.option("--on", "on", type=DATE, help="The day it was received (default: today).")
@json_option
@click.pass_obj
def billing_paid(
    state: State,
    number: str,
    method: str,
    reference: str | None,
    on: date | None,
    as_json: bool,
) -> None:
    """Record that an invoice of a running contract was paid: its dunning stops.

    The dossier's mail service resumes if it was suspended and no other invoice holds
    it. Example: domicili billing paid F2026-000042 --reference VIR-0042
    """
    from ..french import format_eur

    r = state.app().record_invoice_paid(number, method=method, reference=reference, on=on)
    emit(
        _data(r),
        as_json,
        lambda: click.echo(
            _("Invoice {number} paid: {amount}.").format(
                number=r.number, amount=format_eur(r.amount_cents)
            )
        ),
    )


@billing.command("sepa-export")
@click.option("--period", metavar="YYYY-MM", required=True, help="The month of collection.")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["pain.008.001.08", "pain.008.001.02"]),
    help="The message your bank takes (default: [billing] sepa_format, else .08).",
)
@click.option("-o", "--output", type=OutputFile(), required=True, help="XML file to write.")
@json_option
@click.pass_obj
def billing_sepa_export(
    state: State, period: str, format_: str | None, output: Path, as_json: bool
) -> None:
    """Write the month's SEPA direct debits as one pain.008 file for the bank.

    Each debit goes in one file per presentation (FRST the first time under a mandate,
    RCUR then); the file is checked against the message's schema before it is written.
    Example: domicili billing sepa-export --period 2026-04 -o prelevements-2026-04.xml
    """
    from ..files import write_atomic
    from ..french import format_eur

    done = state.app().export_direct_debits(
        period, lambda data: write_atomic(output, data), format=format_
    )
    emit(
        {**done.as_dict(), "output": str(output)},
        as_json,
        lambda: click.echo(
            ngettext(
                "{output}: {count} direct debit, {total} ({format}, {message_id}).",
                "{output}: {count} direct debits, {total} ({format}, {message_id}).",
                done.debits,
            ).format(
                output=output,
                count=done.debits,
                total=format_eur(done.total_cents),
                format=done.format,
                message_id=done.message_id,
            )
        ),
    )


#: The largest returns file read (a bank's day of rejects is a few hundred kilobytes).
RETURNS_MAX_BYTES = 20 * 1024 * 1024


@billing.command("sepa-returns")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@click.pass_obj
def billing_sepa_returns(state: State, file: Path, as_json: bool) -> None:
    """Apply the bank's rejects (pain.002) or returns (camt.054) of direct debits.

    Each invoice named becomes unpaid with the bank's reason and dunning takes it from
    there; a file naming a debit that is not ours is refused whole, and a file is
    applied once. Example: domicili billing sepa-returns retours-2026-04.xml
    """
    from ..sepa import reason_label

    if file.stat().st_size > RETURNS_MAX_BYTES:
        raise click.UsageError(
            _("{file} is larger than {mb} MB: it is not a returns file.").format(
                file=file, mb=RETURNS_MAX_BYTES // (1024 * 1024)
            )
        )
    report = state.app().apply_sepa_returns(file.read_bytes())

    def human() -> None:
        click.echo(
            ngettext(
                "{message_id} ({kind}): {count} debit came back unpaid.",
                "{message_id} ({kind}): {count} debits came back unpaid.",
                len(report.returned),
            ).format(message_id=report.message_id, kind=report.kind, count=len(report.returned))
        )
        for number, reason in report.returned:
            click.echo(f"  {number}: {reason} {reason_label(reason)}")

    emit(report.as_dict(), as_json, human)


COMMANDS = [billing]
