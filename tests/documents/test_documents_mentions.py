"""What every document says of its provider (RCS city, share capital), French typography
in the PDFs, and credit notes that claim nothing: read back from the PDFs."""

from __future__ import annotations

import hashlib
import io

import facturx
import pytest
from document_samples import (
    ISSUED_AT,
    attestation,
    contract,
    flat,
    invoice,
    pdf_text,
    provider,
    signature_records,
)
from invoice_xml_reading import NS, read
from pydantic import ValidationError
from pypdf import PdfReader

from domicili.documents import (
    append_signature_page,
    check_invoice_xml,
    render_attestation,
    render_contract,
    render_invoice,
)

NBSP, NNBSP = "\u00a0", "\u202f"


def credit_note(**changes: object) -> bytes:
    fields: dict[str, object] = {
        "kind": "credit_note",
        "number": "F-2025-0008",
        "due_date": None,
        "credited_invoice_number": "F-2025-0007",
        "credit_reason": "résiliation au 15 mars 2025",
    }
    return render_invoice(invoice(**{**fields, **changes}))


def every_document(**provider_changes: object) -> dict[str, bytes]:
    seller = provider(**provider_changes)
    drawn = render_contract(contract(provider=seller))
    return {
        "contract": drawn,
        "signed contract": append_signature_page(
            drawn, signature_records(), hashlib.sha256(drawn).hexdigest()
        ),
        "attestation": render_attestation(attestation(provider=seller)),
        "invoice": render_invoice(invoice(seller=seller)),
        "credit note": credit_note(seller=seller),
    }


