"""Sheets of mail labels: what each label says, where it is on the sheet, the QR code it
carries (its modules read back from the PDF), and text that never leaves its label."""

from __future__ import annotations

import io
import re
import time
from datetime import date
from typing import Any

import pytest
import segno
from document_samples import PT, flat, pdf_text, text_runs
from pydantic import ValidationError
from pypdf import PdfReader

from domicili.documents import (
    AVERY_L7160,
    AVERY_L7162,
    LabelLayout,
    MailLabel,
    piece_id_from_qr,
    piece_qr_payload,
    render_labels,
)

pytestmark = pytest.mark.one_store  # no database

LONG_NAME = ("Société Coopérative d’Intérêt Collectif des Artisans Réunis du Faubourg " * 3)[:200]


def label(number: int = 1234, **changes: Any) -> MailLabel:
    fields: dict[str, Any] = {
        "mailbox": "B-042",
        "piece_id": str(number),
        "received_on": date(2026, 12, 2),
        "kind": "lettre",
        "client_name": "Cœur de Lyon Conseil",
    }
    fields.update(changes)
    return MailLabel(**fields)


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


_RECT = re.compile(r"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f\b")


def drawn_matrix(pdf: bytes, layout: LabelLayout, position: int, page: int = 0) -> list[list[bool]]:
    """The QR code drawn in the label at ``position``: its filled squares, read from the
    page's drawing operators, as a grid of modules (True = dark)."""
    stream = PdfReader(io.BytesIO(pdf)).pages[page].get_contents()
    assert stream is not None
    left, top = layout.position(position)
    squares = []
    for found in _RECT.finditer(stream.get_data().decode("latin-1")):
        x, y, w, h = (float(v) * PT for v in found.groups())
        y = 297 - y  # from the top of the page, as the layout measures
        if left <= x < left + layout.width and top <= y < top + layout.height:
            squares.append((x, y, w, -h))
    assert squares, "no QR code in that label"
    module = squares[0][3]
    x0, y0 = min(s[0] for s in squares), min(s[1] for s in squares)
    cells = set()
    for x, y, w, _ in squares:
        row, column = round((y - y0) / module), round((x - x0) / module)
        cells.update((row, column + k) for k in range(round(w / module)))
    size = max(r for r, _ in cells) + 1
    return [[(r, c) in cells for c in range(size)] for r in range(size)]


def label_at(layout: LabelLayout, x: float, y: float) -> tuple[float, float]:
    """The top-left corner of the label of the sheet that holds the point (x, y)."""
    for index in range(layout.per_sheet):
        left, top = layout.position(index)
        if left <= x < left + layout.width and top <= y < top + layout.height:
            return left, top
    raise AssertionError(f"({x:.1f}, {y:.1f}) is on no label")


def segno_matrix(piece_id: str) -> list[list[bool]]:
    code = segno.make_qr(f"DOMICILI:PIECE:{piece_id}", error="m")
    return [[bool(cell) for cell in row] for row in code.matrix]


def test_each_label_shows_its_mailbox_piece_date_kind_and_client() -> None:
    labels = [
        label(1234),
        label(1235, mailbox="B-107", kind="recommande", received_on=date(2026, 12, 1)),
        label(1236, kind="avis_de_passage", client_name="Atelier Zoé Martin"),
    ]
    text = flat(pdf_text(render_labels(labels)))
    assert "Boîte B-042 Pièce 1234 Reçu le 02/12/2026 LETTRE Cœur de Lyon Conseil" in text
    assert "Boîte B-107 Pièce 1235 Reçu le 01/12/2026 RECOMMANDÉ Cœur de Lyon Conseil" in text
    assert "Boîte B-042 Pièce 1236 Reçu le 02/12/2026 AVIS DE PASSAGE Atelier Zoé Martin" in text


def test_the_qr_code_drawn_is_segnos_for_the_piece_id() -> None:
    layout = AVERY_L7160
    pdf = render_labels([label(1234), label(98765, piece_id="P-2026-000981")], layout=layout)
    assert drawn_matrix(pdf, layout, 0) == segno_matrix("1234")
    assert drawn_matrix(pdf, layout, 1) == segno_matrix("P-2026-000981")
    assert segno_matrix("1234") != segno_matrix("1235")  # the code does tell pieces apart


def test_the_qr_payload_names_the_piece_and_reads_back() -> None:
    assert piece_qr_payload("1234") == "DOMICILI:PIECE:1234"
    assert piece_id_from_qr(" DOMICILI:PIECE:P-2026-000981\n") == "P-2026-000981"
    assert piece_id_from_qr("domicili:piece:1234") == "1234"  # some scanners change case
    assert piece_id_from_qr("https://example.org/1234") is None
    assert piece_id_from_qr("DOMICILI:PIECE:") is None


def test_a_sheet_holds_21_labels_and_the_22nd_starts_a_second_one() -> None:
    assert pages(render_labels([label(n) for n in range(21)])) == 1
    pdf = render_labels([label(n) for n in range(1000, 1022)])
    assert pages(pdf) == 2
    second = PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    assert "Pièce 1021" in second
    assert "Pièce 1020" not in second
    text = flat(pdf_text(pdf))
    for number in range(1000, 1022):
        assert f"Pièce {number}" in text


