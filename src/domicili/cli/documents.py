"""``domicili contract|attestation|invoice …``: the PDFs of a dossier."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..i18n import N_, _, ngettext
from ._output import (
    DOSSIER,
    MONTH,
    YEAR,
    OutputFile,
    delivered,
    emit,
    emit_rows,
    json_option,
    note,
    page_limit,
    page_options,
    provider_name,
    table,
)

if TYPE_CHECKING:
    from ..models import Invoice
    from . import State

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT = click.option(
    "-o",
    "--output",
    type=OutputFile(),
    required=True,
    help="PDF file to write.",
)


def _party(help: str) -> Callable[[F], F]:
    """``--party client|provider``."""
    return click.option(
        "--party", type=click.Choice(["client", "provider"]), required=True, help=help
    )


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a failed command never leaves half a PDF behind."""
    from ..files import write_atomic

    write_atomic(path, data)


@click.group()
def contract() -> None:
    """The contrat de domiciliation.

    Example: domicili contract render 1 -o contrat.pdf
    """


@contract.command("render")
@click.argument("dossier_id", type=DOSSIER)
@OUTPUT
@click.pass_obj
def contract_render(state: State, dossier_id: int, output: Path) -> None:
    """Write the contract of a dossier as PDF.

    Example: domicili contract render 1 -o contrat-D-000001.pdf
    """
    _write(output, state.app().render_contract(dossier_id))
    note(
        _("Contract of dossier {dossier_id} written to {output}.").format(
            dossier_id=dossier_id, output=output
        )
    )


@contract.command("sign")
@click.argument("dossier_id", type=DOSSIER)
@_party("Who signs: the client or the provider.")
@click.option(
    "--otp",
    required=True,
    help="The signature code received by SMS (with the default notifier, the SMS is a "
    "file in the outbox folder: `domicili outbox list --full` shows it).",
)
@click.option(
    "--sha256",
    "document_sha256",
    help="SHA-256 of the contract the signer read (refused if it differs).",
)
@json_option
@click.pass_obj
def contract_sign(
    state: State, dossier_id: int, party: str, otp: str, document_sha256: str | None, as_json: bool
) -> None:
    """Sign the contract for a party with its one-time code.

    When the second party signs, the domiciliation is active (S4).
    Example: domicili contract sign 1 --party client --otp 123456
    """
    app = state.app()
    signature = app.sign(dossier_id, party, otp, document_sha256=document_sha256)
    status = app.get_dossier(dossier_id).dossier.status
    emit(
        signature.model_dump(mode="json"),
        as_json,
        lambda: click.echo(
            _("Signed by {party} ({signer}); document SHA-256 {sha256}.").format(
                party=_(PARTIES[party]), signer=signature.signer, sha256=signature.document_sha256
            )
        ),
    )
    if status.code == "S4":
        note(
            _("Both parties have signed: dossier {dossier_id} is {code} {label}.").format(
                dossier_id=dossier_id, code=status.code, label=status.label
            )
        )


@contract.command("resend-code")
@click.argument("dossier_id", type=DOSSIER)
@_party("Who receives the new code: the client or the provider.")
@click.pass_obj
def contract_resend_code(state: State, dossier_id: int, party: str) -> None:
    """Send a party a new signature code (the previous one stops working).

    Example: domicili contract resend-code 1 --party client
    """
    state.app().resend_code(dossier_id, party)
    if delivered():
        said = _("A new code was sent to {party} of dossier {dossier_id}.")
    else:
        said = _("A new code was made for {party} of dossier {dossier_id}, but not sent.")
    note(said.format(party=_(PARTIES[party]), dossier_id=dossier_id))


@contract.command("signed")
@click.argument("dossier_id", type=DOSSIER)
@OUTPUT
@click.pass_obj
def contract_signed(state: State, dossier_id: int, output: Path) -> None:
    """Write the signed contract, with its signature certificate, as PDF.

    Example: domicili contract signed 1 -o contrat-signe.pdf
    """
    _write(output, state.app().signed_contract(dossier_id))
    note(
        _("Signed contract of dossier {dossier_id} written to {output}.").format(
            dossier_id=dossier_id, output=output
        )
    )


