"""The morning intake: a folder of envelope photos recorded at once, and the sheet of
labels to stick on the day's mail.

Each photo (JPEG, PNG or PDF, judged by its content) in the folder, taken in the order
of the file names, becomes one piece of mail, recorded in a transaction of its own. Its
mailbox comes from its file name when the name starts with a mailbox number or a
dossier reference, followed by the end of the name or by ``_``, ``-``, ``.`` or a
space::

    B-0007_urssaf.jpg       mailbox B-0007 (the provider's prefix, ``[mailbox]
                            number_prefix``, then digits)
    D-000007-impots.jpg     the mailbox of dossier D-000007

(case does not matter; a name such as ``IMG_2041.jpg`` or ``0007.jpg`` names nothing,
so that a camera's numbering is never read as a mailbox). Otherwise the sheet given with
the folder (a CSV with the header ``file,mailbox,sender,kind``, separated by ``,`` or
``;``) may name it; otherwise the piece waits *à attribuer*. The sender and the kind come
from the sheet, else a letter whose sender is to be read from the envelope.

The key of each piece is the SHA-256 of its photo, so that the same folder taken again
records nothing twice. A photo naming a dossier not in force is not recorded (its piece
goes back to its sender) and the others go on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound, Refused
from ..i18n import _
from ..mailbox import KINDS, MailPiece
from .context import Context

if TYPE_CHECKING:
    from ..documents.labels import MailLabel
    from .mailroom import ReceiveOutcome

__all__ = [
    "UNREAD_SENDER",
    "IntakeLine",
    "IntakeReport",
    "intake",
    "labels",
    "name_target",
    "read_sheet",
]

#: The sender of a piece whose envelope is still to be read.
UNREAD_SENDER = "à préciser (voir l’enveloppe)"
#: The columns of an intake sheet; ``file`` is required.
COLUMNS = ("file", "mailbox", "sender", "kind")
#: The largest intake sheet read (a morning's mail is a few hundred lines).
SHEET_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class SheetRow:
    """What the intake sheet says of one photo."""

    line: int
    mailbox: str | None
    sender: str | None
    kind: str | None


@dataclass(frozen=True)
class IntakeLine:
    """One file of the folder and what became of it."""

    file: str
    piece_id: int | None = None
    mailbox: str | None = None
    #: Why it was refused or skipped.
    reason: str | None = None
    #: What became of a piece recorded: ``avis_de_passage`` (no procuration postale),
    #: ``suspended`` (held: the mail service is suspended).
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class IntakeReport:
    """The folder taken in: pieces recorded in a mailbox, recorded to assign, found
    already (an earlier intake of the same photo), refused, and files skipped."""

    recorded: list[IntakeLine] = field(default_factory=list)
    to_assign: list[IntakeLine] = field(default_factory=list)
    already: list[IntakeLine] = field(default_factory=list)
    refused: list[IntakeLine] = field(default_factory=list)
    skipped: list[IntakeLine] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            name: [line.as_dict() for line in getattr(self, name)]
            for name in ("recorded", "to_assign", "already", "refused", "skipped")
        }


# -- reading the folder and its sheet -----------------------------------------------
def name_target(ctx: Context, filename: str) -> str | None:
    """The mailbox number or dossier reference a photo's name starts with, else None."""
    prefix = re.escape(ctx.settings.mailbox.number_prefix)
    found = re.match(rf"(?i)({prefix}\d+|D-\d+)(?=$|[_\-. ])", Path(filename).stem)
    return found.group(1).upper() if found else None


def _folder(folder: str | Path) -> list[Path]:
    path = Path(folder)
    if not path.is_dir():
        raise InvalidInput(
            _("{path} is not a folder; give the folder of the envelope photos.").format(path=path),
            field="folder",
            value=str(path),
        )
    return sorted(path.iterdir(), key=lambda p: p.name)


