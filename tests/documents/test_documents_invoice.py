"""Invoices and credit notes: what the PDF says, what the Factur-X XML says, and that they agree."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import facturx
import pytest
from document_samples import (
    CLIENT_SIREN,
    ISSUED_AT,
    PROVIDER_SIREN,
    check_pdf_a_3b,
    company_en_formation,
    flat,
    invoice,
    pdf_text,
    provider,
)
from invoice_xml_reading import NS, read
from pydantic import ValidationError
from pypdf import PdfReader

from domicili.documents import (
    InvoiceLine,
    check_invoice_xml,
    invoice_xml,
    render_invoice,
)
from domicili.errors import TemplateError

pytestmark = pytest.mark.one_store  # no database


def embedded_xml(pdf: bytes) -> bytes:
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    assert isinstance(xml, bytes)
    return xml


def test_invoice_pdf_carries_the_legal_mentions() -> None:
    text = flat(pdf_text(render_invoice(invoice())))
    for mention in (
        "FACTURE",
        "N° F-2025-0007",
        "Date : 3 mars 2025",
        "Échéance : 17 mars 2025",
        "Bureaux Réunis Opéra",
        "SAS au capital de 10 000 €",
        "12 rue de la Chaussée-d’Antin",
        "RCS Paris 123 456 782",
        "TVA FR11123456782",
        "Cœur de Lyon Conseil",
        "4 place Bellecour",
        "SIREN 890 123 458",
        "Domiciliation du siège social",
        "Période du 1er mars 2025 au 31 mars 2025",
        "trois fois le taux d’intérêt légal",
        "indemnité forfaitaire pour frais de recouvrement de 40 €",
        "Catégorie de l’opération : prestation de services",
        "IBAN : FR76 3000 6000 0112 3456 7890 189",
        "Page 1 / 1",
    ):
        assert mention in text, mention


def test_invoice_pdf_shows_lines_vat_and_totals() -> None:
    text = flat(pdf_text(render_invoice(invoice())))
    # 39,00 + 3 × 2,17 = 45,51 HT; VAT 20 % on the group = 9,10; TTC 54,61
    assert "3 2,17 € 20 % 6,51 €" in text
    assert "Total HT 45,51 €" in text
    assert "TVA 20 % sur 45,51 € 9,10 €" in text
    assert "Net à payer TTC 54,61 €" in text


def test_factur_x_xml_is_embedded_and_matches_the_invoice() -> None:
    data = invoice()
    doc = read(embedded_xml(render_invoice(data)))
    assert doc.text("rsm:ExchangedDocument/ram:ID") == "F-2025-0007"
    assert doc.text("rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert doc.text(".//ram:IssueDateTime/udt:DateTimeString") == "20250303"
    assert doc.text(".//ram:DueDateDateTime/udt:DateTimeString") == "20250317"
    seller = doc.root.find(".//ram:SellerTradeParty", NS)
    buyer = doc.root.find(".//ram:BuyerTradeParty", NS)
    assert seller is not None
    assert buyer is not None
    seller_id = seller.find("ram:SpecifiedLegalOrganization/ram:ID", NS)
    buyer_id = buyer.find("ram:SpecifiedLegalOrganization/ram:ID", NS)
    assert seller_id is not None
    assert seller_id.text == PROVIDER_SIREN
    assert seller_id.get("schemeID") == "0002"
    assert buyer_id is not None
    assert buyer_id.text == CLIENT_SIREN
    assert doc.line_totals == [3900, 651]
    assert doc.groups == [(4551, 910, "S")]
    assert doc.total("LineTotalAmount") == data.total_ht_cents == 4551
    assert doc.total("TaxTotalAmount") == data.total_vat_cents == 910
    assert doc.total("GrandTotalAmount") == data.total_ttc_cents == 5461
    assert doc.total("DuePayableAmount") == 5461


def test_embedded_xml_validates_against_the_factur_x_xsd() -> None:
    xml = embedded_xml(render_invoice(invoice()))
    check_invoice_xml(xml)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")


def test_pdf_is_marked_pdf_a_3_factur_x_en_16931() -> None:
    xmp = check_pdf_a_3b(render_invoice(invoice()))
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp


def test_pdf_dates_are_the_invoice_issue_moment() -> None:
    reader = PdfReader(io.BytesIO(render_invoice(invoice())))
    assert reader.metadata is not None
    assert reader.metadata.creation_date == ISSUED_AT
    assert reader.metadata.modification_date == ISSUED_AT
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<xmp:CreateDate>2025-03-03T09:30:00+00:00</xmp:CreateDate>" in xmp


@pytest.mark.parametrize(
    ("departement", "postcode", "city"),
    [
        ("971", "97110", "Pointe-à-Pitre"),
        ("972", "97200", "Fort-de-France"),
        ("974", "97400", "Saint-Denis"),
    ],
)
def test_reduced_rate_in_guadeloupe_martinique_la_reunion(
    departement: str, postcode: str, city: str
) -> None:
    data = invoice(departement=departement, seller=provider(postcode=postcode, city=city))
    pdf = render_invoice(data)
    text = flat(pdf_text(pdf))
    assert "TVA 8,5 % sur 45,51 € 3,87 €" in text
    doc = read(embedded_xml(pdf))
    rates = [e.text for e in doc.all(".//ram:RateApplicablePercent")]
    assert rates == ["8.50", "8.50", "8.50"]
    assert doc.groups == [(4551, 387, "S")]
    assert doc.total("GrandTotalAmount") == 4938


@pytest.mark.parametrize("departement", ["973", "976"])
def test_vat_not_applied_in_guyane_and_mayotte(departement: str) -> None:
    pdf = render_invoice(invoice(departement=departement))
    text = flat(pdf_text(pdf))
    assert "TVA non applicable, art. 294-1° du CGI" in text
    assert "Net à payer 45,51 €" in text
    xml = embedded_xml(pdf)
    check_invoice_xml(xml)
    doc = read(xml)
    assert doc.groups == [(4551, 0, "O")]
    assert doc.all(".//ram:RateApplicablePercent") == []
    assert "294-1°" in doc.text(
        ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason"
    )
    assert doc.text(".//ram:ExemptionReasonCode") == "VATEX-EU-O"
    # BR-O-02: no VAT identifier on an invoice outside the scope of VAT
    assert doc.all(".//ram:SpecifiedTaxRegistration") == []
    assert doc.total("GrandTotalAmount") == 4551


def test_credit_note_references_the_credited_invoice() -> None:
    data = invoice(
        kind="credit_note",
        due_date=None,
        number="A-2025-0002",
        credited_invoice_number="F-2025-0007",
        credit_reason="résiliation au 15 mars 2025",
    )
    pdf = render_invoice(data)
    text = flat(pdf_text(pdf))
    assert "AVOIR" in text
    assert "Avoir n° A-2025-0002 annulant la facture n° F-2025-0007" in text
    assert "Motif : résiliation au 15 mars 2025" in text
    assert "Montant de l’avoir TTC 54,61 €" in text
    doc = read(embedded_xml(pdf))
    assert doc.text("rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert doc.text(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == "F-2025-0007"
    assert doc.total("GrandTotalAmount") == 5461  # credit notes carry positive amounts


def test_partial_credit_note_corrects_the_invoice() -> None:
    data = invoice(
        kind="credit_note",
        due_date=None,
        number="A-2025-0003",
        credited_invoice_number="F-2025-0007",
        credit_cancels_invoice=False,
    )
    assert "Avoir n° A-2025-0003 corrigeant la facture n° F-2025-0007" in flat(
        pdf_text(render_invoice(data))
    )


def test_credit_note_without_the_credited_invoice_is_refused() -> None:
    with pytest.raises(ValidationError, match="names the invoice it credits"):
        invoice(kind="credit_note", number="A-1", due_date=None)


def test_buyer_without_siren_has_no_legal_organisation_in_xml() -> None:
    data = invoice(buyer=company_en_formation())
    doc = read(invoice_xml(data))
    assert doc.all(".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization") == []
    text = flat(pdf_text(render_invoice(data)))
    assert "Étoile Numérique" in text
    assert "SAS en formation" in text


def test_invoice_notes_template_can_be_overridden(tmp_path: Path) -> None:
    (tmp_path / "invoice_notes.txt.j2").write_text(
        "## Règlement\nPar chèque à l’ordre de {{ seller.name }} avant le "
        "{{ invoice.due_date|date_fr }}.\n\nPénalités : {{ invoice.penalty_rate_text }} ; "
        "indemnité forfaitaire pour frais de recouvrement de 40 €.\n",
        encoding="utf-8",
    )
    text = flat(pdf_text(render_invoice(invoice(), template_dir=tmp_path)))
    assert "Par chèque à l’ordre de Bureaux Réunis Opéra avant le 17 mars 2025." in text
    assert "Conditions de règlement" not in text


def test_broken_invoice_template_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "invoice_notes.txt.j2").write_text("ok\n{{ invoice.nope }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"invoice_notes\.txt\.j2, line 2"):
        render_invoice(invoice(), template_dir=tmp_path)


def test_check_invoice_xml_rejects_a_structure_error() -> None:
    xml = invoice_xml(invoice()).replace(b"<ram:TypeCode>380</ram:TypeCode>", b"")
    with pytest.raises(TemplateError, match="EN 16931 schema"):
        check_invoice_xml(xml)


def test_check_invoice_xml_rejects_malformed_xml() -> None:
    with pytest.raises(TemplateError, match="not well-formed"):
        check_invoice_xml(b"<rsm:CrossIndustryInvoice")


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    lines = tuple(
        InvoiceLine(description=f"Photocopie {n}", unit_price_ht_cents=5, vat_rate_bp=850)
        for n in range(2)
    )
    data = invoice(lines=lines, departement="971")
    # 2 × 0,05 € at 8,5 %: 0,0085 € exact; per line each rounds to 0, per group 0,85 ct → 1 ct
    assert [(g.basis_cents, g.vat_cents) for g in data.vat_groups] == [(10, 1)]
    assert data.total_ttc_cents == 11


def test_lines_at_several_rates_make_one_group_each() -> None:
    lines = (
        InvoiceLine(description="Domiciliation", unit_price_ht_cents=3900, vat_rate_bp=2000),
        InvoiceLine(description="Livre", unit_price_ht_cents=1999, vat_rate_bp=550),
        InvoiceLine(description="Salle", quantity=2, unit_price_ht_cents=2500, vat_rate_bp=2000),
    )
    data = invoice(lines=lines)
    assert [(g.rate_bp, g.basis_cents, g.vat_cents) for g in data.vat_groups] == [
        (2000, 8900, 1780),
        (550, 1999, 110),
    ]
    doc = read(invoice_xml(data))
    assert doc.groups == [(8900, 1780, "S"), (1999, 110, "S")]
    text = flat(pdf_text(render_invoice(data)))
    assert "TVA 5,5 % sur 19,99 € 1,10 €" in text
    assert "Total TVA 18,90 €" in text


def test_vat_rule_and_line_rates_must_agree() -> None:
    zero = InvoiceLine(description="x", unit_price_ht_cents=100, vat_rate_bp=0)
    with pytest.raises(ValidationError, match="0 %"):
        invoice(lines=(zero,))
    taxed = InvoiceLine(description="x", unit_price_ht_cents=100, vat_rate_bp=2000)
    with pytest.raises(ValidationError, match="every line must be at 0 %"):
        invoice(lines=(taxed,), departement="973")


def test_invoice_with_vat_needs_the_seller_vat_number() -> None:
    with pytest.raises(ValidationError, match="VAT number"):
        invoice(seller=provider(vat_number=None))


def test_due_date_before_issue_is_refused() -> None:
    with pytest.raises(ValidationError, match="due_date"):
        invoice(due_date=date(2025, 3, 1))


def test_many_lines_flow_onto_a_second_page() -> None:
    lines = tuple(
        InvoiceLine(
            description=f"Réexpédition du {n} mars", unit_price_ht_cents=217, vat_rate_bp=2000
        )
        for n in range(1, 41)
    )
    pdf = render_invoice(invoice(lines=lines))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 2
    assert "Page 2 / 2" in pages[1].extract_text()
    doc = read(embedded_xml(pdf))
    assert sum(doc.line_totals) == doc.total("LineTotalAmount") == 40 * 217
