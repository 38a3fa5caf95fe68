"""Labels for the pieces of mail a provider receives, printed on A4 sheets of labels.

Each piece gets a label to stick on the paper: the mailbox number in large type, the
piece id, the day it was received, its kind and the client's name, with a QR code
that holds the piece id. The QR code's payload is the text::

    DOMICILI:PIECE:<piece id>

(for instance ``DOMICILI:PIECE:1234``): :func:`piece_qr_payload` makes it and
:func:`piece_id_from_qr` reads a scanned one back. It is drawn as filled squares,
so that it stays sharp whatever the printer.

fpdf2 and segno are imported only when a sheet is drawn.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from ..french import numeric_date_fr
from ..mailbox import KINDS as MAIL_KINDS
from ..mailbox import MailKind
from .data import Text

if TYPE_CHECKING:
    from ._pdf import Document

__all__ = [
    "AVERY_L7160",
    "AVERY_L7162",
    "MAIL_KINDS",
    "LabelLayout",
    "MailKind",
    "MailLabel",
    "piece_id_from_qr",
    "piece_qr_payload",
    "render_labels",
]

QR_PREFIX = "DOMICILI:PIECE:"

#: An identifier printed whole on a label and read back from its QR code.
Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,23}$"),
]


def piece_qr_payload(piece_id: str) -> str:
    """The text a piece's QR code holds: ``"1234"`` → ``"DOMICILI:PIECE:1234"``."""
    return QR_PREFIX + piece_id


def piece_id_from_qr(text: str) -> str | None:
    """The piece id a scanned QR code names, or None when it is not a domicili label."""
    text = text.strip()
    if not text.upper().startswith(QR_PREFIX):
        return None
    return text[len(QR_PREFIX) :] or None


