"""``domicili courrier intake|labels``: the morning's envelope photos taken in at once,
and the sheet of labels to stick on the day's mail (attached to the ``courrier`` group)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import _, ngettext
from ._dates import DATE, MOMENT
from ._output import ID, OutputFile, emit, json_option, note
from .courrier import courrier, staff

if TYPE_CHECKING:
    from ..service.mail_intake import IntakeLine, IntakeReport
    from . import State

#: A folder given on the command line: one that exists.
FOLDER = click.Path(exists=True, file_okay=False, path_type=Path)
#: A sheet given on the command line: a regular file that exists.
SHEET = click.Path(exists=True, dir_okay=False, path_type=Path)


@courrier.command("intake")
@click.argument("folder", type=FOLDER)
@click.option(
    "--csv",
    "sheet",
    type=SHEET,
    help="A sheet file,mailbox,sender,kind (header required; ',' or ';') for the photos.",
)
@click.option("--received-at", type=MOMENT, help="When the mail arrived (default: now).")
@json_option
@click.pass_obj
def courrier_intake(
    state: State, folder: Path, sheet: Path | None, received_at: datetime | None, as_json: bool
) -> None:
    """Record each envelope photo (JPEG, PNG, PDF) of FOLDER as a piece of mail.

    A photo's mailbox comes from its file name when it starts with a mailbox number or
    a dossier reference (B-0007_urssaf.jpg, D-000007-impots.jpg), else from the --csv
    sheet, else the piece waits « à attribuer » (then: courrier assign). Its sender and
    kind come from the sheet, else a letter whose sender is to be read. Taking the same
    photos again records nothing twice; mail for a dossier not in force is refused
    (return it to its sender) and the others go on. Clients are told of the pieces in
    their mailbox. Example: domicili courrier intake ~/courrier/2026-12-02 --csv
    tri.csv
    """
    app = state.app()
    if sys.stderr.isatty():  # a bar for people watching; nothing in a script's log
        total = sum(1 for _entry in folder.iterdir())
        with click.progressbar(
            length=total, label=_("Intake"), file=sys.stderr, show_pos=True
        ) as bar:
            report = app.intake_mail(
                folder, sheet=sheet, received_at=received_at, progress=bar.update, actor=staff()
            )
    else:
        report = app.intake_mail(folder, sheet=sheet, received_at=received_at, actor=staff())
    emit(report.as_dict(), as_json, lambda: _summary(report))


def _summary(report: IntakeReport) -> None:
    for line in report.recorded:
        click.echo(
            _("{file}: piece {id}, mailbox {mailbox}.").format(
                file=line.file, id=line.piece_id, mailbox=line.mailbox
            )
            + _said(line)
        )
    for line in report.to_assign:
        click.echo(_("{file}: piece {id}, to assign.").format(file=line.file, id=line.piece_id))
    for line in report.already:
        click.echo(
            _("{file}: piece {id} already, nothing new.").format(file=line.file, id=line.piece_id)
        )
    for line in report.refused:
        click.echo(_("{file}: refused: {reason}").format(file=line.file, reason=line.reason))
    for line in report.skipped:
        click.echo(_("{file}: skipped: {reason}.").format(file=line.file, reason=line.reason))
    click.echo(
        ngettext(
            "{count} piece recorded in its mailbox",
            "{count} pieces recorded in their mailboxes",
            len(report.recorded),
        ).format(count=len(report.recorded))
        + _(
            ", {assign} to assign, {already} already there, {refused} refused, {skipped} skipped."
        ).format(
            assign=len(report.to_assign),
            already=len(report.already),
            refused=len(report.refused),
            skipped=len(report.skipped),
        )
    )
    if report.to_assign:
        note(_("Give the pieces to assign their mailbox: domicili courrier assign PIECE MAILBOX."))


def _said(line: IntakeLine) -> str:
    if line.note == "avis_de_passage":
        return " " + _("(no procuration postale: an avis de passage)")
    if line.note == "suspended":
        return " " + _("(held: the mail service is suspended)")
    return ""


@courrier.command("labels")
@click.argument("piece_ids", type=ID, nargs=-1, metavar="[PIECE_ID]...")
@click.option("--day", type=DATE, help="Every piece received that day (default: today).")
@click.option(
    "--start-at",
    type=click.IntRange(1, 21),
    metavar="N",
    default=1,
    show_default=True,
    help="The place of the first label on the sheet (a sheet partly used already).",
)
@click.option("-o", "--output", type=OutputFile(), required=True, help="PDF file to write.")
@json_option
@click.pass_obj
def courrier_labels(
    state: State,
    piece_ids: tuple[int, ...],
    day: date | None,
    start_at: int,
    output: Path,
    as_json: bool,
) -> None:
    """Write a PDF sheet of labels (A4, 21 a sheet: mailbox number, piece id, day,
    kind, client, QR code) for the pieces named, else for every piece received on the
    day that has its mailbox.

    Example: domicili courrier labels --day 2026-12-02 -o etiquettes.pdf
    """
    from ..files import write_atomic

    if piece_ids and day is not None:
        raise click.UsageError(_("Name pieces or give --day, not both."))
    data = state.app().mail_labels(piece_ids, day=day, start_at=start_at)
    write_atomic(output, data)
    emit(
        {"output": str(output), "bytes": len(data)},
        as_json,
        lambda: click.echo(_("{output}: the sheet of labels.").format(output=output)),
    )
