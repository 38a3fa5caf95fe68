"""The mailbox's fees on both stores: a month of mail received, scanned, forwarded and
stored for a monthly offer with allowances and fees, then billed on the next invoice,
each piece, page, day and envelope once; a piece collected stops its storage fee."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import facturx
import pytest
from test_invoicing import pdf_text

from documents.einvoicing_rules import blocking_failures
from domicili.clock import PARIS
from domicili.errors import InvalidInput, OfferNotFound

if TYPE_CHECKING:
    from conftest import World

#: The offer: 3 pieces and 4 pages a month, then 1,50 € a piece and 0,20 € a page; a
#: letter kept 10 days free, then 0,10 € a day; 2,00 € to forward an envelope.
TERMS: dict[str, Any] = {
    "pieces_per_month": 3,
    "pages_per_month": 4,
    "piece_fee_cents": 150,
    "page_fee_cents": 20,
    "letter_free_days": 10,
    "parcel_free_days": 5,
    "storage_fee_cents": 10,
    "forward_fee_cents": 200,
}


def pages_pdf(pages: int) -> bytes:
    """A scan of ``pages`` blank pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def contract(world: World, **terms: Any) -> int:
    """A dossier in force since 2 March 2026 on a monthly offer with scanning and the
    mail terms (its first period, to 1 April, paid at signature)."""
    provider_id = world.provider()
    world.app.add_offer(
        provider_id,
        name="Courrier+",
        price_ht_cents=2900,
        services=["domiciliation", "numerisation"],
        is_default=True,
        mail_terms={**TERMS, **terms},
    )
    return world.in_force(provider_id)


def on(world: World, day: date, hour: int = 10) -> None:
    world.clock.set(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS))


def letters(world: World, dossier_id: int, count: int) -> list[int]:
    ids = []
    for n in range(count):
        piece = world.app.receive_mail(dossier_id, sender=f"Expéditeur {n}", kind="lettre").piece
        assert piece.id is not None
        ids.append(piece.id)
    return ids


def mail_lines(world: World, number: str) -> dict[str, tuple[int, int]]:
    """The invoice's lines after the subscription: first words → (quantity, unit price)."""
    invoice = next(i for i in world.app.list_invoices() if i.number == number)
    lines = invoice.data["lines"]
    assert lines[0]["description"].startswith("Domiciliation commerciale")
    return {
        " ".join(line["description"].split()[:2]): (line["quantity"], line["unit_price_ht_cents"])
        for line in lines[1:]
    }


def representative(world: World, dossier_id: int) -> str:
    person = world.app.get_dossier(dossier_id).client.representative
    return f"{person.first_name} {person.last_name}"


def a_month_of_mail(world: World) -> tuple[int, list[int]]:
    """March: five letters on the 3rd, two scanned (3 pages each), two forwarded in one
    envelope on the 10th (3,50 € postage), one collected on the 20th, two left."""
    app = world.app
    dossier_id = contract(world)
    on(world, date(2026, 3, 3))
    pieces = letters(world, dossier_id, 5)
    a, b, c, d, e = pieces
    app.scan_mail(d, (pages_pdf(3), "d.pdf"))
    app.scan_mail(e, (pages_pdf(3), "e.pdf"))
    on(world, date(2026, 3, 10))
    for piece in (a, b):
        app.instruct_mail(piece, "forward", to="12 rue des Lilas, 69003 Lyon")
    assert app.forward_mail(postage_cents=350).postage_cents == 350
    on(world, date(2026, 3, 20))
    app.instruct_mail(c, "collect", by=representative(world, dossier_id))
    return dossier_id, pieces


