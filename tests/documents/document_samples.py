"""Sample data for the document tests: a Paris provider and its clients.

A plain module (not conftest.py) so that tests import its builders by name.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from pypdf import PdfReader

from domicili.documents import (
    AttestationData,
    ClientData,
    ContractData,
    DirectDebit,
    InvoiceData,
    InvoiceLine,
    ProviderData,
    SignatureRecord,
)
from domicili.money import vat_rule_for_departement

PROVIDER_SIREN = "123456782"
CLIENT_SIREN = "890123458"
ISSUED_AT = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
PARIS_WINTER = timezone(timedelta(hours=1))
#: The SHA-256 of a contract the sample signatures were made on.
CONTRACT_SHA256 = "5e3c" * 16


def provider(**changes: Any) -> ProviderData:
    fields: dict[str, Any] = {
        "name": "Bureaux Réunis Opéra",
        "legal_form": "SAS",
        "capital_cents": 1_000_000,
        "siren": PROVIDER_SIREN,
        "rcs_city": "Paris",
        "vat_number": "FR11123456782",
        "address": "12 rue de la Chaussée-d'Antin",
        "postcode": "75009",
        "city": "Paris",
        "email": "contact@bureaux-opera.fr",
        "phone": "+33142000000",
        "representative": "Hélène Lefèvre",
        "agrement_numero": "2020-DOM-0042",
        "agrement_prefecture": "préfecture de police de Paris",
        "agrement_date": date(2020, 6, 15),
        "agrement_expires": date(2026, 6, 15),
        "iban": "FR7630006000011234567890189",
        "bic": "AGRIFRPPXXX",
    }
    fields.update(changes)
    return ProviderData(**fields)


def company(**changes: Any) -> ClientData:
    fields: dict[str, Any] = {
        "name": "Cœur de Lyon Conseil",
        "legal_form": "SARL",
        "siren": CLIENT_SIREN,
        "vat_number": "FR59890123458",
        "address": "4 place Bellecour",
        "postcode": "69002",
        "city": "Lyon",
        "email": "gerance@coeur-conseil.fr",
        "representative": "Benoît Œhmichen",
        "kind": "company",
    }
    fields.update(changes)
    return ClientData(**fields)


def company_en_formation(**changes: Any) -> ClientData:
    fields: dict[str, Any] = {
        "name": "Étoile Numérique",
        "legal_form": "SAS",
        "address": "8 allée des Tilleuls",
        "postcode": "92100",
        "city": "Boulogne-Billancourt",
        "kind": "company",
        "en_formation": True,
        "founder": "Chloé Dubois-Garnier",
        "email": "chloe.dubois@etoile-numerique.fr",
    }
    fields.update(changes)
    return ClientData(**fields)


def individual(**changes: Any) -> ClientData:
    fields: dict[str, Any] = {
        "name": "Atelier Zoé Martin",
        "representative": "Zoé Martin",
        "address": "3 rue des Lilas",
        "postcode": "75020",
        "city": "Paris",
        "email": "zoe.martin@atelier-zoe.fr",
        "kind": "individual",
    }
    fields.update(changes)
    return ClientData(**fields)


SERVICES = (
    ("domiciliation", "Domiciliation du siège social"),
    ("reexpedition", "Réexpédition hebdomadaire du courrier"),
)
SCANNING = ("numerisation", "Numérisation du courrier et envoi par courriel")


def contract(**changes: Any) -> ContractData:
    fields: dict[str, Any] = {
        "reference": "D-000042",
        "provider": provider(),
        "client": company(),
        "address": "12 rue de la Chaussée-d'Antin",
        "postcode": "75009",
        "city": "Paris",
        "start_date": date(2025, 3, 10),
        "term_months": 12,
        "services": SERVICES,
        "price_ht_cents": 3_900,
        "vat": vat_rule_for_departement("75"),
        "issued_at": ISSUED_AT,
        "place": "Paris",
    }
    fields.update(changes)
    return ContractData(**fields)


def attestation(**changes: Any) -> AttestationData:
    fields: dict[str, Any] = {
        "reference": "D-000042",
        "provider": provider(),
        "client": company_en_formation(),
        "address": "12 rue de la Chaussée-d'Antin",
        "postcode": "75009",
        "city": "Paris",
        "start_date": date(2025, 3, 10),
        "term_months": 6,
        "issued_at": ISSUED_AT,
        "place": "Paris",
    }
    fields.update(changes)
    return AttestationData(**fields)


def invoice(**changes: Any) -> InvoiceData:
    departement = changes.pop("departement", "75")
    rule = vat_rule_for_departement(departement)
    fields: dict[str, Any] = {
        "number": "F-2025-0007",
        "issue_date": date(2025, 3, 3),
        "due_date": date(2025, 3, 17),
        "seller": provider(),
        "buyer": company(),
        "lines": (
            InvoiceLine(
                description="Domiciliation du siège social",
                period_start=date(2025, 3, 1),
                period_end=date(2025, 3, 31),
                quantity=1,
                unit_price_ht_cents=3_900,
                vat_rate_bp=rule.rate_bp,
            ),
            InvoiceLine(
                description="Réexpédition du courrier (frais d'affranchissement)",
                quantity=3,
                unit_price_ht_cents=217,
                vat_rate_bp=rule.rate_bp,
            ),
        ),
        "vat": rule,
        "issued_at": ISSUED_AT,
    }
    fields.update(changes)
    return InvoiceData(**fields)


#: The client's account a direct-debited sample invoice is collected from.
DEBTOR_IBAN = "DE89370400440532013000"
CREDITOR_IDENTIFIER = "FR72ZZZ123456"


def debited_invoice(**changes: Any) -> InvoiceData:
    """An invoice collected by SEPA direct debit on its due date (its pre-notification)."""
    debit = DirectDebit(
        mandate_reference="RUM-D-000001",
        creditor_identifier=CREDITOR_IDENTIFIER,
        debtor_iban=DEBTOR_IBAN,
        collection_date=changes.get("due_date", date(2025, 3, 17)),
    )
    return invoice(**{"direct_debit": debit, **changes})


def signature_records() -> tuple[SignatureRecord, ...]:
    """Both parties' signatures of a contract, client first."""
    return (
        SignatureRecord(
            party="client",
            name="Benoît Œhmichen",
            on_behalf_of="Cœur de Lyon Conseil",
            signed_at=datetime(2025, 3, 3, 10, 2, tzinfo=PARIS_WINTER),
            method="Code à usage unique envoyé par SMS",
            code_check="Code saisi correctement au 1er essai (+33 6 •• •• •• 78)",
            email="gerance@coeur-conseil.fr",
            ip_address="203.0.113.7",
        ),
        SignatureRecord(
            party="provider",
            name="Hélène Lefèvre",
            on_behalf_of="Bureaux Réunis Opéra",
            signed_at=datetime(2025, 3, 3, 11, 15, tzinfo=PARIS_WINTER),
            method="Code à usage unique envoyé par courriel",
            code_check="Code saisi correctement au 2e essai",
        ),
    )


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, pages joined, spaces of every kind made plain."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces collapsed, for phrase searches."""
    return " ".join(text.split())


