"""``domicili courrier notices`` and ``courrier notice``: the notices to the greffe of
clients leaving their mail uncollected for three months (C. com. R123-168), drawn up by
``sweep``; a scan viewed by the client."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import _
from ._output import DOSSIER, ID, OutputFile, emit, json_option, note, table
from .courrier import courrier

if TYPE_CHECKING:
    from . import State


def _paris(at: object) -> str:
    from .dossier import _paris as shown

    return shown(at)


@courrier.command("notices")
@json_option
@click.pass_obj
def courrier_notices(state: State, as_json: bool) -> None:
    """List the notices to the greffe (3-month rule), latest first.

    `sweep` draws one up for a client who left its mail uncollected three months; the
    provider signs and sends it. Example: domicili courrier notices --json
    """
    notices = state.app().mail_greffe_notices()

    def human() -> None:
        table(
            [_("Dossier"), _("Client"), _("Mailbox"), _("Drawn up")],
            [(n.reference, n.client, n.mailbox, _paris(n.at)) for n in notices],
            title=_("Notices to the greffe"),
        )

    emit([n.as_dict() for n in notices], as_json, human)


@courrier.command("notice")
@click.argument("dossier_id", type=DOSSIER)
@click.option("-o", "--output", type=OutputFile(), required=True, help="PDF file to write.")
@click.pass_obj
def courrier_notice(state: State, dossier_id: int, output: Path) -> None:
    """Write the dossier's latest notice to the greffe as PDF.

    Example: domicili courrier notice D-000007 -o greffe-D-000007.pdf
    """
    from ..files import write_atomic

    write_atomic(output, state.app().mail_greffe_notice_pdf(dossier_id))
    note(
        _("Notice to the greffe of dossier {dossier_id} written to {output}.").format(
            dossier_id=dossier_id, output=output
        )
    )


@courrier.command("viewed")
@click.argument("piece_id", type=ID)
@json_option
@click.pass_obj
def courrier_viewed(state: State, piece_id: int, as_json: bool) -> None:
    """Record that the client viewed a piece's scan (what its web page reports).

    With `[mailbox] scan_view_acknowledges` (the default) it counts as the client taking
    its mail, for the 3-month rule. Example: domicili courrier viewed 42
    """
    piece = state.app().mail_scan_viewed(piece_id)
    emit(
        piece.model_dump(mode="json"),
        as_json,
        lambda: click.echo(_("Piece {id}: its scan was viewed.").format(id=piece.id)),
    )