@click.group()
def attestation() -> None:
    """The attestation de domiciliation (for the company's registration).

    Example: domicili attestation render 1 -o attestation.pdf
    """


@attestation.command("render")
@click.argument("dossier_id", type=DOSSIER)
@OUTPUT
@click.pass_obj
def attestation_render(state: State, dossier_id: int, output: Path) -> None:
    """Write the attestation of an active domiciliation as PDF.

    Example: domicili attestation render 1 -o attestation-D-000001.pdf
    """
    _write(output, state.app().render_attestation(dossier_id))
    note(
        _("Attestation of dossier {dossier_id} written to {output}.").format(
            dossier_id=dossier_id, output=output
        )
    )


@click.group()
def invoice() -> None:
    """Invoices and credit notes (Factur-X PDF/A-3, one unbroken series per provider).

    Example: domicili invoice list --year 2026
    """


def invoice_dict(inv: Invoice) -> dict[str, Any]:
    data = inv.model_dump(mode="json", exclude={"data"})
    data["buyer"] = inv.data.get("buyer", {}).get("name")
    return data


def _columns() -> list[str]:
    return [
        _("ID"),
        _("Number"),
        _("Type"),
        _("Date"),
        _("Due"),
        _("Provider"),
        _("Client"),
        _("Dossier"),
        _("Total excl. VAT"),
        _("VAT"),
        _("Total incl. VAT"),
    ]


#: A signing party, as a sentence names it.
PARTIES = {"client": N_("the client"), "provider": N_("the provider")}
#: A kind of invoice, as a table names it.
KINDS = {"invoice": N_("invoice"), "credit_note": N_("credit note")}


def _cells(i: Invoice, name: Callable[[int | None], str]) -> tuple[Any, ...]:
    from ..money import format_eur

    return (
        i.id,
        i.number,
        _(KINDS[i.kind]),
        f"{i.issue_date:%d/%m/%Y}",
        "" if i.kind == "credit_note" else f"{i.due_date:%d/%m/%Y}",
        name(i.provider_id),
        i.data.get("buyer", {}).get("name"),
        i.dossier_id,
        format_eur(i.total_ht_cents),
        format_eur(i.total_vat_cents),
        format_eur(i.total_ttc_cents),
    )


def _day(iso_day: str) -> str:
    """``2026-03-01`` as people read it: ``01/03/2026``."""
    from datetime import date

    return f"{date.fromisoformat(iso_day):%d/%m/%Y}"


def _table(invoices: list[Invoice], name: Callable[[int | None], str]) -> None:
    table(_columns(), [_cells(i, name) for i in invoices])


@invoice.command("list")
@click.option("--year", type=YEAR, help="Only invoices issued this year.")
@click.option("--month", type=MONTH, help="With --year: only this month.")
@click.option("--dossier", "dossier_id", type=DOSSIER, help="Only the invoices of this dossier.")
@page_options("invoices")
@json_option
@click.pass_obj
def invoice_list(
    state: State,
    year: int | None,
    month: int | None,
    dossier_id: int | None,
    limit: int | None,
    show_all: bool,
    before: int | None,
    as_json: bool,
) -> None:
    """List invoices and credit notes, newest first (50 unless --limit or --all).

    Example: domicili invoice list --year 2026 --json
    """
    shown, read = page_limit(limit, show_all)
    app = state.app()
    found = app.iter_invoices(
        year=year, month=month, dossier_id=dossier_id, limit=read, before=before
    )
    name = provider_name(app)
    emit_rows(
        found,
        limit=shown,
        as_json=as_json,
        data=invoice_dict,
        columns=_columns(),
        cells=lambda i: _cells(i, name),
        noun="invoices",
    )