def test_the_next_invoice_bills_the_month_s_mail_beyond_the_offer_once(world: World) -> None:
    app = world.app
    dossier_id, (_a, _b, _c, d, _e) = a_month_of_mail(world)
    on(world, date(2026, 4, 2), hour=6)
    (april,) = app.bill().issued
    assert mail_lines(world, april) == {
        "Courrier reçu": (2, 150),  # 5 pieces in March, 3 included
        "Numérisation au-delà": (2, 20),  # 6 pages, 4 included
        # From the 13th (3 March + 10 free days) to 1 April: 7 days for the piece
        # collected on the 20th, 20 days for each of the two still there.
        "Stockage du": (47, 10),
        "Affranchissement du": (1, 350),
        "Frais de": (1, 200),
    }
    invoice = next(i for i in app.list_invoices() if i.number == april)
    assert invoice.total_ht_cents == 2900 + 300 + 40 + 470 + 350 + 200
    assert invoice.data["lines"][1]["period_start"] == "2026-03-02"
    assert invoice.data["lines"][1]["period_end"] == "2026-04-01"
    pdf = app.invoice_pdf(april)
    text = pdf_text(pdf)
    assert "Courrier reçu au-delà du forfait de 3 plis par mois, par pli" in text
    assert "Stockage du courrier au-delà de la garde gratuite (10 jours pour une lettre" in text
    assert blocking_failures(facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]) == []
    assert app.bill().issued == []  # a second run bills nothing twice

    # April: one more letter (within April's allowance); d collected on the 10th.
    on(world, date(2026, 4, 5))
    letters(world, dossier_id, 1)
    on(world, date(2026, 4, 10))
    app.instruct_mail(d, "collect", by=representative(world, dossier_id))
    on(world, date(2026, 5, 2), hour=6)
    (may,) = app.bill().issued
    # Storage only, from 2 April: d 8 days (to its collection), e 30, f 17 (from the 15th);
    # nothing of March again, no allowance passed, nothing forwarded.
    assert mail_lines(world, may) == {"Stockage du": (8 + 30 + 17, 10)}


def test_an_invoice_issued_in_advance_leaves_the_rest_of_the_month_to_the_next(
    world: World,
) -> None:
    app = world.app
    dossier_id, _pieces = a_month_of_mail(world)
    on(world, date(2026, 3, 25))
    (april,) = app.bill(period="2026-04").issued  # issued on 25 March
    first = mail_lines(world, april)
    assert first["Stockage du"] == (7 + 2 * 12, 10)  # 13 to 24 March, nothing ahead
    on(world, date(2026, 3, 28))
    letters(world, dossier_id, 1)  # a sixth piece in March, after the invoice
    on(world, date(2026, 5, 2), hour=6)
    (may,) = app.bill().issued
    assert mail_lines(world, may) == {
        "Courrier reçu": (1, 150),  # March's sixth piece, billed now
        # From 25 March to 1 May: d and e 38 days each; the sixth piece from 7 April.
        "Stockage du": (2 * 38 + 25, 10),
    }


def test_an_offer_without_fees_bills_only_the_postage(world: World) -> None:
    app = world.app
    dossier_id = contract(
        world,
        pieces_per_month=None,
        pages_per_month=None,
        piece_fee_cents=0,
        storage_fee_cents=0,
        forward_fee_cents=0,
    )
    on(world, date(2026, 3, 3))
    letters(world, dossier_id, 12)
    (piece,) = letters(world, dossier_id, 1)
    app.instruct_mail(piece, "forward", to="1 place Bellecour, 69002 Lyon")
    app.forward_mail(postage_cents=0)  # an envelope with no postage: no line
    (other,) = letters(world, dossier_id, 1)
    app.instruct_mail(other, "forward", to="1 place Bellecour, 69002 Lyon")
    app.forward_mail(postage_cents=116)
    on(world, date(2026, 4, 2), hour=6)
    (april,) = app.bill().issued
    assert mail_lines(world, april) == {"Affranchissement du": (1, 116)}


def test_an_offer_s_mail_terms_are_set_and_kept_by_the_dossiers_made_on_them(
    world: World,
) -> None:
    app = world.app
    provider_id = world.provider()
    offer = app.add_offer(provider_id, name="Essentiel", price_ht_cents=2900)
    assert offer.mail_terms.pieces_per_month is None
    assert offer.mail_terms.letter_free_days == 30
    assert offer.id is not None
    dossier_id = world.in_force(provider_id)
    changed = app.update_offer(offer.id, mail_terms={"pieces_per_month": 20, "piece_fee_cents": 90})
    assert (changed.mail_terms.pieces_per_month, changed.mail_terms.piece_fee_cents) == (20, 90)
    assert app.get_offer(offer.id).mail_terms == changed.mail_terms
    assert app.update_offer(offer.id, mail_terms={"pieces_per_month": None}).mail_terms == (
        changed.mail_terms.model_copy(update={"pieces_per_month": None})
    )
    terms = app.get_dossier(dossier_id).dossier.terms
    assert terms is not None
    assert terms.mail_terms.piece_fee_cents == 0  # the contract's terms are as they were
    with pytest.raises(InvalidInput, match="retention_days"):
        app.update_offer(offer.id, mail_terms={"retention_days": 0})
    assert app.get_offer(offer.id).mail_terms.retention_days == 90
    with pytest.raises(OfferNotFound):
        app.update_offer(offer.id + 100, mail_terms={"piece_fee_cents": 1})
