"""Every kind of invoice passes the rules a receiving system runs: EN 16931 (CEN),
Factur-X EN 16931 and the French reform (BR-FR), on the XML embedded in the PDF."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import facturx
import pytest
from document_samples import company_en_formation, debited_invoice, individual, invoice, provider
from einvoicing_rules import RULE_SETS, asserts_in, blocking_failures, run

from domicili.documents import InvoiceData, invoice_xml, render_invoice

pytestmark = pytest.mark.one_store  # no database


def _credit_note(**changes: Any) -> InvoiceData:
    return invoice(
        kind="credit_note",
        due_date=None,
        number="A-2025-0002",
        credited_invoice_number="F-2025-0007",
        credited_invoice_date=date(2025, 3, 3),
        credit_reason="résiliation au 15 mars 2025",
        payment_means_text="remboursement ou imputation sur une prochaine facture",
        **changes,
    )


#: Each kind of document domicili issues.
KINDS: dict[str, Any] = {
    "paris-20": lambda: invoice(),
    "guadeloupe-8.5": lambda: invoice(
        departement="971", seller=provider(postcode="97110", city="Pointe-à-Pitre")
    ),
    "reunion-8.5": lambda: invoice(
        departement="974", seller=provider(postcode="97400", city="Saint-Denis")
    ),
    "guyane-vat-not-applied": lambda: invoice(
        departement="973", seller=provider(postcode="97300", city="Cayenne")
    ),
    "mayotte-vat-not-applied": lambda: invoice(
        departement="976", seller=provider(postcode="97600", city="Mamoudzou")
    ),
    "company-en-formation": lambda: invoice(buyer=company_en_formation()),
    "individual": lambda: invoice(buyer=individual()),
    "credit-note": _credit_note,
    "credit-note-guyane": lambda: _credit_note(departement="973"),
    "paid-by-card": lambda: invoice(
        due_date=date(2025, 3, 3), paid_on=date(2025, 3, 3), payment_means_text="carte bancaire"
    ),
    "paid-by-transfer": lambda: invoice(
        due_date=date(2025, 3, 3), paid_on=date(2025, 3, 3), payment_means_text="virement"
    ),
    "paid-by-sepa-debit": lambda: invoice(
        due_date=date(2025, 3, 3), paid_on=date(2025, 3, 3), payment_means_text="prélèvement SEPA"
    ),
    "sepa-direct-debit": debited_invoice,
    "sepa-direct-debit-guyane": lambda: debited_invoice(departement="973"),
    "sepa-direct-debit-individual": lambda: debited_invoice(buyer=individual()),
    "seller-without-iban": lambda: invoice(seller=provider(iban=None, bic=None)),
    "vat-on-debits": lambda: invoice(seller=provider(vat_on_debits=True)),
    "credit-note-vat-on-debits": lambda: _credit_note(seller=provider(vat_on_debits=True)),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_document_passes_the_three_rule_sets(kind: str) -> None:
    pdf = render_invoice(KINDS[kind]())
    _, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    for name in RULE_SETS:
        outcome = run(name, xml)
        assert outcome.fired_rules > 0, name  # the rules did look at this document
        assert outcome.blocking == [], "\n".join(map(str, outcome.blocking))


def test_the_rule_sets_are_the_full_ones() -> None:
    counts = {name: asserts_in(name) for name in RULE_SETS}
    assert counts["cen"] > 700
    assert counts["factur-x"] > 400
    assert counts["br-fr"] > 150


def test_each_rule_set_rejects_what_it_checks() -> None:
    xml = invoice_xml(invoice())
    no_mode = xml.replace(b"<ram:ID>S1</ram:ID>", b"")
    assert "BR-FR-08_BT-23" in {f.id for f in run("br-fr", no_mode).blocking}
    wrong_total = xml.replace(
        b"<ram:GrandTotalAmount>54.61</ram:GrandTotalAmount>",
        b"<ram:GrandTotalAmount>54.62</ram:GrandTotalAmount>",
    )
    assert wrong_total != xml
    assert "BR-CO-15" in {f.id for f in run("cen", wrong_total).blocking}
    assert "BR-CO-15" in {f.id for f in run("factur-x", wrong_total).blocking}


def test_one_rule_check_takes_well_under_a_second_once_compiled() -> None:
    xml = invoice_xml(invoice())
    blocking_failures(xml)  # compiled by now
    started = time.perf_counter()
    assert blocking_failures(xml) == []
    assert time.perf_counter() - started < 1.0
