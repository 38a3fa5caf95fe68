"""``domicili dossier …``: list, show, and decide on dossiers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..catalog import Requirement
from ..i18n import _
from ._output import (
    DOSSIER,
    emit,
    emit_rows,
    json_option,
    note,
    page_limit,
    page_options,
    table,
    told,
)

if TYPE_CHECKING:
    from ..models import Dossier
    from ..service.mail_notices import GreffeNotice
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
@click.option(
    "--search",
    metavar="TEXT",
    help="Only the dossiers whose client's name, email or SIREN, or whose reference, "
    "holds TEXT (any case).",
)
@page_options("dossiers")
@json_option
@click.pass_obj
def dossier_list(
    state: State,
    status: Status | None,
    search: str | None,
    limit: int | None,
    show_all: bool,
    before: int | None,
    as_json: bool,
) -> None:
    """List dossiers, newest first (50 unless --limit or --all; --before for the next page).

    Example: domicili dossier list --search "Atelier Lumière"
    """
    shown, read = page_limit(limit, show_all)
    emit_rows(
        state.app().iter_dossier_entries(status, read, before=before, search=search),
        limit=shown,
        as_json=as_json,
        data=lambda e: e.as_dict(),
        columns=[_("ID"), _("Ref."), _("Provider"), _("Client"), _("Status"), _("Payment due")],
        cells=lambda e: (
            e.dossier.id,
            e.dossier.reference,
            e.provider_name,
            e.client_name,
            _status(e.dossier),
            _deadline(e.dossier),
        ),
        noun="dossiers",
    )


def _status(d: Dossier) -> str:
    """``S4 Domiciliation en cours``, and whether its mail service is suspended."""
    shown = f"{d.status.code} {d.status.label}"
    return shown + " · " + _("mail suspended") if d.mail_suspended_at else shown


def _deadline(d: Dossier) -> str:
    """The payment deadline while one runs (a dossier awaiting its first payment)."""
    return _paris(d.payment_due_at) if d.status.first_payment_due else ""


def _show(details: DossierDetails, notice: GreffeNotice | None = None) -> None:
    from ..events import event_label
    from ..money import format_eur

    d, c = details.dossier, details.client
    pieces = {p.kind: p.label for p in details.justificatifs}
    say = click.echo
    say(
        _("Dossier {reference} (number {id}) — {code} {label}").format(
            reference=d.reference, id=d.id, code=d.status.code, label=d.status.label
        )
    )
    say(_("Provider: {name} (number {id})").format(name=details.provider.name, id=d.provider_id))
    kind = _("company") if c.is_company else _("sole trader")
    ident = _("being formed") if c.en_formation else _("SIREN {siren}").format(siren=c.siren)
    say(_("Client: {name} — {kind}, {ident}").format(name=c.name, kind=kind, ident=ident))
    say(
        _("Representative: {name} · {email} · {phone}").format(
            name=c.representative.full_name, email=c.email, phone=c.phone
        )
    )
    amount = format_eur(d.amount_due_cents)
    deadline = _deadline(d)
    if deadline:
        say(
            _("Amount due: {amount} incl. VAT, by {deadline}").format(
                amount=amount, deadline=deadline
            )
        )
    else:
        say(_("Amount due: {amount} incl. VAT").format(amount=amount))
    if details.payment_link:
        say(_("Pay online: {link}").format(link=details.payment_link))
    if d.mail_suspended_at:
        say(
            _(
                "Mail service suspended since {when} for an unpaid invoice: mail is kept, "
                "not scanned, forwarded or handed over until it is paid."
            ).format(when=_paris(d.mail_suspended_at))
        )
    if notice is not None:
        say(
            _(
                "Mail left uncollected three months: notice to the greffe drawn up on "
                "{when} (domicili courrier notice {reference} -o FILE)."
            ).format(when=_paris(notice.at), reference=d.reference)
        )
    if d.dismissal_reason:
        say(_("Internal reason for closing: {reason}").format(reason=d.dismissal_reason))
    table(
        [_("Piece"), _("Required"), _("State"), _("Rev."), _("File"), _("Reason")],
        [
            (
                p.label,
                Requirement(p.requirement).label,
                p.state_label,
                p.revision,
                p.filename,
                p.reason,
            )
            for p in details.justificatifs
        ],
        title=_("Supporting documents"),
    )
    table(
        [_("When"), _("Event")],
        [(_paris(e.at), event_label(e.type, e.data, pieces)) for e in details.events],
        title=_("History"),
    )


@dossier.command("show")
@click.argument("dossier_id", type=DOSSIER)
@json_option
@click.pass_obj
def dossier_show(state: State, dossier_id: int, as_json: bool) -> None:
    """Show a dossier: client, pieces, amount due, history.

    DOSSIER is its number (7) or its reference (D-000007).
    Example: domicili dossier show D-000001 --json
    """
    app = state.app()
    details = app.get_dossier(dossier_id)
    notice = app.mail_greffe_notice(dossier_id)
    data = {**details.as_dict(), "greffe_notice": notice.as_dict() if notice else None}
    emit(data, as_json, lambda: _show(details, notice))


def _changed(d: Dossier, as_json: bool, sentence: str) -> None:
    emit(
        _summary(d), as_json, lambda: click.echo(f"{d.reference}: {d.status.code} {d.status.label}")
    )
    note(sentence)


@dossier.command("accept")
@click.argument("dossier_id", type=DOSSIER)
@json_option
@click.pass_obj
def dossier_accept(state: State, dossier_id: int, as_json: bool) -> None:
    """Accept a dossier (S1 → S2); the client gets the amount and the deadline to pay.

    Example: domicili dossier accept 1
    """
    d = state.app().accept(dossier_id)
    _changed(
        d,
        as_json,
        _("Dossier {dossier_id} accepted; payment due by {deadline}.").format(
            dossier_id=dossier_id, deadline=_paris(d.payment_due_at)
        ),
    )


@dossier.command("dismiss")
@click.argument("dossier_id", type=DOSSIER)
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
        told(
            _("Dossier {dossier_id} closed sans suite").format(dossier_id=dossier_id),
            _("the client was told, without the reason"),
        ),
    )


@dossier.command("reactivate")
@click.argument("dossier_id", type=DOSSIER)
@json_option
@click.pass_obj
def dossier_reactivate(state: State, dossier_id: int, as_json: bool) -> None:
    """Reactivate an expired dossier (S8 → S2) with a fresh payment window.

    Example: domicili dossier reactivate 1
    """
    d = state.app().reactivate(dossier_id)
    _changed(
        d,
        as_json,
        _("Dossier {dossier_id} reactivated; payment due by {deadline}.").format(
            dossier_id=dossier_id, deadline=_paris(d.payment_due_at)
        ),
    )


COMMANDS = [dossier]