@invoice.command("show")
@click.argument("number")
@json_option
@click.pass_obj
def invoice_show(state: State, number: str, as_json: bool) -> None:
    """Show one invoice with its lines and mentions.

    Example: domicili invoice show F2026-000001
    """
    from ..money import format_eur

    app = state.app()
    inv = app.get_invoice(number)

    def human() -> None:
        _table([inv], provider_name(app))
        for line in inv.data.get("lines", []):
            price = format_eur(line["unit_price_ht_cents"])
            what = {"quantity": line["quantity"], "description": line["description"]}
            if line.get("period_start"):
                said = _("{quantity} × {description} from {start} to {end}: {price} excl. VAT")
                what |= {"start": _day(line["period_start"]), "end": _day(line["period_end"])}
            else:
                said = _("{quantity} × {description}: {price} excl. VAT")
            click.echo("  " + said.format(price=price, **what))
        if inv.reason:
            click.echo("  " + _("Reason for the credit note: {reason}").format(reason=inv.reason))
        click.echo("  " + _("PDF SHA-256 {sha256}").format(sha256=inv.pdf_sha256))

    data = invoice_dict(inv)
    data["lines"] = inv.data.get("lines", [])
    emit(data, as_json, human)


@invoice.command("pdf")
@click.argument("number")
@OUTPUT
@click.pass_obj
def invoice_pdf(state: State, number: str, output: Path) -> None:
    """Write the Factur-X PDF of an invoice, exactly as issued.

    Example: domicili invoice pdf F2026-000001 -o F2026-000001.pdf
    """
    _write(output, state.app().invoice_pdf(number))
    note(_("Invoice {number} written to {output}.").format(number=number, output=output))


@invoice.command("credit-note")
@click.argument("number")
@click.option("--reason", required=True, help="Why the invoice is cancelled (printed).")
@json_option
@click.pass_obj
def invoice_credit_note(state: State, number: str, reason: str, as_json: bool) -> None:
    """Cancel an invoice with a credit note (avoir); invoices are never edited.

    Example: domicili invoice credit-note F2026-000001 --reason "Erreur sur la période"
    """
    avoir = state.app().credit_note(number, reason)
    emit(invoice_dict(avoir), as_json, lambda: _table([avoir], provider_name(state.app())))
    note(
        _("Credit note {credit_note} issued; it cancels invoice {number}.").format(
            credit_note=avoir.number, number=number
        )
    )


@invoice.command("hand-off")
@click.argument("number")
@json_option
@click.pass_obj
def invoice_hand_off(state: State, number: str, as_json: bool) -> None:
    """Hand an issued invoice or credit note to the e-invoicing platform again.

    Each one is handed when it is issued ([einvoicing] in domicili.toml); this hands one
    again, after the platform's connector lost it or its folder was unreachable. One
    the connector already has is not written twice.
    Example: domicili invoice hand-off F2026-000001
    """
    handed = state.app().hand_off_invoice(number)
    emit(invoice_dict(handed), as_json, lambda: None)
    note(_("{number} handed to the e-invoicing platform.").format(number=handed.number))


@invoice.command("export")
@click.option("--year", type=YEAR, required=True, help="The year of the invoices.")
@click.option("--month", type=MONTH, help="Only this month of the year.")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the PDFs and the CSV summary.",
)
@json_option
@click.pass_obj
def invoice_export(state: State, year: int, month: int | None, output: Path, as_json: bool) -> None:
    """Every invoice PDF of a year or a month, with a CSV summary, for the accountant.

    Example: domicili invoice export --year 2026 --month 3 -o export-2026-03
    """
    report = state.app().export_invoices(output, year=year, month=month)
    emit(
        report.as_dict(),
        as_json,
        lambda: click.echo(
            ngettext(
                "{n} invoice written to {folder}; summary {summary}.",
                "{n} invoices written to {folder}; summary {summary}.",
                report.invoices,
            ).format(n=report.invoices, folder=report.folder, summary=report.summary)
        ),
    )


COMMANDS = [contract, attestation, invoice]
