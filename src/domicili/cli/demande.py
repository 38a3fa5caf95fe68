"""``domicili demande …``: the "Demander une offre" questionnaire."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._output import emit, json_option, note, table

if TYPE_CHECKING:
    from . import State


@click.group()
def demande() -> None:
    """Requests from clients ("Demander une offre")."""


@demande.command("create")
@click.option(
    "--answers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Answers file (YAML); see examples/demande-*.yaml.",
)
@click.option(
    "--to",
    "to",
    type=int,
    multiple=True,
    required=True,
    help="Provider to send the request to (repeat for several).",
)
@json_option
@click.pass_obj
def demande_create(state: State, answers: Path, to: tuple[int, ...], as_json: bool) -> None:
    """Send one questionnaire to one or several providers: one dossier each (S1).

    Example: domicili demande create --answers examples/demande-societe.yaml --to 1 --to 2
    """
    client, dossiers = state.app(create=True).create_demande(answers, to=to)
    from ..service.views import dossier_summary

    data = {
        "client": client.model_dump(mode="json"),
        "dossiers": [dossier_summary(d) for d in dossiers],
    }

    def human() -> None:
        table(
            ["Dossier", "Réf.", "Prestataire", "Statut"],
            [
                (d.id, d.reference, d.provider_id, f"{d.status.code} {d.status.label}")
                for d in dossiers
            ],
            title=f"Demande de {client.display_name}",
        )

    emit(data, as_json, human)
    note(f"{len(dossiers)} dossier(s) sent; each provider and the client were notified.")


COMMANDS = [demande]