def test_start_at_skips_the_used_places_of_the_first_sheet() -> None:
    layout = AVERY_L7160
    pdf = render_labels([label(1), label(2)], start_at=20)
    assert pages(pdf) == 2
    # the first label takes the last place of the first sheet, the second the first place
    # of the next one
    assert drawn_matrix(pdf, layout, 20, page=0) == segno_matrix("1")
    assert drawn_matrix(pdf, layout, 0, page=1) == segno_matrix("2")
    runs = text_runs(pdf)
    first = next(run for run in runs if run.text == "Pièce 1")
    x, y = layout.position(20)
    assert first.page == 0
    assert x < first.x < x + layout.width
    assert y < first.y < y + layout.height


def test_start_at_outside_the_sheet_is_refused() -> None:
    with pytest.raises(ValueError, match="start_at must be between 0 and 20"):
        render_labels([label()], start_at=21)
    with pytest.raises(ValueError, match="no label"):
        render_labels([])


@pytest.mark.parametrize("layout", [AVERY_L7160, AVERY_L7162], ids=lambda layout: layout.name)
def test_a_200_character_name_is_cut_and_no_text_leaves_its_label(layout: LabelLayout) -> None:
    assert len(LONG_NAME) == 200
    labels = [
        label(1, client_name=LONG_NAME),
        label(2, client_name="X" * 200),  # no space to break at
        label(3, mailbox="MB-1234567890123456789", piece_id="P-ABCDEFGHIJKLMNOPQRSTUV"),
    ]
    pdf = render_labels(labels, layout=layout, start_at=layout.columns - 1)
    by_label: dict[tuple[int, float, float], list[str]] = {}
    for run in text_runs(pdf):
        x, y = label_at(layout, run.x, run.y)
        assert run.x + run.width() <= x + layout.width - layout.padding, run
        assert y + layout.padding <= run.y <= y + layout.height - layout.padding, run
        by_label.setdefault((run.page, x, y), []).append(run.text)
    long_words, no_space, long_ids = by_label.values()
    # the name takes two lines, the second cut with « … »
    assert long_words[4].startswith("Société Coopérative")
    assert long_words[5].endswith("…")
    assert len(long_words) == 6
    assert no_space[4].startswith("XXXX")
    assert no_space[5].endswith("X…")
    # an id is never cut: it shrinks to fit, shedding its word on a narrow label
    assert long_ids[0] == "Boîte MB-1234567890123456789"
    assert long_ids[1] in ("Pièce P-ABCDEFGHIJKLMNOPQRSTUV", "P-ABCDEFGHIJKLMNOPQRSTUV")
    if layout.width > 90:  # room enough for the word too
        assert long_ids[1] == "Pièce P-ABCDEFGHIJKLMNOPQRSTUV"


def test_the_l7160_grid_is_centred_on_the_a4_sheet() -> None:
    layout = AVERY_L7160
    right = layout.left + (layout.columns - 1) * layout.pitch_x + layout.width
    bottom = layout.top + (layout.rows - 1) * layout.pitch_y + layout.height
    assert (layout.per_sheet, layout.width, layout.height) == (21, 63.5, 38.1)
    assert layout.left == pytest.approx(210 - right)
    assert layout.top == pytest.approx(297 - bottom)
    assert AVERY_L7162.per_sheet == 16
    assert AVERY_L7162.left == pytest.approx(210 - (AVERY_L7162.left + 101.6 + 99.1))


def test_another_layout_places_its_labels_on_its_own_grid() -> None:
    layout = AVERY_L7162
    pdf = render_labels([label(n) for n in range(17)], layout=layout)
    assert pages(pdf) == 2
    runs = [run for run in text_runs(pdf) if run.text.startswith("Boîte")]
    for index, run in enumerate(runs):
        x, y = layout.position(index)
        assert x < run.x < x + layout.width
        assert y < run.y < y + layout.height
    assert drawn_matrix(pdf, layout, 15) == segno_matrix("15")


def test_a_layout_that_does_not_fit_the_sheet_is_refused() -> None:
    with pytest.raises(ValueError, match="do not fit on an A4 sheet"):
        LabelLayout("wide", 3, 7, 70, 38.1, 15.15, 7.25, 72, 38.1)
    with pytest.raises(ValueError, match="pitch is smaller"):
        LabelLayout("tight", 3, 7, 63.5, 38.1, 15.15, 7.25, 60, 38.1)


def test_a_label_refuses_an_id_it_could_not_print_whole() -> None:
    with pytest.raises(ValidationError):
        label(piece_id="1234 5678")
    with pytest.raises(ValidationError):
        label(piece_id="P" * 25)
    with pytest.raises(ValidationError):
        label(kind="prospectus")
    assert label(piece_id=1234, mailbox=42).mailbox == "42"


def test_the_same_labels_give_the_same_bytes() -> None:
    labels = [label(n) for n in range(3)]
    assert render_labels(labels) == render_labels(labels)


def test_a_name_of_any_length_is_cut_quickly() -> None:
    started = time.perf_counter()
    pdf = render_labels([label(1, client_name="Société " * 2_000)])
    assert time.perf_counter() - started < 5  # cutting it a character at a time took 39 s
    names = [run.text for run in text_runs(pdf) if run.text.startswith("Société")]
    assert len(names) == 2
    assert names[1].endswith("…")
