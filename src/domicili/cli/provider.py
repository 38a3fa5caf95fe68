"""``domicili provider …``: the domiciliataires."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._output import ID, emit, emit_rows, json_option, note, page_limit, page_options

if TYPE_CHECKING:
    from ..models import Provider
    from . import State


@click.group()
def provider() -> None:
    """Providers (domiciliataires) and their agrément.

    Example: domicili provider list
    """


def provider_dict(p: Provider) -> dict[str, Any]:
    data = p.model_dump(mode="json")
    data["agrement_expires"] = p.agrement_expires.isoformat()
    return data


def _show(p: Provider) -> None:
    rows = [
        ("ID", p.id),
        ("Nom", p.name),
        ("Forme", p.legal_form),
        (
            "Représentant",
            " · ".join(v for v in (p.representative, p.representative_email) if v) or None,
        ),
        ("SIREN", p.siren),
        ("TVA", p.vat_number),
        (
            "Agrément",
            f"n° {p.agrement_numero} — {p.agrement_prefecture}, "
            f"du {p.agrement_date:%d/%m/%Y} au {p.agrement_expires:%d/%m/%Y}"
            + (" (suspendu)" if p.suspended else ""),
        ),
        ("Adresse", f"{p.address}, {p.postcode} {p.city} ({p.departement})"),
        ("Dépts", ", ".join(p.departements)),
        ("Services", ", ".join(p.services)),
        ("Contact", f"{p.email} · {p.phone}"),
        ("IBAN", p.iban),
        ("BIC", p.bic),
    ]
    for label, value in rows:
        if value is not None:
            click.echo(f"{label:<10} {value}")


@provider.command("add")
@click.option("--name", required=True, help="Company name of the provider.")
@click.option("--legal-form", help="Legal form (SAS, SARL…).")
@click.option("--representative", help="Who signs for the provider (e.g. its président).")
@click.option(
    "--representative-email",
    help="The representative's own address: the contract to sign and its code go there.",
)
@click.option("--siren", required=True, help="SIREN (9 digits).")
@click.option("--vat-number", help="Intra-community VAT number (FR…).")
@click.option("--agrement-numero", required=True, help="Number of the prefectoral agrément.")
@click.option("--agrement-prefecture", required=True, help="Préfecture that granted it.")
@click.option(
    "--agrement-date",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date of the agrément (YYYY-MM-DD); it lasts 6 years.",
)
@click.option("--address", required=True, help="Street address offered to clients.")
@click.option("--postcode", required=True, help="Postcode (5 digits).")
@click.option("--city", required=True)
@click.option("--email", required=True)
@click.option("--phone", required=True)
@click.option("--iban", help="IBAN for transfers (shown to clients who must pay).")
@click.option("--bic", help="BIC of that account.")
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
def provider_add(state: State, /, as_json: bool, agrement_date: Any, **fields: Any) -> None:
    """Register a provider.

    Example: domicili provider add --name "Lumière Domiciliation" --siren 732829320
    --agrement-numero 2024-075-001 --agrement-prefecture "Préfecture de police"
    --agrement-date 2024-01-15 --address "10 rue de Rivoli" --postcode 75004 --city Paris
    --email contact@lumiere.fr --phone "01 42 00 00 00"
    """
    fields = {k: v for k, v in fields.items() if v is not None and v != ()}
    for key in ("departements", "services"):
        if key in fields:
            fields[key] = list(fields[key])
    p = state.app(create=True).add_provider(agrement_date=agrement_date.date(), **fields)
    emit(provider_dict(p), as_json, lambda: _show(p))
    note(f"Provider {p.id} added.")


@provider.command("update")
@click.argument("provider_id", type=ID)
@click.option("--name")
@click.option("--legal-form")
@click.option("--representative")
@click.option("--representative-email")
@click.option("--vat-number")
@click.option("--address")
@click.option("--postcode")
@click.option("--city")
@click.option("--email")
@click.option("--phone")
@click.option("--iban")
@click.option("--bic")
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
    """Change a provider's details (bank details, contact, address…).

    Example: domicili provider update 1 --iban "FR76 3000 6000 0112 3456 7890 189" --bic AGRIFRPP
    """
    changes = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in changes.items()
        if v is not None and v != ()
    }
    if not changes:
        raise click.UsageError("Give at least one field to change (see --help).")
    p = state.app().update_provider(provider_id, **changes)
    emit(provider_dict(p), as_json, lambda: _show(p))


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
        columns=["ID", "Nom", "SIREN", "Ville", "Agrément"],
        cells=lambda p: (
            p.id,
            p.name,
            p.siren,
            f"{p.postcode} {p.city}",
            p.agrement_problem(today) or f"valide jusqu'au {p.agrement_expires:%d/%m/%Y}",
        ),
        noun="providers",
    )


@provider.command("show")
@click.argument("provider_id", type=ID)
@json_option
@click.pass_obj
def provider_show(state: State, provider_id: int, as_json: bool) -> None:
    """Show one provider.

    Example: domicili provider show 1
    """
    p = state.app().get_provider(provider_id)
    emit(provider_dict(p), as_json, lambda: _show(p))


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
    note(f"Provider {provider_id} suspended; hidden from the directory.")


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
    note(f"Provider {provider_id} resumed.")


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
            length=total, label="Import", file=sys.stderr, show_pos=False
        ) as bar:
            report = app.import_providers(file, skip_invalid=skip_invalid, progress=bar.update)
    except ImportRowsError as exc:
        # The error sentence names the first rows only: list every invalid row here.
        for line, reason in exc.rows:
            note(f"  line {line}: {reason}")
        raise

    def human() -> None:
        click.echo(
            f"{report.created} provider(s) created, {report.updated} updated, "
            f"{len(report.skipped)} invalid row(s) skipped."
        )
        for line, reason in report.skipped:
            click.echo(f"  line {line}: {reason}")

    emit(report.as_dict(), as_json, human)


COMMANDS = [provider]
