"""``domicili demande …``: the "Demander une offre" questionnaire."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import _, ngettext
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
    "--force",
    is_flag=True,
    help="Send it even to a provider where the client already has an open dossier.",
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
    force: bool,
    resume: bool,
    as_json: bool,
) -> None:
    """Send one questionnaire to one or several providers: one dossier each (S1).

    Example: domicili demande create --answers examples/demande-societe.yaml --to 1 --to 2
    """
    if all_listed != (departement is not None):
        raise click.UsageError(_("--all and --departement CODE go together."))
    if resume and answers is not None:
        raise click.UsageError(_("--resume goes on with the questionnaire, not an answers file."))
    if resume and not to and not all_listed:
        from .questionnaire import resumed_targets

        to = resumed_targets(state.db)
    if not to and not all_listed:
        raise click.UsageError(
            _("Choose providers: --to ID (repeatable) or --departement CODE --all.")
        )
    app = state.app(create=True)
    targets = list(to)
    if departement is not None:
        from ..errors import Refused
        from ._errors import hint

        with hint(_("`domicili annuaire search` shows where providers are"), Refused):
            targets += app.listed_provider_ids(departement)
    from ..errors import DuplicateRequest
    from ._errors import hint

    with hint(_("add --force to send it anyway"), DuplicateRequest):
        if answers is None:
            from .questionnaire import ask

            # Unknown providers are refused before any question.
            client, dossiers = ask(app, state.db, targets, resume=resume, force=force)
        else:
            client, dossiers = app.create_demande(answers, to=targets, force=force)
    from ..service.views import dossier_summary

    data = {
        "client": client.model_dump(mode="json"),
        "dossiers": [dossier_summary(d) for d in dossiers],
    }

    names = {p: app.get_provider(p).name for p in {d.provider_id for d in dossiers}}

    def human() -> None:
        from ..money import format_eur

        table(
            [_("Dossier"), _("Ref."), _("Provider"), _("Status"), _("1st payment incl. VAT")],
            [
                (
                    d.id,
                    d.reference,
                    names.get(d.provider_id, d.provider_id),
                    f"{d.status.code} {d.status.label}",
                    format_eur(d.amount_due_cents),
                )
                for d in dossiers
            ],
            title=_("Request of {client}").format(client=client.display_name),
        )

    emit(data, as_json, human)
    sent = ngettext("{n} dossier sent", "{n} dossiers sent", len(dossiers)).format(n=len(dossiers))
    note(told(sent, _("each provider and the client were notified")))


COMMANDS = [demande]
