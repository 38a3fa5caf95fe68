"""What the French reform reads in an invoice, and that the PDF a person reads says the same:
billing mode, paid amounts, the credited invoice, payment means, VAT on debits, identifiers."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import facturx
import pytest
from document_samples import (
    CREDITOR_IDENTIFIER,
    DEBTOR_IBAN,
    company_en_formation,
    debited_invoice,
    flat,
    individual,
    invoice,
    pdf_text,
    provider,
)
from invoice_xml_reading import NS, ReadInvoice, read

from domicili.documents import (
    DirectDebit,
    InvoiceData,
    check_invoice_xml,
    invoice_xml,
    render_invoice,
)
from domicili.errors import TemplateError

pytestmark = pytest.mark.one_store  # no database

QDT = "{urn:un:unece:uncefact:data:standard:QualifiedDataType:100}"


def _both(data: InvoiceData) -> tuple[str, ReadInvoice]:
    pdf = render_invoice(data)
    _, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    return flat(pdf_text(pdf)), read(xml)


def _paid(**changes: Any) -> InvoiceData:
    fields: dict[str, Any] = {
        "due_date": date(2025, 3, 3),
        "paid_on": date(2025, 3, 3),
        "payment_means_text": "carte bancaire",
    }
    return invoice(**{**fields, **changes})


def _credit_note(**changes: Any) -> InvoiceData:
    fields: dict[str, Any] = {
        "kind": "credit_note",
        "due_date": None,
        "number": "A-2025-0002",
        "credited_invoice_number": "F-2025-0007",
        "credited_invoice_date": date(2025, 2, 3),
        "payment_means_text": "remboursement ou imputation sur une prochaine facture",
    }
    return invoice(**{**fields, **changes})


def test_an_invoice_states_its_billing_mode_and_the_mentions_by_subject() -> None:
    _, doc = _both(invoice())
    assert doc.text(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
    notes = {
        n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
        for n in doc.all(".//ram:IncludedNote")
    }
    assert notes["AAB"] == "Escompte : aucun escompte n’est accordé en cas de paiement anticipé"
    assert "trois fois le taux d’intérêt légal" in (notes["PMD"] or "")
    assert "40 €" in (notes["PMT"] or "")


def test_a_paid_invoice_carries_its_paid_amount_and_nothing_due_in_pdf_and_xml() -> None:
    text, doc = _both(_paid())
    assert doc.text(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S2"
    assert doc.total("GrandTotalAmount") == 5461
    assert doc.total("TotalPrepaidAmount") == 5461  # BT-113
    assert doc.total("DuePayableAmount") == 0  # BT-115
    assert "Facture acquittée le 3 mars 2025 par carte bancaire." in text
    assert "Total TTC 54,61 €" in text
    assert "Déjà réglé 54,61 €" in text
    assert "Net à payer TTC 0,00 €" in text
    # paid by card: no transfer to the seller's account is asked for
    assert doc.text(".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "48"
    assert doc.all(".//ram:IBANID") == []
    assert "IBAN" not in text


@pytest.mark.parametrize(
    ("means", "code"),
    [("carte bancaire", "48"), ("chèque", "20"), ("espèces", "10"), ("prélèvement SEPA", "59")],
)
def test_a_paid_invoice_names_the_means_it_was_paid_by_and_no_account(
    means: str, code: str
) -> None:
    text, doc = _both(_paid(payment_means_text=means))
    assert doc.text(".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == code
    assert doc.all(".//ram:IBANID") == []
    assert f"Facture acquittée le 3 mars 2025 par {means}." in text


def test_an_unpaid_invoice_has_nothing_paid_and_all_due() -> None:
    text, doc = _both(invoice())
    assert doc.all(".//ram:TotalPrepaidAmount") == []
    assert doc.total("DuePayableAmount") == 5461
    assert "Déjà réglé" not in text
    assert doc.text(".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "58"


def test_a_credit_note_names_the_credited_invoice_and_its_date() -> None:
    text, doc = _both(_credit_note())
    referenced = doc.root.find(".//ram:InvoiceReferencedDocument", NS)
    assert referenced is not None
    assert referenced.findtext("ram:IssuerAssignedID", namespaces=NS) == "F-2025-0007"
    issued = referenced.find("ram:FormattedIssueDateTime", NS)
    assert issued is not None
    assert issued.findtext(f"{QDT}DateTimeString") == "20250203"
    assert "Facture d’origine : F-2025-0007 du 3 février 2025" in text


def test_a_credit_note_asks_for_no_transfer_to_the_sellers_account() -> None:
    text, doc = _both(_credit_note())
    means = doc.root.find(".//ram:SpecifiedTradeSettlementPaymentMeans", NS)
    assert means is not None
    assert means.findtext("ram:TypeCode", namespaces=NS) == "97"  # clearing between partners
    assert means.findtext("ram:Information", namespaces=NS) == (
        "remboursement ou imputation sur une prochaine facture"
    )
    assert doc.all(".//ram:IBANID") == []
    assert doc.all(".//ram:BICID") == []
    assert "IBAN" not in text


def test_a_credited_date_after_the_credit_note_is_refused() -> None:
    with pytest.raises(ValueError, match="credited_invoice_date"):
        _credit_note(credited_invoice_date=date(2025, 3, 4))
    with pytest.raises(ValueError, match="only an invoice is issued paid"):
        _credit_note(paid_on=date(2025, 3, 3))


def test_vat_on_debits_is_printed_and_coded_when_the_provider_chose_it() -> None:
    text, doc = _both(invoice(seller=provider(vat_on_debits=True)))
    assert "TVA acquittée sur les débits" in text
    codes = [e.text for e in doc.all(".//ram:ApplicableTradeTax/ram:DueDateTypeCode")]
    assert codes == ["5"]  # BT-8: VAT due on the invoice date
    plain_text, plain = _both(invoice())
    assert "débits" not in plain_text
    assert plain.all(".//ram:DueDateTypeCode") == []


def test_vat_on_debits_says_nothing_where_vat_does_not_apply() -> None:
    text, doc = _both(invoice(departement="973", seller=provider(vat_on_debits=True)))
    assert "débits" not in text
    assert doc.all(".//ram:DueDateTypeCode") == []


def test_a_debited_invoice_announces_the_debit_and_asks_for_no_transfer() -> None:
    text, doc = _both(debited_invoice())
    settlement = doc.root.find(".//ram:ApplicableHeaderTradeSettlement", NS)
    assert settlement is not None
    means = settlement.find("ram:SpecifiedTradeSettlementPaymentMeans", NS)
    assert means is not None
    assert means.findtext("ram:TypeCode", namespaces=NS) == "59"  # SEPA direct debit
    assert means.findtext("ram:Information", namespaces=NS) == "prélèvement SEPA"
    debtor = "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"
    assert means.findtext(debtor, namespaces=NS) == DEBTOR_IBAN  # BT-91
    assert means.find("ram:PayeePartyCreditorFinancialAccount", NS) is None
    assert means.find("ram:PayeeSpecifiedCreditorFinancialInstitution", NS) is None
    children = [child.tag.split("}")[1] for child in settlement]
    assert children[:2] == ["CreditorReferenceID", "PaymentReference"]  # the XSD's order
    assert settlement.findtext("ram:CreditorReferenceID", namespaces=NS) == CREDITOR_IDENTIFIER
    terms = settlement.find("ram:SpecifiedTradePaymentTerms", NS)
    assert terms is not None
    assert [child.tag.split("}")[1] for child in terms] == [
        "Description",
        "DueDateDateTime",
        "DirectDebitMandateID",
    ]
    assert terms.findtext("ram:DirectDebitMandateID", namespaces=NS) == "RUM-D-000001"
    assert terms.findtext("ram:Description", namespaces=NS) == (
        "Le montant de 54,61\u00a0€ sera prélevé le 17/03/2025 sur le compte DE89 **** 3000 "
        "(prélèvement SEPA, mandat RUM-D-000001, créancier FR72ZZZ123456)"
    )
    assert (
        "Prélèvement SEPA le 17/03/2025 sur le compte DE89 **** 3000, mandat RUM-D-000001, "
        "créancier FR72ZZZ123456." in text
    )
    assert "à régler" not in text.lower()
    assert "IBAN" not in text  # neither the seller's to transfer to, nor the client's whole
    assert "DE89370400440532013000" not in text


def test_the_xsd_refuses_the_debit_identifiers_out_of_order() -> None:
    xml = invoice_xml(debited_invoice())
    check_invoice_xml(xml)  # as issued
    ics = b"<ram:CreditorReferenceID>FR72ZZZ123456</ram:CreditorReferenceID>"
    reference = b"<ram:PaymentReference>F-2025-0007</ram:PaymentReference>"
    swapped = xml.replace(ics + reference, reference + ics)
    assert swapped != xml
    with pytest.raises(TemplateError, match="CreditorReferenceID"):
        check_invoice_xml(swapped)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"paid_on": date(2025, 3, 3)}, "only an invoice still to be paid"),
        ({"due_date": date(2025, 3, 10)}, "collection day is between"),
    ],
)
def test_a_direct_debit_that_cannot_be_is_refused(changes: dict[str, Any], message: str) -> None:
    debit = debited_invoice().direct_debit
    assert debit is not None
    with pytest.raises(ValueError, match=message):
        invoice(direct_debit=debit, **changes)
    with pytest.raises(ValueError, match="only an invoice still to be paid"):
        _credit_note(direct_debit=debit)


def test_a_debit_names_a_valid_account_and_creditor() -> None:
    fields: dict[str, Any] = {
        "mandate_reference": "RUM-D-000001",
        "creditor_identifier": CREDITOR_IDENTIFIER,
        "debtor_iban": DEBTOR_IBAN,
        "collection_date": date(2025, 3, 17),
    }
    assert DirectDebit(**{**fields, "debtor_iban": "de89 3704 0044 0532 0130 00"}).debtor_iban == (
        DEBTOR_IBAN
    )
    for name, wrong in (
        ("debtor_iban", "DE89370400440532013001"),
        ("creditor_identifier", "FR73ZZZ123456"),
        ("mandate_reference", "RUM D 000001 é"),
    ):
        with pytest.raises(ValueError, match=name):
            DirectDebit(**{**fields, name: wrong})


# -- every identifier, read back from both ---------------------------------------

_VAT = re.compile(r"\bFR\d{11}\b")
_SIREN = re.compile(r"(?<!\d )(?<!\d)\d{3} \d{3} \d{3}(?! ?\d)")
_IBAN = re.compile(r"IBAN : (FR[\d ]+\d)")
_BIC = re.compile(r"BIC : ([A-Z0-9]{8,11})")
_NUMBER = re.compile(r"\b[FA]-\d{4}-\d{4}\b")
_DEBTOR_ACCOUNT = re.compile(r"sur le compte ([A-Z]{2}\d{2} \*{4} [A-Z0-9]{4})")
_MANDATE = re.compile(r"mandat ([A-Za-z0-9/?:().'+-]+),")
_CREDITOR = re.compile(r"créancier ([A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]+)")


def _xml_identifiers(doc: ReadInvoice) -> dict[str, set[str]]:
    def texts(path: str) -> set[str]:
        return {e.text or "" for e in doc.all(path)}

    return {
        "vat": texts(".//ram:SpecifiedTaxRegistration/ram:ID"),
        "siren": texts(".//ram:SpecifiedLegalOrganization/ram:ID"),
        "iban": texts(".//ram:PayeePartyCreditorFinancialAccount/ram:IBANID"),
        "debtor_account": {
            f"{iban[:4]} **** {iban[-4:]}"
            for iban in texts(".//ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
        },
        "mandate": texts(".//ram:DirectDebitMandateID"),
        "creditor": texts(".//ram:CreditorReferenceID"),
        "bic": texts(".//ram:BICID"),
        "number": texts("rsm:ExchangedDocument/ram:ID")
        | texts(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
    }


def _pdf_identifiers(text: str) -> dict[str, set[str]]:
    return {
        "vat": set(_VAT.findall(text)),
        "siren": {s.replace(" ", "") for s in _SIREN.findall(text)},
        "iban": {s.replace(" ", "") for s in _IBAN.findall(text)},
        "debtor_account": set(_DEBTOR_ACCOUNT.findall(text)),
        "mandate": set(_MANDATE.findall(text)),
        "creditor": set(_CREDITOR.findall(text)),
        "bic": set(_BIC.findall(text)),
        "number": set(_NUMBER.findall(text)),
    }


DOCUMENTS: dict[str, Any] = {
    "paris": lambda: invoice(),
    "reunion": lambda: invoice(departement="974"),
    "guyane": lambda: invoice(departement="973"),
    "mayotte-credit-note": lambda: _credit_note(departement="976"),
    "en-formation": lambda: invoice(buyer=company_en_formation()),
    "individual": lambda: invoice(buyer=individual(siren="732829320")),
    "credit-note": _credit_note,
    "paid": _paid,
    "sepa-direct-debit": debited_invoice,
}


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_pdf_and_xml_agree_on_every_identifier(kind: str) -> None:
    text, doc = _both(DOCUMENTS[kind]())
    in_xml, in_pdf = _xml_identifiers(doc), _pdf_identifiers(text)
    assert in_xml["number"], "the XML names the document"
    if kind == "sepa-direct-debit":
        assert in_xml["mandate"] == {"RUM-D-000001"}
        assert in_xml["creditor"] == {CREDITOR_IDENTIFIER}
        assert in_xml["debtor_account"] == {"DE89 **** 3000"}
    for name in in_xml:
        assert in_pdf[name] == in_xml[name], name


def test_in_guyane_neither_vat_number_is_printed() -> None:
    text, doc = _both(invoice(departement="973"))
    assert doc.all(".//ram:SpecifiedTaxRegistration") == []
    assert "FR11123456782" not in text  # the seller's
    assert "FR59890123458" not in text  # the buyer's
    assert "RCS Paris 123 456 782" in text
