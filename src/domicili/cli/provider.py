"""``domicili provider …``: the domiciliataires."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..i18n import N_, _, ngettext
from ._dates import DATE
from ._output import (
    ID,
    F,
    emit,
    emit_rows,
    json_option,
    labelled,
    note,
    page_limit,
    page_options,
)

if TYPE_CHECKING:
    from ..models import Agrement, Provider
    from . import State


@click.group()
def provider() -> None:
    """Providers (domiciliataires) and their agrément.

    Example: domicili provider list
    """


def provider_dict(p: Provider, agrements: list[Agrement] | None = None) -> dict[str, Any]:
    data = p.model_dump(mode="json")
    data["agrement_expires"] = p.agrement_expires.isoformat()
    if agrements is not None:
        data["agrements"] = [a.model_dump(mode="json") for a in agrements]
    return data


def _capital(cents: int | None) -> str | None:
    from ..french import format_eur

    return None if cents is None else format_eur(cents)


def _show(p: Provider, agrements: list[Agrement] | None = None) -> None:
    agrement = _("n° {numero} — {prefecture}, from {start} to {end}").format(
        numero=p.agrement_numero,
        prefecture=p.agrement_prefecture,
        start=f"{p.agrement_date:%d/%m/%Y}",
        end=f"{p.agrement_expires:%d/%m/%Y}",
    )
    rows = [
        (N_("ID"), p.id),
        (N_("Name"), p.name),
        (N_("Form"), p.legal_form),
        (N_("Capital"), _capital(p.share_capital_cents)),
        (
            N_("Representative"),
            " · ".join(v for v in (p.representative, p.representative_quality) if v) or None,
        ),
        (N_("Representative's email"), p.representative_email),
        (N_("SIREN"), p.siren),
        (N_("RCS"), p.rcs_city),
        (N_("VAT"), p.vat_number),
        (N_("Agrément"), agrement + (_(" (suspended)") if p.suspended else "")),
        (N_("Address"), f"{p.address}, {p.postcode} {p.city} ({p.departement})"),
        (N_("Départements"), ", ".join(p.departements)),
        (N_("Services"), ", ".join(p.services)),
        (N_("Contact"), f"{p.email} · {p.phone}"),
        (N_("IBAN"), p.iban),
        (N_("BIC"), p.bic),
        (N_("Creditor identifier (ICS)"), p.creditor_identifier),
        (N_("VAT on debits"), _("yes") if p.vat_on_debits else None),
    ]
    labelled(rows)
    if agrements and len(agrements) > 1:
        click.echo(_("Agréments held:"))
        for a in reversed(agrements):
            end = a.until or a.expires
            click.echo(
                "  "
                + _("n° {numero} — {prefecture}, from {start} to {end}").format(
                    numero=a.numero,
                    prefecture=a.prefecture,
                    start=f"{a.date:%d/%m/%Y}",
                    end=f"{end:%d/%m/%Y}",
                )
            )


def _capital_cents(value: str | None) -> int | None:
    """``--capital 10000`` (euros, as people write the share capital) in cents."""
    from ..money import parse_euros

    return None if value is None else parse_euros(value, field="capital")


def _provider_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The options given, as the facade takes them (lists as lists, the capital in cents)."""
    capital = fields.pop("capital", None)
    out = {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}
    out = {k: v for k, v in out.items() if v is not None and v != []}
    if capital is not None:
        out["share_capital_cents"] = _capital_cents(capital)
    return out


def _billing_options(fn: F) -> F:
    """How the provider is paid and bills: its account, its SEPA creditor identifier, and
    whether it pays VAT on its debits (the same options on add and update)."""
    for option in reversed(
        [
            click.option("--iban", help="IBAN for transfers (shown to clients who must pay)."),
            click.option("--bic", help="BIC of that account."),
            click.option(
                "--creditor-identifier",
                metavar="ICS",
                help="SEPA creditor identifier (ICS, FR…), to collect by direct debit.",
            ),
            click.option(
                "--vat-on-debits/--vat-on-receipts",
                default=None,
                help='VAT paid on the debits (its invoices say "TVA acquittée sur les '
                'débits") or, the default, on receipts.',
            ),
        ]
    ):
        fn = option(fn)
    return fn


