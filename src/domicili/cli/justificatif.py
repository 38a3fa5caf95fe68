"""``domicili justificatif …``: supporting documents and their review."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..catalog import Requirement
from ..i18n import _
from ._output import DOSSIER, ID, OutputFile, emit, json_option, note, table, told, whole_number

if TYPE_CHECKING:
    from ..service.pieces import PieceView
    from . import State


@click.group()
def justificatif() -> None:
    """Supporting documents (pièces justificatives) of a dossier.

    Example: domicili justificatif list 1
    """


def _table(views: list[PieceView]) -> None:
    table(
        [_("Kind"), _("Piece"), _("Required"), _("State"), _("Rev."), _("File"), _("Reason")],
        [
            (
                p.kind,
                p.label,
                Requirement(p.requirement).label,
                p.state_label,
                p.revision,
                p.filename,
                p.reason,
            )
            for p in views
        ],
    )


@justificatif.command("add")
@click.argument("dossier_id", type=DOSSIER)
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@click.pass_obj
def justificatif_add(state: State, dossier_id: int, kind: str, file: Path, as_json: bool) -> None:
    """Attach a PDF, JPEG or PNG file as a piece (a new revision if one exists).

    Example: domicili justificatif add 1 identite carte-identite.pdf
    """
    view = state.app().add_justificatif(dossier_id, kind, file)
    emit(view.as_dict(), as_json, lambda: _table([view]))
    note(
        _("{kind} revision {revision} received for dossier {dossier_id}.").format(
            kind=kind, revision=view.revision, dossier_id=dossier_id
        )
    )


@justificatif.command("list")
@click.argument("dossier_id", type=DOSSIER)
@json_option
@click.pass_obj
def justificatif_list(state: State, dossier_id: int, as_json: bool) -> None:
    """Every piece the dossier needs, with its state.

    Example: domicili justificatif list 1 --json
    """
    views = state.app().justificatifs(dossier_id)
    emit([v.as_dict() for v in views], as_json, lambda: _table(views))


@justificatif.command("get")
@click.argument("dossier_id", type=DOSSIER)
@click.argument("kind")
@click.option("--revision", type=ID, help="An earlier revision (default: the latest).")
@click.option(
    "-o",
    "--output",
    type=OutputFile(),
    help="File to write (default: the name the client gave it, here).",
)
@click.pass_obj
def justificatif_get(
    state: State, dossier_id: int, kind: str, revision: int | None, output: Path | None
) -> None:
    """Write a piece's file as received, to open and review it.

    Example: domicili justificatif get 1 identite -o identite-D-000001.pdf
    """
    from ..files import write_atomic

    found, data = state.app().justificatif_file(dossier_id, kind, revision)
    target = output or Path(found.filename)
    if output is None and target.exists():
        raise click.UsageError(
            _("{target} already exists here; choose a file with -o.").format(target=target)
        )
    write_atomic(target, data)
    note(
        _("{kind} revision {revision} ({content_type}, {size} bytes) written to {target}.").format(
            kind=kind,
            revision=found.revision,
            content_type=found.content_type,
            size=found.size,
            target=target,
        )
    )


def _split_invalidation(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    out = {}
    for value in values:
        kind, sep, reason = value.partition("=")
        if not sep or not kind.strip() or not reason.strip():
            raise click.BadParameter(
                _('{value!r}: write KIND=REASON, e.g. identite="Document illisible".').format(
                    value=value
                ),
                ctx,
                param,
            )
        out[kind.strip()] = reason.strip()
    return out


def _revision(item: str, seen: dict[str, int]) -> str:
    """``identite@2`` → ``identite``, remembering that revision 2 is the one reviewed."""
    kind, sep, number = item.partition("@")
    if sep:
        revision = whole_number(number)
        if revision is None or not 1 <= revision <= 2**63 - 1:
            raise click.BadParameter(
                _("{item!r}: write KIND or KIND@REVISION, e.g. identite@2.").format(item=item)
            )
        seen[kind.strip()] = revision
    return kind.strip()


@justificatif.command("review")
@click.argument("dossier_id", type=DOSSIER)
@click.option(
    "--validate",
    "validate",
    multiple=True,
    metavar="KIND[@REV]",
    help="Mark this piece validated (repeatable); @REV: refuse if a newer file arrived.",
)
@click.option(
    "--invalidate",
    "invalidate",
    multiple=True,
    metavar="KIND[@REV]=REASON",
    callback=_split_invalidation,
    help="Mark this piece invalidated, with the reason the client will read.",
)
@json_option
@click.pass_obj
def justificatif_review(
    state: State,
    dossier_id: int,
    validate: tuple[str, ...],
    invalidate: dict[str, str],
    as_json: bool,
) -> None:
    """Save a review: one recap email to the client lists every piece and its state.

    Example: domicili justificatif review 1 --validate identite
    --invalidate justificatif_domicile="Facture de plus de 3 mois"
    """
    if not validate and not invalidate:
        raise click.UsageError(_("Give at least one --validate KIND or --invalidate KIND=REASON."))
    seen: dict[str, int] = {}
    kinds = [_revision(k, seen) for k in validate]
    reasons = {_revision(k, seen): reason for k, reason in invalidate.items()}
    views = state.app().review(dossier_id, validate=kinds, invalidate=reasons, seen=seen)
    emit([v.as_dict() for v in views], as_json, lambda: _table(views))
    note(
        told(
            _("Review saved for dossier {dossier_id}").format(dossier_id=dossier_id),
            _("the client received the recap"),
        )
    )


COMMANDS = [justificatif]
