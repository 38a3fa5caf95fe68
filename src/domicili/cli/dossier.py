"""``domicili dossier …``: list, show, and decide on dossiers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..catalog import Requirement
from ._output import ID, emit, emit_rows, json_option, note, page_limit, page_options, table, told

if TYPE_CHECKING:
    from ..models import Dossier
    from ..service.views import DossierDetails
    from ..statuses import Status
    from . import State


class StatusType(click.ParamType):  # type: ignore[type-arg]
    name = "STATUS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Status:
        from ..statuses import parse_status

        try:
            return parse_status(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.group()
def dossier() -> None:
    """Dossiers: one client's request to one provider, then its contract file.

    Example: domicili dossier show 1
    """


def _summary(d: Dossier) -> dict[str, Any]:
    from ..service.views import dossier_summary

    return dossier_summary(d)


def _paris(at: Any) -> str:
    from ..clock import PARIS

    return at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if at else ""


@dossier.command("list")
@click.option("--status", type=StatusType(), help="Only this status (S1 or pending_review…).")
@page_options("dossiers")
@json_option
@click.pass_obj
def dossier_list(
    state: State,
    status: Status | None,
    limit: int | None,
    show_all: bool,
    before: int | None,
    as_json: bool,
) -> None:
    """List dossiers, newest first (50 unless --limit or --all; --before for the next page).

    Example: domicili dossier list --status S1
    """
    shown, read = page_limit(limit, show_all)
    emit_rows(
        state.app().iter_dossiers(status, read, before=before),
        limit=shown,
        as_json=as_json,
        data=_summary,
        columns=["ID", "Réf.", "Prestataire", "Client", "Statut", "Échéance paiement"],
        cells=lambda d: (
            d.id,
            d.reference,
            d.provider_id,
            d.client_id,
            f"{d.status.code} {d.status.label}",
            _paris(d.payment_due_at),
        ),
        noun="dossiers",
    )


def _show(details: DossierDetails) -> None:
    from ..money import format_eur

    d, c = details.dossier, details.client
    click.echo(f"Dossier {d.reference} (id {d.id}) — {d.status.code} {d.status.label}")
    click.echo(f"Prestataire : {details.provider.name} (id {d.provider_id})")
    kind = "société" if c.is_company else "entrepreneur individuel"
    ident = "en formation" if c.en_formation else f"SIREN {c.siren}"
    click.echo(f"Client      : {c.name} — {kind}, {ident}")
    click.echo(f"Représentant: {c.representative.full_name} · {c.email} · {c.phone}")
    click.echo(
        f"Montant dû  : {format_eur(d.amount_due_cents)} TTC"
        + (f", avant le {_paris(d.payment_due_at)}" if d.payment_due_at else "")
    )
    if details.payment_link:
        click.echo(f"Paiement en ligne : {details.payment_link}")
    if d.dismissal_reason:
        click.echo(f"Motif interne du classement : {d.dismissal_reason}")
    table(
        ["Pièce", "Exigée", "État", "Rév.", "Fichier", "Motif"],
        [
            (
                p.kind,
                Requirement(p.requirement).label,
                p.state_label,
                p.revision,
                p.filename,
                p.reason,
            )
            for p in details.justificatifs
        ],
        title="Justificatifs",
    )
    table(
        ["Quand", "Événement"], [(_paris(e.at), e.type) for e in details.events], title="Historique"
    )


@dossier.command("show")
@click.argument("dossier_id", type=ID)
@json_option
@click.pass_obj
def dossier_show(state: State, dossier_id: int, as_json: bool) -> None:
    """Show a dossier: client, pieces, amount due, history.

    Example: domicili dossier show 1 --json
    """
    details = state.app().get_dossier(dossier_id)
    emit(details.as_dict(), as_json, lambda: _show(details))


def _changed(d: Dossier, as_json: bool, sentence: str) -> None:
    emit(
        _summary(d), as_json, lambda: click.echo(f"{d.reference}: {d.status.code} {d.status.label}")
    )
    note(sentence)


@dossier.command("accept")
@click.argument("dossier_id", type=ID)
@json_option
@click.pass_obj
def dossier_accept(state: State, dossier_id: int, as_json: bool) -> None:
    """Accept a dossier (S1 → S2); the client gets the amount and the deadline to pay.

    Example: domicili dossier accept 1
    """
    d = state.app().accept(dossier_id)
    _changed(
        d, as_json, f"Dossier {dossier_id} accepted; payment due by {_paris(d.payment_due_at)}."
    )


@dossier.command("dismiss")
@click.argument("dossier_id", type=ID)
@click.option("--reason", required=True, help="Internal reason; never sent to the client.")
@json_option
@click.pass_obj
def dossier_dismiss(state: State, dossier_id: int, reason: str, as_json: bool) -> None:
    """Close a dossier sans suite (S1/S2 → S7); the reason stays internal.

    Example: domicili dossier dismiss 2 --reason "Bénéficiaires effectifs non vérifiables"
    """
    d = state.app().dismiss(dossier_id, reason)
    _changed(
        d,
        as_json,
        told(f"Dossier {dossier_id} closed sans suite", "the client was told, without the reason"),
    )


@dossier.command("reactivate")
@click.argument("dossier_id", type=ID)
@json_option
@click.pass_obj
def dossier_reactivate(state: State, dossier_id: int, as_json: bool) -> None:
    """Reactivate an expired dossier (S8 → S2) with a fresh payment window.

    Example: domicili dossier reactivate 1
    """
    d = state.app().reactivate(dossier_id)
    _changed(
        d, as_json, f"Dossier {dossier_id} reactivated; payment due by {_paris(d.payment_due_at)}."
    )


COMMANDS = [dossier]