class MailLabel(BaseModel):
    """What one label shows. Numbers are accepted for the ids (``42`` reads ``"42"``)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", defer_build=True, coerce_numbers_to_str=True
    )

    #: The client's mailbox number, as staff sort the mail by it.
    mailbox: Identifier
    #: The piece's id, printed and held by the QR code.
    piece_id: Identifier
    #: The day the piece arrived, in the provider's own time (Paris for most): a
    #: datetime is for the caller to turn into that day.
    received_on: date
    kind: MailKind
    #: The client's name, shortened on the label when it is too long to fit.
    client_name: Text


@dataclass(frozen=True)
class LabelLayout:
    """An A4 sheet of labels in a grid; every length in millimetres.

    ``top`` and ``left`` place the first label's top-left corner; ``pitch_x`` and
    ``pitch_y`` are the distances from one label's corner to the next one's (the
    label's size plus the gap between labels).
    """

    name: str
    columns: int
    rows: int
    width: float
    height: float
    top: float
    left: float
    pitch_x: float
    pitch_y: float
    #: Blank space kept inside each label's edge (printers do not print exactly in place).
    padding: float = 2.5

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1:
            raise ValueError(f"Layout {self.name}: give at least one column and one row.")
        if self.pitch_x < self.width or self.pitch_y < self.height:
            raise ValueError(f"Layout {self.name}: the pitch is smaller than the label.")
        right = self.left + (self.columns - 1) * self.pitch_x + self.width
        bottom = self.top + (self.rows - 1) * self.pitch_y + self.height
        if min(self.top, self.left) < 0 or right > PAGE_WIDTH or bottom > PAGE_HEIGHT:
            raise ValueError(f"Layout {self.name}: the labels do not fit on an A4 sheet.")
        if min(self.width, self.height) < 20 + 2 * self.padding:
            raise ValueError(f"Layout {self.name}: a label under 20 mm has no room to read.")

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Top-left corner of the label at ``index`` on its sheet, row by row."""
        row, column = divmod(index % self.per_sheet, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y


PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0

#: 21 labels of 63.5 × 38.1 mm in 3 columns and 7 rows (Avery L7160, J8160 and the
#: many sheets sold as compatible). The grid is centred on the sheet: 7 × 38.1 mm
#: leaves (297 − 266.7) / 2 = 15.15 mm above and below, and 3 columns at a 66.0 mm
#: pitch leave (210 − 195.5) / 2 = 7.25 mm on each side (Avery rounds it to 7.2).
AVERY_L7160 = LabelLayout(
    name="L7160",
    columns=3,
    rows=7,
    width=63.5,
    height=38.1,
    top=15.15,
    left=7.25,
    pitch_x=66.0,
    pitch_y=38.1,
)

#: 16 labels of 99.1 × 33.9 mm in 2 columns and 8 rows (Avery L7162, J8162).
AVERY_L7162 = LabelLayout(
    name="L7162",
    columns=2,
    rows=8,
    width=99.1,
    height=33.9,
    top=12.9,
    left=4.65,
    pitch_x=101.6,
    pitch_y=33.9,
)


def render_labels(
    labels: list[MailLabel],
    *,
    layout: LabelLayout = AVERY_L7160,
    start_at: int = 0,
    outline: bool = False,
    issued_at: datetime | None = None,
) -> bytes:
    """The labels as a PDF of A4 sheets, in order, row by row, as many sheets as needed.

    ``start_at`` skips the first positions of the first sheet (a sheet already partly
    used: ``start_at=5`` prints the first label in the sixth place). ``outline`` draws
    each label's edge, to check the alignment on plain paper. ``issued_at`` dates the
    file; by default the last day a piece was received, so that the same labels always
    give the same bytes.
    """
    if not labels:
        raise ValueError("There is no label to print.")
    if not 0 <= start_at < layout.per_sheet:
        raise ValueError(
            f"start_at must be between 0 and {layout.per_sheet - 1}: "
            f"a {layout.name} sheet has {layout.per_sheet} labels."
        )
    moment = issued_at or datetime.combine(max(item.received_on for item in labels), time(), UTC)
    pdf = _sheet_class()(
        title=f"Étiquettes du courrier – {_count(len(labels))}",
        author="domicili",
        issued_at=moment,
        footer_left="",
        footer_legal="",
    )
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0  # the text starts where it is placed and ends within its width
    for index, label in enumerate(labels, start=start_at):
        if index % layout.per_sheet == 0 or pdf.page_no() == 0:
            pdf.add_page()
        x, y = layout.position(index)
        _draw_label(pdf, label, layout, x, y, outline=outline)
    assert pdf.page_no() == math.ceil((start_at + len(labels)) / layout.per_sheet)
    return bytes(pdf.output())


def _count(number: int) -> str:
    return f"{number} pièce" + ("s" if number > 1 else "")


def qr_matrix(piece_id: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules for a piece (True = dark), without the quiet zone."""
    import segno

    code = segno.make_qr(piece_qr_payload(piece_id), error="m")
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


def _draw_label(
    pdf: Document, label: MailLabel, layout: LabelLayout, x: float, y: float, *, outline: bool
) -> None:
    if outline:
        from ._pdf import RULE

        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.rect(x, y, layout.width, layout.height)
    matrix = qr_matrix(label.piece_id)
    # The QR code with its quiet zone of 4 modules takes the label's height, or up to
    # 42 % of its width on a square-ish label; the quiet zone may cover the padding.
    box = min(layout.height, layout.width * 0.42)
    module = box / (len(matrix) + 8)
    qr_size = module * len(matrix)
    draw_qr(pdf, matrix, x + 4 * module, y + (layout.height - qr_size) / 2, module)
    text_x = x + box
    _draw_text(pdf, label, text_x, y, x + layout.width - layout.padding - text_x, layout)


def draw_qr(
    pdf: Document, matrix: tuple[tuple[bool, ...], ...], x: float, y: float, module: float
) -> None:
    """Each run of dark modules on a row as one black rectangle (no seams between them)."""
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            end = column
            while end < len(row) and row[end]:
                end += 1
            pdf.rect(
                x + column * module,
                y + row_index * module,
                (end - column) * module,
                module,
                style="F",
            )
            column = end


# The lines of a label, top to bottom: (size in points, bold, at most this many lines).
_LINES: tuple[tuple[float, bool, int], ...] = (
    (15, True, 1),  # the mailbox number
    (9, True, 1),  # the piece id
    (7.5, False, 1),  # the day received
    (7.5, True, 1),  # the kind
    (7.5, False, 2),  # the client's name
)
_LEADING = 1.22  # line height over font size
_PT = 25.4 / 72  # one point in millimetres
_MIN_SIZE = 5.0
#: How small an id may get before it is cut: never, with the ids a label accepts.
_ID_SIZE = 4.0


def _draw_text(
    pdf: Document, label: MailLabel, x: float, y: float, width: float, layout: LabelLayout
) -> None:
    day = numeric_date_fr(label.received_on)
    # Each line's texts, the first that fits at a readable size wins; an id sheds its
    # word (« Boîte », « Pièce ») rather than a character.
    texts: tuple[tuple[tuple[str, ...], float], ...] = (
        ((f"Boîte {label.mailbox}", label.mailbox), _ID_SIZE),
        ((f"Pièce {label.piece_id}", label.piece_id), _ID_SIZE),
        ((f"Reçu le {day}", day), _MIN_SIZE),
        ((MAIL_KINDS[label.kind].upper(),), _MIN_SIZE),
        ((label.client_name,), _MIN_SIZE),
    )
    room = layout.height - 2 * layout.padding
    wanted = sum(size * _PT * _LEADING * count for size, _, count in _LINES)
    scale = min(1.0, room / wanted)
    top = y + layout.padding + (room - wanted * scale) / 2
    for (choices, floor), (size, bold, count) in zip(texts, _LINES, strict=True):
        size = max(_MIN_SIZE, size * scale)
        pdf.set_font("DejaVu", "B" if bold else "", size)
        if count > 1:
            lines = [(line, size) for line in _wrap(pdf, choices[0], width, count)]
        else:
            lines = [_shrink(pdf, choices, width, size, floor)]
        for line, line_size in lines:
            pdf.set_font("DejaVu", "B" if bold else "", line_size)
            pdf.set_xy(x, top)
            pdf.cell(width, size * _PT * _LEADING, line)
            top += size * _PT * _LEADING


def _shrink(
    pdf: Document, choices: tuple[str, ...], width: float, size: float, floor: float
) -> tuple[str, float]:
    """The first of ``choices`` that fits ``width`` at ``_MIN_SIZE`` or more, shrunk to fit;
    else the last one, shrunk down to ``floor`` and then cut with « … »."""
    for index, text in enumerate(choices):
        natural = pdf.get_string_width(text)
        if natural <= width:
            return text, size
        # a hair under the exact ratio, which rounding could put just over the width
        fitting = size * width / natural * 0.995
        if fitting >= _MIN_SIZE or index == len(choices) - 1:
            fitting = max(fitting, floor)
            pdf.set_font(pdf.font_family, pdf.font_style, fitting)
            return pdf.fit_text(text, width), fitting
    raise AssertionError("no text to fit")  # choices is never empty


def _wrap(pdf: Document, text: str, width: float, count: int) -> list[str]:
    """``text`` in at most ``count`` lines of ``width``, the last cut with « … » if need be."""
    # no line of an A4 sheet holds 300 characters: the rest of a long name is never shown
    lines = pdf.multi_cell(width, 1, text[: 300 * count + 1], dry_run=True, output="LINES")
    assert isinstance(lines, list)  # what output="LINES" returns
    if len(lines) <= count:
        return [str(line) for line in lines]
    # What is left takes more than a line: cut, it always gets its « … ». Twice what
    # fitted on that line is too long still, and keeps the cutting short for a long name.
    last = str(lines[count - 1])
    rest = " ".join(str(line) for line in lines[count - 1 :])[: 2 * len(last) + 2]
    return [str(line) for line in lines[: count - 1]] + [pdf.fit_text(rest, width)]


@functools.cache
def _sheet_class() -> type[Document]:
    from ._pdf import Document

    class LabelSheet(Document):
        """A sheet of labels: the whole page is the labels', no footer."""

        def footer(self) -> None:
            return None

    return LabelSheet
