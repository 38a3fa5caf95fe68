"""A month of a running contract paid by SEPA direct debit, on both stores: the invoice
announces the debit, the month's file goes to the bank, the bank sends one back, dunning
presents it again, and a late payment clears it all."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import facturx
import pytest
from lxml import etree
from test_invoicing import pdf_text

from documents.einvoicing_rules import blocking_failures
from domicili.errors import InvalidInput, Refused, ReturnsFileError

if TYPE_CHECKING:
    from conftest import World

ICS = "FR72ZZZ123456"
CLIENT_IBAN = "DE89 3704 0044 0532 0130 00"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}

CAMT_054 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>{msg_id}</MsgId><CreDtTm>2026-06-20T06:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-1</Id>
      <CreDtTm>2026-06-20T06:00:00</CreDtTm>
      <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <RvslInd>true</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-06-19</Dt></BookgDt>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>{e2e}</EndToEndId></Refs>
            <Amt Ccy="EUR">{amount}</Amt>
            <RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""


def returned(e2e: str, amount_cents: int, reason: str = "AM04", msg_id: str = "RET-1") -> bytes:
    amount = f"{amount_cents // 100}.{amount_cents % 100:02d}"
    return CAMT_054.format(e2e=e2e, amount=amount, reason=reason, msg_id=msg_id).encode()


@pytest.fixture
def debited(world: World) -> tuple[World, int, str]:
    """A contract in force with a mandate, its June invoice issued on 2 June."""
    provider_id = world.provider()
    world.app.update_provider(provider_id, creditor_identifier=ICS)
    dossier_id = world.in_force(provider_id)
    world.app.add_mandate(
        dossier_id, iban=CLIENT_IBAN, reference="RUM-D-000001", signed_on=date(2026, 3, 2)
    )
    world.clock.advance(days=92)  # 2 June 2026
    (number,) = world.app.bill().issued
    return world, dossier_id, number


def export(world: World, tmp_path: Path, period: str = "2026-06") -> etree._Element:
    out = tmp_path / f"debits-{period}.xml"
    world.app.export_direct_debits(period, out.write_bytes)
    return etree.fromstring(out.read_bytes())


def test_the_invoice_announces_the_debit_and_the_month_file_carries_it_once(
    debited: tuple[World, int, str], tmp_path: Path
) -> None:
    world, dossier_id, number = debited
    app = world.app
    receivable = app.receivable(number)
    assert (receivable.collection, receivable.collection_date) == ("sepa", date(2026, 6, 16))
    invoice = app.list_invoices(dossier_id=dossier_id)[0]
    assert invoice.data["direct_debit"] == {
        "mandate_reference": "RUM-D-000001",
        "creditor_identifier": ICS,
        "debtor_iban": CLIENT_IBAN.replace(" ", ""),
        "collection_date": "2026-06-16",
    }
    pdf = app.invoice_pdf(number)
    assert (
        "Prélèvement SEPA le 16/06/2026 sur le compte DE89 **** 3000, mandat RUM-D-000001, "
        f"créancier {ICS}." in pdf_text(pdf)
    )
    assert "IBAN :" not in pdf_text(pdf)  # nothing to transfer to the provider's account
    xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]
    assert blocking_failures(xml) == []
    assert b"<ram:TypeCode>59</ram:TypeCode>" in xml
    assert b"<ram:DirectDebitMandateID>RUM-D-000001</ram:DirectDebitMandateID>" in xml
    email = next(m for m in world.notifier.sent if m.template == "invoice_issued")
    assert "sera prélevé le 16/06/2026" in email.body

    root = export(world, tmp_path)
    (tx,) = root.findall(".//p:DrctDbtTxInf", NS)
    assert tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == number
    amount = tx.findtext("p:InstdAmt", namespaces=NS)
    assert amount == f"{receivable.amount_cents / 100:.2f}"
    assert tx.findtext(".//p:MndtId", namespaces=NS) == "RUM-D-000001"
    assert root.findtext(".//p:SeqTp", namespaces=NS) == "FRST"
    assert root.findtext(".//p:ReqdColltnDt", namespaces=NS) == "2026-06-16"

    with pytest.raises(Refused, match="2026-06 is exported already"):
        export(world, tmp_path)


def test_a_debit_collected_then_returned_is_presented_again_and_a_late_payment_clears_it(
    debited: tuple[World, int, str], tmp_path: Path
) -> None:
    world, dossier_id, number = debited
    app = world.app
    export(world, tmp_path)
    world.clock.advance(days=14)  # 16 June: collection day
    assert app.sweep().collected == [number]
    receivable = app.receivable(number)
    assert receivable.state == "paid"
    assert app.active_mandate(dossier_id).first_collected_on == date(2026, 6, 16)

    world.clock.advance(days=4)  # 20 June: the bank sends it back
    bank_file = returned(number, receivable.amount_cents)
    report = app.apply_sepa_returns(bank_file)
    assert report.returned == [(number, "AM04")]
    assert app.receivable(number).state == "unpaid"
    with pytest.raises(Refused, match=r"This returns file \(RET-1\) was applied on 20/06/2026"):
        app.apply_sepa_returns(bank_file)

    mark = len(world.notifier.sent)
    world.clock.advance(days=3)  # 3 days after it came back
    dunning = app.sweep().dunning
    assert (dunning["reminded"], dunning["presented_again"]) == ([number], [number])
    again = app.receivable(number)
    assert (again.state, again.collection_date) == ("open", date(2026, 6, 26))
    reminder = next(m for m in world.sent_since(mark) if m.template == "invoice_reminder")
    assert "retourné impayé" in reminder.body
    assert "de nouveau au prélèvement le 26/06/2026" in reminder.body
    root = export(world, tmp_path)  # the new presentation goes in a second file
    assert root.findtext(".//p:EndToEndId", namespaces=NS) == f"{number}-2"
    assert root.findtext(".//p:SeqTp", namespaces=NS) == "RCUR"

    app.apply_sepa_returns(returned(f"{number}-2", again.amount_cents, "MS02", "RET-2"))
    world.clock.advance(days=7)  # 10 days: no new presentation after a refusal
    assert app.sweep().dunning["presented_again"] == []
    paid = app.record_invoice_paid(number, reference="VIR-LATE")
    assert paid.state == "paid"
    assert app.verify_audit().ok


def test_a_returns_file_naming_a_debit_not_ours_changes_nothing(
    debited: tuple[World, int, str], tmp_path: Path
) -> None:
    world, _dossier_id, number = debited
    app = world.app
    export(world, tmp_path)
    before = app.receivable(number)
    with pytest.raises(InvalidInput, match=r"not one of ours \(F2099-000001\)"):
        app.apply_sepa_returns(returned("F2099-000001", 1000))
    with pytest.raises(ReturnsFileError):
        app.apply_sepa_returns(b"<Document>not a bank file</Document>")
    assert app.receivable(number) == before
    assert app.apply_sepa_returns(returned(number, before.amount_cents)).returned  # still applies


def test_without_a_creditor_identifier_the_invoice_asks_for_a_transfer(world: World) -> None:
    dossier_id = world.in_force()
    world.app.add_mandate(
        dossier_id, iban=CLIENT_IBAN, reference="RUM-1", signed_on=date(2026, 3, 2)
    )
    world.clock.advance(days=92)
    (number,) = world.app.bill().issued
    assert world.app.receivable(number).collection == "transfer"
    with pytest.raises(Refused, match="No direct debit is to be collected in 2026-06"):
        world.app.export_direct_debits("2026-06", lambda data: None)


def test_a_credit_note_of_a_debited_invoice_announces_no_debit(
    debited: tuple[World, int, str],
) -> None:
    world, _dossier_id, number = debited
    avoir = world.app.credit_note(number, "Erreur sur la période")
    assert avoir.data["direct_debit"] is None
    xml = facturx.get_xml_from_pdf(world.app.invoice_pdf(avoir.number), check_xsd=False)[1]
    assert blocking_failures(xml) == []
    assert b"<ram:TypeCode>97</ram:TypeCode>" in xml  # refunded or set against a next one
    assert b"DirectDebitMandateID" not in xml
    assert b"PayerPartyDebtorFinancialAccount" not in xml