PT = 25.4 / 72  # one PDF point in millimetres


@dataclass(frozen=True)
class TextRun:
    """One piece of text as drawn: its page, where it starts (mm from the top-left corner),
    its font size and weight."""

    page: int
    text: str
    x: float
    y: float
    size: float
    bold: bool

    def width(self) -> float:
        """The drawn width in millimetres, measured with the shipped fonts (at its natural
        spacing: a justified line reads back with runs of spaces where it was stretched)."""
        return _measure(" ".join(self.text.split()), self.size, self.bold)


def text_runs(pdf: bytes) -> list[TextRun]:
    """Every piece of text of a PDF drawn by domicili, with its position."""
    reader = PdfReader(io.BytesIO(pdf))
    runs: list[TextRun] = []
    for number, page in enumerate(reader.pages):
        height = float(page.mediabox.height)

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            font: Any,
            size: float,
            n: int = number,
            height: float = height,
        ) -> None:
            if text.strip():
                name = str(font.get("/BaseFont", "")) if font else ""
                x, y = tm[4] + cm[4], tm[5] + cm[5]
                runs.append(TextRun(n, text, x * PT, (height - y) * PT, size, "Bold" in name))

        page.extract_text(visitor_text=visit)
    return runs


@functools.cache
def _measurer() -> Any:
    from domicili.documents._pdf import Document

    pdf = Document(title="t", author="a", issued_at=ISSUED_AT, footer_left="", footer_legal="")
    pdf.add_page()
    return pdf


def _measure(text: str, size: float, bold: bool) -> float:
    pdf = _measurer()
    pdf.set_font("DejaVu", "B" if bold else "", size)
    return float(pdf.get_string_width(text))


def check_pdf_a_3b(pdf: bytes) -> str:
    """Check what a PDF/A-3B reader first looks at: the XMP identification (part 3,
    conformance B), an output intent, French as the language and every font embedded.
    Returns the XMP, for the document's own checks."""
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = str(root["/Metadata"].get_object().get_data().decode())
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    intents = root["/OutputIntents"]
    assert [intent.get_object()["/S"] for intent in intents] == ["/GTS_PDFA1"]
    assert root["/Lang"] == "fr-FR"
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]
    return xmp