@provider.command("add")
@click.option("--name", required=True, help="Company name of the provider.")
@click.option("--legal-form", help="Legal form (SAS, SARL…).")
@click.option("--representative", help="Who signs for the provider (e.g. its président).")
@click.option(
    "--representative-quality", help="In what quality the representative signs (gérant…)."
)
@click.option(
    "--representative-email",
    help="The representative's own address: the contract to sign and its code go there.",
)
@click.option("--siren", required=True, help="SIREN (9 digits).")
@click.option("--vat-number", help="Intra-community VAT number (FR…).")
@click.option("--rcs-city", help="City of its RCS registration (Paris for RCS Paris).")
@click.option("--capital", metavar="EUROS", help="Share capital in euros (10000 or 7 500,50).")
@click.option("--agrement-numero", required=True, help="Number of the prefectoral agrément.")
@click.option("--agrement-prefecture", required=True, help="Préfecture that granted it.")
@click.option(
    "--agrement-date",
    required=True,
    type=DATE,
    help="Date of the agrément (15/01/2024 or 2024-01-15); it lasts 6 years.",
)
@click.option("--address", required=True, help="Street address offered to clients.")
@click.option("--postcode", required=True, help="Postcode (5 digits).")
@click.option("--city", required=True)
@click.option("--email", required=True)
@click.option("--phone", required=True)
@_billing_options
@click.option("--departement", help="Département of the address (checked against the postcode).")
@click.option("--insee-commune", help="INSEE code of the commune (decides the département).")
@click.option(
    "--serves",
    "departements",
    multiple=True,
    metavar="DEPARTEMENT",
    help="Département where it takes clients (repeatable; default: its own).",
)
@click.option(
    "--service",
    "services",
    multiple=True,
    help="Service offered (repeatable; default: domiciliation).",
)
@json_option
@click.pass_obj
def provider_add(state: State, /, as_json: bool, **fields: Any) -> None:
    """Register a provider.

    Example: domicili provider add --name "Lumière Domiciliation" --siren 732829320
    --agrement-numero 2024-075-001 --agrement-prefecture "Préfecture de police"
    --agrement-date 15/01/2024 --address "10 rue de Rivoli" --postcode 75004 --city Paris
    --email contact@lumiere.fr --phone "01 42 00 00 00" --rcs-city Paris --capital 10000
    """
    p = state.app(create=True).add_provider(**_provider_fields(fields))
    emit(provider_dict(p), as_json, lambda: _show(p))
    note(_("Provider {provider_id} added.").format(provider_id=p.id))


@provider.command("update")
@click.argument("provider_id", type=ID)
@click.option("--name", help="Company name of the provider.")
@click.option("--legal-form", help="Legal form (SAS, SARL…).")
@click.option("--representative", help="Who signs for the provider (e.g. its président).")
@click.option(
    "--representative-quality", help="In what quality the representative signs (gérant…)."
)
@click.option(
    "--representative-email",
    help="The representative's own address: the contract to sign and its code go there.",
)
@click.option("--vat-number", help="Intra-community VAT number (FR…).")
@click.option("--rcs-city", help="City of its RCS registration (Paris for RCS Paris).")
@click.option("--capital", metavar="EUROS", help="Share capital in euros (10000 or 7 500,50).")
@click.option("--agrement-numero", help="Number of the renewed agrément (with --agrement-date).")
@click.option(
    "--agrement-date",
    type=DATE,
    help="Date of the renewed agrément (15/01/2024 or 2024-01-15); the current one's date "
    "corrects the current agrément instead.",
)
@click.option(
    "--agrement-prefecture", help="Préfecture that granted it (default: the same as before)."
)
@click.option("--address", help="Street address offered to clients.")
@click.option("--postcode", help="Postcode (5 digits).")
@click.option("--city", help="City of the address.")
@click.option("--email", help="Contact email address.")
@click.option("--phone", help="Contact phone (as written at the address: 0262 … in La Réunion).")
@_billing_options
@click.option(
    "--serves",
    "departements",
    multiple=True,
    metavar="DEPARTEMENT",
    help="Départements served (replaces the list; repeatable).",
)
@click.option(
    "--service", "services", multiple=True, help="Services offered (replaces the list; repeatable)."
)
@json_option
@click.pass_obj
def provider_update(state: State, /, provider_id: int, as_json: bool, **changes: Any) -> None:
    """Change a provider's details, or renew its agrément (the one before is kept).

    A renewal gives the new agrément's number and date; contracts already drawn up keep
    the agrément they name. Each change is recorded in the audit log.
    Example: domicili provider update 1 --agrement-numero 2030-075-0042
    --agrement-date 15/01/2030
    """
    fields = _provider_fields(changes)
    if not fields:
        raise click.UsageError(_("Give at least one field to change (see --help)."))
    app = state.app()
    p = app.update_provider(provider_id, **fields)
    agrements = app.agrements(provider_id)
    emit(provider_dict(p, agrements), as_json, lambda: _show(p, agrements))
    note(_("Provider {provider_id} updated.").format(provider_id=provider_id))


