"""``domicili demande …``: the "Demander une offre" questionnaire."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import _
from ._output import ID, emit, json_option, note, table, told

if TYPE_CHECKING:
    from . import State


@click.group()
def demande() -> None:
    """Requests from clients ("Demander une offre").

    Example: domicili demande create --answers examples/demande-societe.yaml --to 1
    """


@demande.command("create")
@click.option(
    "--answers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Answers file (YAML); without it the questions are asked here.",
)
@click.option(
    "--to",
    "to",
    type=ID,
    multiple=True,
    help="Provider to send the request to (repeat for several).",
)
@click.option("--departement", help="With --all: the département whose providers receive it.")
@click.option(
    "--all", "all_listed", is_flag=True, help="Send to every provider listed in --departement."
)
@click.option(
    "--resume",
    is_flag=True,
    help="Go on with the questionnaire interrupted earlier (its answers are kept as given).",
)
@json_option
@click.pass_obj
def demande_create(
    state: State,
    answers: Path | None,
    to: tuple[int, ...],
    departement: str | None,
    all_listed: bool,
    resume: bool,
    as_json: bool,
) -> None:
    """Send one questionnaire to one or several providers: one dossier each (S1).

    Example: domicili demande create --answers examples/demande-societe.yaml --to 1 --to 2
    """
    if all_listed != (departement is not None):
        raise click.UsageError("--all and --departement CODE go together.")
    if resume and answers is not None:
        raise click.UsageError(_("--resume goes on with the questionnaire, not an answers file."))
    if resume and not to and not all_listed:
        from .questionnaire import resumed_targets

        to = resumed_targets(state.db)
    if not to and not all_listed:
        raise click.UsageError(
            "Choose providers: --to ID (repeatable) or --departement CODE --all."
        )
    app = state.app(create=True)
    targets = list(to)
    if departement is not None:
        from ..errors import Refused
        from ._errors import hint

        with hint("`domicili annuaire search` shows where providers are", Refused):
            targets += app.listed_provider_ids(departement)
    if answers is None:
        from .questionnaire import ask

        # Unknown providers are refused before any question.
        client, dossiers = ask(app, state.db, targets, resume=resume)
    else:
        client, dossiers = app.create_demande(answers, to=targets)
    from ..service.views import dossier_summary

    data = {
        "client": client.model_dump(mode="json"),
        "dossiers": [dossier_summary(d) for d in dossiers],
    }

    def human() -> None:
        from ..money import format_eur

        table(
            ["Dossier", "Réf.", "Prestataire", "Statut", "1er paiement TTC"],
            [
                (
                    d.id,
                    d.reference,
                    d.provider_id,
                    f"{d.status.code} {d.status.label}",
                    format_eur(d.amount_due_cents),
                )
                for d in dossiers
            ],
            title=f"Demande de {client.display_name}",
        )

    emit(data, as_json, human)
    note(told(f"{len(dossiers)} dossier(s) sent", "each provider and the client were notified"))


COMMANDS = [demande]