def read_sheet(path: str | Path, names: Sequence[str]) -> dict[str, SheetRow]:
    """The intake sheet's rows by file name, every one checked before anything is
    recorded: its header, the files it names (in the folder, once each), their kinds."""
    from ..inputs import read_text

    text = read_text(path, limit=SHEET_MAX_BYTES, what=_("an intake sheet"), encoding="utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = ";" if ";" in header and "," not in header else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InvalidInput(
            _("{path}: line {line_num} cannot be read as CSV: {exc}.").format(
                path=path, line_num=reader.line_num, exc=exc
            ),
            field="csv",
        ) from None
    columns = [c.strip().lower() for c in rows[0]] if rows else []
    if "file" not in columns or set(columns) - set(COLUMNS):
        raise InvalidInput(
            _("{path}: its first line must name the columns {listed} (file is required).").format(
                path=path, listed=",".join(COLUMNS)
            ),
            field="csv",
        )
    found: dict[str, SheetRow] = {}
    known = set(names)
    for line, cells in enumerate(rows[1:], start=2):
        row = {c: v.strip() for c, v in zip(columns, cells, strict=False) if v.strip()}
        if not row:
            continue
        found[_sheet_file(path, line, row, known, found)] = _sheet_row(path, line, row)
    return found


def _sheet_file(
    path: str | Path, line: int, row: dict[str, str], known: set[str], found: dict[str, SheetRow]
) -> str:
    name = row.get("file", "")
    if name not in known:
        raise InvalidInput(
            _("{path}, line {line}: {name} is not a file of the folder.").format(
                path=path, line=line, name=repr(name)
            ),
            field="csv",
            value=name,
        )
    if name in found:
        raise InvalidInput(
            _("{path}, line {line}: {name} is named already on line {first}.").format(
                path=path, line=line, name=repr(name), first=found[name].line
            ),
            field="csv",
            value=name,
        )
    return name


def _sheet_row(path: str | Path, line: int, row: dict[str, str]) -> SheetRow:
    kind = row.get("kind")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(
            _("{path}, line {line}: {kind} is not a kind of mail; use one of {listed}.").format(
                path=path, line=line, kind=repr(kind), listed=", ".join(KINDS)
            ),
            field="csv",
            value=kind,
        )
    return SheetRow(line, row.get("mailbox"), row.get("sender"), kind)