@provider.command("list")
@page_options("providers")
@json_option
@click.pass_obj
def provider_list(
    state: State, limit: int | None, show_all: bool, before: int | None, as_json: bool
) -> None:
    """List providers with their agrément status, newest first (50 unless --limit or --all).

    Example: domicili provider list --json
    """
    from ..clock import paris_date

    app = state.app()
    today = paris_date(app.ctx.now())
    shown, read = page_limit(limit, show_all)
    emit_rows(
        app.iter_providers(limit=read, before=before),
        limit=shown,
        as_json=as_json,
        data=provider_dict,
        columns=[_("ID"), _("Name"), _("SIREN"), _("City"), _("Agrément")],
        cells=lambda p: (
            p.id,
            p.name,
            p.siren,
            f"{p.postcode} {p.city}",
            p.agrement_problem(today)
            or _("valid until {date}").format(date=f"{p.agrement_expires:%d/%m/%Y}"),
        ),
        noun="providers",
    )


@provider.command("show")
@click.argument("provider_id", type=ID)
@json_option
@click.pass_obj
def provider_show(state: State, provider_id: int, as_json: bool) -> None:
    """Show one provider, with the agréments it held.

    Example: domicili provider show 1
    """
    app = state.app()
    p = app.get_provider(provider_id)
    agrements = app.agrements(provider_id)
    emit(provider_dict(p, agrements), as_json, lambda: _show(p, agrements))


@provider.command("suspend")
@click.argument("provider_id", type=ID)
@click.option("--reason", help="Why (e.g. the préfecture's decision and its date).")
@json_option
@click.pass_obj
def provider_suspend(state: State, provider_id: int, reason: str | None, as_json: bool) -> None:
    """Record that the agrément is suspended: hidden from the directory, cannot accept.

    Example: domicili provider suspend 3 --reason "Arrêté préfectoral du 02/03/2026"
    """
    p = state.app().suspend_provider(provider_id, reason)
    emit(provider_dict(p), as_json, lambda: _show(p))
    note(
        _("Provider {provider_id} suspended; hidden from the directory.").format(
            provider_id=provider_id
        )
    )


@provider.command("resume")
@click.argument("provider_id", type=ID)
@json_option
@click.pass_obj
def provider_resume(state: State, provider_id: int, as_json: bool) -> None:
    """Lift a suspension of the agrément.

    Example: domicili provider resume 3
    """
    p = state.app().resume_provider(provider_id)
    emit(provider_dict(p), as_json, lambda: _show(p))
    note(_("Provider {provider_id} resumed.").format(provider_id=provider_id))


@provider.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid rows and report the others (default: all or nothing).",
)
@json_option
@click.pass_obj
def provider_import(state: State, file: Path, skip_invalid: bool, as_json: bool) -> None:
    """Import providers (and an offer each) from CSV or YAML; SIREN is the key.

    Importing the same rows again updates them. Columns: see the README.
    Example: domicili provider import annuaire.csv --skip-invalid
    """
    import sys

    from ..errors import ImportRowsError
    from ..service.imports import read_rows

    app = state.app(create=True)
    total = 2 * len(read_rows(file))  # checking, then writing
    try:
        with click.progressbar(
            length=total, label=_("Import"), file=sys.stderr, show_pos=False
        ) as bar:
            report = app.import_providers(file, skip_invalid=skip_invalid, progress=bar.update)
    except ImportRowsError as exc:
        # The error sentence names the first rows only: list every invalid row here.
        for line, reason in exc.rows:
            note("  " + _("line {line}: {reason}").format(line=line, reason=reason))
        raise

    def human() -> None:
        click.echo(
            ngettext(
                "{created} provider created, {updated} updated, {skipped} invalid row(s) skipped.",
                "{created} providers created, {updated} updated, {skipped} invalid row(s) skipped.",
                report.created,
            ).format(created=report.created, updated=report.updated, skipped=len(report.skipped))
        )
        for line, reason in report.skipped:
            click.echo("  " + _("line {line}: {reason}").format(line=line, reason=reason))

    emit(report.as_dict(), as_json, human)


COMMANDS = [provider]