def raw_text(pdf: bytes) -> str:
    """The text as drawn, no-break spaces kept."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("name", ["contract", "attestation", "invoice", "credit note"])
def test_every_document_shows_the_rcs_city_and_the_share_capital(name: str) -> None:
    pages = PdfReader(io.BytesIO(every_document()[name])).pages
    first = flat(pages[0].extract_text().replace(NBSP, " ").replace(NNBSP, " "))
    assert "SAS au capital de 10 000 €" in first
    assert "RCS Paris 123 456 782" in first
    for page in pages:  # the legal footer of each page says it too
        footer = flat(page.extract_text().replace(NBSP, " ").replace(NNBSP, " "))
        assert "Bureaux Réunis Opéra – SAS au capital de 10 000 € –" in footer
        assert "– RCS Paris 123 456 782 – agrément n°" in footer


def test_a_capital_with_cents_keeps_them_and_a_provider_without_rcs_shows_its_siren() -> None:
    text = flat(pdf_text(render_invoice(invoice(seller=provider(capital_cents=762_245)))))
    assert "SAS au capital de 7 622,45 €" in text
    text = flat(pdf_text(render_contract(contract(provider=provider(rcs_city=None)))))
    assert "RCS" not in text
    assert "immatriculée sous le numéro SIREN 123 456 782" in text


def test_unknown_capital_and_rcs_city_are_not_printed() -> None:
    for name, pdf in every_document(capital_cents=None, rcs_city=None).items():
        text = flat(pdf_text(pdf))
        assert "capital" not in text, name
        assert "RCS Paris" not in text, name


def test_one_apostrophe_in_every_document_typed_ones_included() -> None:
    documents = every_document(address="12 rue de l'Église")
    for name, pdf in documents.items():
        text = raw_text(pdf)
        assert "'" not in text, name
        assert "’" in text, name
    assert "12 rue de l’Église" in flat(pdf_text(documents["invoice"]))


def test_narrow_no_break_spaces_before_semicolons_in_the_contract() -> None:
    text = raw_text(every_document()["contract"])
    assert f"{NNBSP};" in text
    assert " ;" not in text


@pytest.mark.parametrize(
    "text",
    [
        "Le Domicilié verse au Domiciliataire le prix convenu, selon les modalités suivantes :",
        "ci-après dénommée « le Domiciliataire » pour la durée du contrat",
        "Pénalités de retard ; escompte accordé ? non ! jamais",
    ],
)
def test_a_line_never_starts_with_a_colon_nor_ends_inside_guillemets(text: str) -> None:
    from domicili.documents._pdf import Document

    pdf = Document(title="t", author="a", issued_at=ISSUED_AT, footer_left="", footer_legal="")
    pdf.add_page()
    pdf.set_font("DejaVu", "", 9.5)
    full = pdf.get_string_width(text)
    # from the width of the longest word (a narrower line cuts words anywhere) to all of it
    narrowest = max(pdf.get_string_width(word) for word in text.split()) + 8
    breaks = 0
    for step in range(int(narrowest), int(full) + 1):
        lines = pdf.multi_cell(step, 5, text, dry_run=True, output="LINES")
        assert isinstance(lines, list)
        breaks += len(lines) - 1
        for line in lines:
            assert not line.lstrip().startswith((":", ";", "?", "!", "»")), lines
            assert not line.rstrip().endswith("«"), lines
    assert breaks > 0
    pdf.output()  # closes the font files


def test_a_credit_note_has_no_due_date_no_penalties_and_names_its_client() -> None:
    text = flat(pdf_text(credit_note()))
    for absent in ("Échéance", "Pénalités", "indemnité forfaitaire", "FACTURÉ À", "Escompte"):
        assert absent not in text, absent
    assert "CLIENT Cœur de Lyon Conseil" in text
    assert "Facture d’origine : F-2025-0007" in text
    assert text.count("rembours") == 1
    assert "Le montant de cet avoir est remboursé ou imputé sur la prochaine facture" in text
    assert "Montant de l’avoir TTC 54,61 €" in text


def test_a_credit_note_is_still_factur_x_en_16931_without_a_due_date() -> None:
    filename, xml = facturx.get_xml_from_pdf(credit_note(), check_xsd=False)
    assert filename == "factur-x.xml"
    check_invoice_xml(xml)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    doc = read(xml)
    assert doc.text("rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert doc.all(".//ram:DueDateDateTime") == []
    # BR-CO-25: an amount due without a due date has its payment terms
    assert "remboursé ou imputé" in doc.text(".//ram:SpecifiedTradePaymentTerms/ram:Description")
    # BR-FR-05 wants the three mentions on every document: on an avoir they say that no
    # penalty, fee or discount applies, nothing being due from the client.
    notes = {
        note.findtext("ram:SubjectCode", namespaces=NS): note.findtext("ram:Content", namespaces=NS)
        for note in doc.all(".//ram:IncludedNote")
    }
    for code in ("AAB", "PMD", "PMT"):
        assert "sans objet" in (notes[code] or ""), code
    assert "40 €" not in " ".join(n or "" for n in notes.values())


def test_an_invoice_has_a_due_date_and_a_credit_note_none() -> None:
    with pytest.raises(ValidationError, match="an invoice has a due date"):
        invoice(due_date=None)
    with pytest.raises(ValidationError, match="a credit note has no due date"):
        invoice(kind="credit_note", number="F-2025-0008", credited_invoice_number="F-2025-0007")


def test_a_providers_rcs_city_capital_and_quality_reach_its_documents() -> None:
    from domicili.models import Provider
    from domicili.service.paperwork import provider_data
    from domicili.testing import sample_provider

    stored = Provider(
        **sample_provider(
            3,
            legal_form="SARL",
            rcs_city="Lyon",
            share_capital_cents=750_000,
            representative="Jean Martin",
            representative_quality="gérant",
        )
    )
    seller = provider_data(stored)
    contract_text = flat(pdf_text(render_contract(contract(provider=seller))))
    attestation_text = flat(pdf_text(render_attestation(attestation(provider=seller))))
    for text in (contract_text, attestation_text):
        assert "SARL au capital de 7 500 €" in text
        assert "RCS Lyon 000 000 034" in text
    assert "représentée par Jean Martin, gérant" in contract_text
    assert "Jean Martin, agissant en qualité de gérant pour le compte de" in attestation_text