# -- taking the folder in -----------------------------------------------------------
def intake(
    ctx: Context,
    folder: str | Path,
    *,
    sheet: str | Path | None = None,
    received_at: datetime | None = None,
    actor: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> IntakeReport:
    """Record every photo of ``folder`` as a piece of mail, one transaction each.
    ``progress`` is called with 1 as each entry of the folder is done."""
    entries = _folder(folder)
    rows = read_sheet(sheet, [p.name for p in entries]) if sheet is not None else {}
    at = received_at or ctx.now()
    report = IntakeReport()
    for path in entries:
        _take(ctx, path, rows.get(path.name), at, actor, report)
        if progress is not None:
            progress(1)
    return report


def _take(
    ctx: Context,
    path: Path,
    row: SheetRow | None,
    at: datetime,
    actor: str | None,
    report: IntakeReport,
) -> None:
    """One entry of the folder: skipped, refused, found again or recorded."""
    from ..files import sniff_content_type
    from .pieces import read_piece_file

    if path.name.startswith("."):
        report.skipped.append(IntakeLine(path.name, reason=_("a hidden file")))
        return
    try:
        data = read_piece_file(ctx, path, field="file")
    except InvalidInput as exc:
        report.skipped.append(IntakeLine(path.name, reason=str(exc)))
        return
    if not data or sniff_content_type(data) is None:
        report.skipped.append(IntakeLine(path.name, reason=_("not a JPEG, PNG or PDF photo")))
        return
    key = "intake-" + hashlib.sha256(data).hexdigest()
    again = _taken(ctx, key)
    if again is not None:
        from .mailroom import number_of

        report.already.append(IntakeLine(path.name, again.id, number_of(ctx, again)))
        return
    target = name_target(ctx, path.name) or (row.mailbox if row else None)
    try:
        with ctx.store.transaction():
            outcome = _record(ctx, target, (data, path.name), key, row, at, actor)
    except InvalidInput as exc:
        if exc.field == "received_at":  # the same for every photo: refused as a whole
            raise
        report.refused.append(IntakeLine(path.name, mailbox=target, reason=str(exc)))
        return
    except (Refused, NotFound) as exc:
        report.refused.append(IntakeLine(path.name, mailbox=target, reason=str(exc)))
        return
    line = IntakeLine(path.name, outcome.piece.id, outcome.mailbox_number, note=outcome.note)
    if not outcome.created:
        report.already.append(line)
    elif outcome.mailbox_number is None:
        report.to_assign.append(line)
    else:
        report.recorded.append(line)


def _taken(ctx: Context, key: str) -> MailPiece | None:
    """The piece an earlier intake made of the same photo (within the provider in scope),
    found before the photo's mailbox is even looked for: a dossier ended since then does
    not turn it into a refusal."""
    if ctx.provider_scope is not None:
        return ctx.store.get_piece(key=key, provider_id=ctx.provider_scope)
    return ctx.store.get_piece(key=key)


def _record(
    ctx: Context,
    target: str | None,
    envelope: tuple[bytes, str],
    key: str,
    row: SheetRow | None,
    at: datetime,
    actor: str | None,
) -> ReceiveOutcome:
    from .mailroom import record

    return record(
        ctx,
        target,
        sender=(row.sender if row else None) or UNREAD_SENDER,
        kind=(row.kind if row else None) or "lettre",
        envelope=envelope,
        received_at=at,
        key=key,
        actor=actor,
    )


# -- the sheet of labels ------------------------------------------------------------
def labels(
    ctx: Context, piece_ids: Sequence[int] = (), *, day: date | None = None, start_at: int = 1
) -> bytes:
    """A PDF sheet of labels for the pieces named, else for every piece received on
    ``day`` (Paris time; default today) that has its mailbox. ``start_at``: the place
    of the first label on the sheet (1 for the first; a sheet partly used already)."""
    from ..clock import PARIS, paris_date
    from ..documents.labels import AVERY_L7160, render_labels

    per_sheet = AVERY_L7160.per_sheet
    if not 1 <= start_at <= per_sheet:
        raise InvalidInput(
            _("start_at: {value} is not a place on the sheet; give 1 to {count}.").format(
                value=start_at, count=per_sheet
            ),
            field="start_at",
            value=start_at,
        )
    if piece_ids:
        from .mailroom import find_piece

        pieces = [find_piece(ctx, piece_id) for piece_id in dict.fromkeys(piece_ids)]
        for piece in pieces:
            if piece.mailbox_id is None:
                raise Refused(
                    _("Piece {id} is still to assign: give it its mailbox first.").format(
                        id=piece.id
                    )
                )
    else:
        day = day or paris_date(ctx.now())
        start = datetime.combine(day, time(), PARIS)
        end = datetime.combine(day + timedelta(days=1), time(), PARIS)
        pieces = [
            p
            for p in ctx.store.pieces_received_between(start, end, provider_id=ctx.provider_scope)
            if p.mailbox_id is not None
        ]
        if not pieces:
            from ..french import numeric_date_fr

            raise Refused(
                _("No piece of mail with its mailbox was received on {day}: no label.").format(
                    day=numeric_date_fr(day)
                )
            )
    return render_labels(_labels(ctx, pieces), start_at=start_at - 1)


def _labels(ctx: Context, pieces: list[MailPiece]) -> list[MailLabel]:
    from ..clock import paris_date
    from ..documents.labels import MailLabel

    if len({p.provider_id for p in pieces}) > 1:
        raise Refused(
            _("These pieces are the mail of several providers: print each one's labels apart.")
        )
    numbers: dict[int, str] = {}
    names: dict[int, str] = {}
    made = []
    for p in pieces:
        assert p.mailbox_id is not None
        assert p.dossier_id is not None
        if p.mailbox_id not in numbers:
            mailbox = ctx.store.get_mailbox(mailbox_id=p.mailbox_id)
            numbers[p.mailbox_id] = mailbox.number if mailbox else "?"
        if p.dossier_id not in names:
            names[p.dossier_id] = ctx.client(ctx.dossier(p.dossier_id).client_id).name
        made.append(
            MailLabel(
                mailbox=numbers[p.mailbox_id],
                piece_id=str(p.id),
                received_on=paris_date(p.received_at),
                kind=p.kind,
                client_name=names[p.dossier_id],
            )
        )
    return made
