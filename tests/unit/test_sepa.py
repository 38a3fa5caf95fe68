"""SEPA direct-debit files as a bank reads them, and the rejects and returns it sends back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files

import pytest
from lxml import etree

from domicili.errors import DirectDebitError, InvalidIdentifier, ReturnsFileError
from domicili.sepa import (
    FINAL,
    FORMATS,
    REASONS,
    RETRYABLE,
    Amendment,
    Creditor,
    Debit,
    bank_of,
    check_creditor_identifier,
    debit_file,
    read_returns,
)

#: Pure functions: no store involved.
pytestmark = pytest.mark.one_store

CREDITOR = Creditor(
    name="Domiciliation Rivoli SAS",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPPXXX",
    identifier="FR72ZZZ123456",
)
CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def debit(n: int, **changes: object) -> Debit:
    fields: dict[str, object] = dict(
        end_to_end_id=f"F-2026-{n:06d}",
        amount_cents=6000 + n,
        debtor_name=f"Société Cliente n°{n}",
        iban="DE89370400440532013000",
        bic=None,
        mandate_reference=f"RUM-D-{n:06d}",
        mandate_signed_on=date(2026, 3, 2),
        sequence="RCUR",
        collection_date=date(2026, 12, 10),
        remittance=f"Facture F-2026-{n:06d} période décembre 2026",
    )
    fields.update(changes)
    return Debit(**fields)  # type: ignore[arg-type]


def schema(format: str) -> etree.XMLSchema:
    path = files("sepaxml") / "schemas" / f"{format}.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.mark.parametrize("format", FORMATS)
def test_debit_file_passes_its_schema_with_one_batch_per_sequence_and_date(format: str) -> None:
    debits = [
        debit(1, sequence="FRST"),
        debit(2),
        debit(3, sequence="FRST"),
        debit(4, collection_date=date(2026, 12, 15)),
        debit(5, sequence="OOFF", bic="COBADEFFXXX"),
    ]

    data = debit_file(
        CREDITOR, debits, message_id="DOM-2026-12-01", created_at=CREATED, format=format
    )

    root = etree.fromstring(data)
    assert schema(format).validate(root), schema(format).error_log
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{format}"}
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=ns) == "DOM-2026-12-01"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CreDtTm", namespaces=ns) == (
        "2026-12-01T09:30:00+00:00"
    )
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "5"
    total = sum(d.amount_cents for d in debits)
    assert Decimal(root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns)) * 100 == total
    batches = {}
    for batch in root.iterfind(".//p:PmtInf", ns):
        key = (
            batch.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns),
            batch.findtext("p:ReqdColltnDt", namespaces=ns),
        )
        lines = {
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns): (
                tx.findtext("p:InstdAmt", namespaces=ns),
                tx.findtext(".//p:MndtId", namespaces=ns),
                tx.findtext(".//p:DtOfSgntr", namespaces=ns),
            )
            for tx in batch.iterfind("p:DrctDbtTxInf", ns)
        }
        batches[key] = lines
        assert (
            batch.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns)
            == "FR72ZZZ123456"
        )
    assert batches == {
        ("FRST", "2026-12-10"): {
            "F-2026-000001": ("60.01", "RUM-D-000001", "2026-03-02"),
            "F-2026-000003": ("60.03", "RUM-D-000003", "2026-03-02"),
        },
        ("RCUR", "2026-12-10"): {"F-2026-000002": ("60.02", "RUM-D-000002", "2026-03-02")},
        ("RCUR", "2026-12-15"): {"F-2026-000004": ("60.04", "RUM-D-000004", "2026-03-02")},
        ("OOFF", "2026-12-10"): {"F-2026-000005": ("60.05", "RUM-D-000005", "2026-03-02")},
    }
    ids = [n.text for n in root.iterfind(".//p:PmtInfId", ns)]
    assert len(set(ids)) == 4


@pytest.mark.parametrize("format", FORMATS)
def test_an_amended_mandate_is_told_to_the_bank_with_its_next_debit(format: str) -> None:
    debits = [
        debit(
            1,
            amendment=Amendment(mandate_reference="OLD-RUM-1", iban="FR1420041010050500013M02606"),
        ),
        debit(2, amendment=Amendment(other_bank=True)),
        debit(3),
    ]
    data = debit_file(CREDITOR, debits, message_id="M1", created_at=CREATED, format=format)
    root = etree.fromstring(data)
    assert schema(format).validate(root), schema(format).error_log
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{format}"}
    found = {}
    for tx in root.iterfind(".//p:DrctDbtTxInf", ns):
        related = tx.find(".//p:MndtRltdInf", ns)
        found[tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns)] = (
            related.findtext("p:AmdmntInd", namespaces=ns),
            related.findtext("p:AmdmntInfDtls/p:OrgnlMndtId", namespaces=ns),
            related.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=ns),
            related.findtext(
                "p:AmdmntInfDtls/p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=ns
            ),
        )
    assert found == {
        "F-2026-000001": ("true", "OLD-RUM-1", "FR1420041010050500013M02606", None),
        "F-2026-000002": ("true", None, None, "SMNDA"),
        "F-2026-000003": (None, None, None, None),
    }


def test_the_same_debits_give_the_same_file() -> None:
    make = [debit(1), debit(2, sequence="FRST")]
    first = debit_file(CREDITOR, make, message_id="DOM-1", created_at=CREATED)
    again = debit_file(CREDITOR, make, message_id="DOM-1", created_at=CREATED)
    assert first == again


def test_a_remittance_in_french_is_written_in_the_sepa_characters() -> None:
    data = debit_file(
        CREDITOR, [debit(1, debtor_name="Hélène Çaçà")], message_id="M1", created_at=CREATED
    )
    assert b"Helene Caca" in data
    assert b"periode decembre 2026" in data


@pytest.mark.parametrize(
    ("debits", "kwargs", "said"),
    [
        ([], {}, "There is no debit to collect"),
        ([debit(1, amount_cents=0)], {}, "the amount must be more than 0"),
        ([debit(1, amount_cents=-5)], {}, "the amount must be more than 0"),
        ([debit(1)], {"format": "pain.008.003.02"}, "is not a direct-debit format"),
        ([debit(1), debit(1)], {}, "Two debits have the end-to-end identifier F-2026-000001"),
        ([debit(1, end_to_end_id="X" * 36)], {}, "cannot identify a SEPA debit"),
        ([debit(1, mandate_reference="RUM 12")], {}, "cannot identify a SEPA debit"),
        ([debit(1, sequence="LAST")], {}, "is not a sequence type"),
    ],
)
def test_bad_debits_are_refused_with_one_sentence(
    debits: list[Debit], kwargs: dict[str, str], said: str
) -> None:
    with pytest.raises(DirectDebitError) as caught:
        debit_file(CREDITOR, debits, message_id="M1", created_at=CREATED, **kwargs)
    assert said in str(caught.value)
    assert str(caught.value).endswith(".")
    assert "\n" not in str(caught.value)


def test_an_old_format_file_needs_the_creditor_bic() -> None:
    no_bic = Creditor(CREDITOR.name, CREDITOR.iban, None, CREDITOR.identifier)
    assert debit_file(no_bic, [debit(1)], message_id="M1", created_at=CREATED)
    with pytest.raises(DirectDebitError, match="needs the BIC"):
        debit_file(no_bic, [debit(1)], message_id="M1", created_at=CREATED, format=FORMATS[1])


def test_a_debit_the_schema_refuses_is_never_returned() -> None:
    with pytest.raises(DirectDebitError, match=r"does not pass the pain\.008\.001\.08 schema"):
        debit_file(CREDITOR, [debit(1, iban="not-an-iban")], message_id="M1", created_at=CREATED)


# -- what banks send back -------------------------------------------------------------
PAIN_002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">
  <CstmrPmtStsRpt>
    <GrpHdr>
      <MsgId>REJ-20261211-0001</MsgId>
      <CreDtTm>2026-12-11T06:02:11</CreDtTm>
      <InitgPty><Nm>CREDIT AGRICOLE SA</Nm></InitgPty>
    </GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>DOM-2026-12-01</OrgnlMsgId>
      <OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>
      <OrgnlNbOfTxs>3</OrgnlNbOfTxs>
      <GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>DOM-2026-12-01-1</OrgnlPmtInfId>
      <PmtInfSts>PART</PmtInfSts>
      <TxInfAndSts>
        <StsId>RJ0001</StsId>
        <OrgnlEndToEndId>F-2026-000001</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf>
          <Orgtr><Id><OrgId><AnyBIC>AGRIFRPPXXX</AnyBIC></OrgId></Id></Orgtr>
          <Rsn><Cd>AC04</Cd></Rsn>
        </StsRsnInf>
        <OrgnlTxRef>
          <Amt><InstdAmt Ccy="EUR">60.01</InstdAmt></Amt>
          <ReqdColltnDt>2026-12-10</ReqdColltnDt>
        </OrgnlTxRef>
      </TxInfAndSts>
      <TxInfAndSts>
        <StsId>AC0002</StsId>
        <OrgnlEndToEndId>F-2026-000002</OrgnlEndToEndId>
        <TxSts>ACCP</TxSts>
      </TxInfAndSts>
      <TxInfAndSts>
        <StsId>RJ0003</StsId>
        <OrgnlEndToEndId>F-2026-000003</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>MD01</Cd></Rsn><AddtlInf>NO MANDATE</AddtlInf></StsRsnInf>
        <OrgnlTxRef><Amt><InstdAmt Ccy="EUR">1200.50</InstdAmt></Amt></OrgnlTxRef>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


@pytest.mark.parametrize("version", ["pain.002.001.03", "pain.002.001.10"])
def test_a_rejects_report_lists_each_rejected_debit_with_its_reason(version: str) -> None:
    found = read_returns(PAIN_002.format(version=version).encode())
    assert found.kind == "pain.002"
    assert found.message_id == "REJ-20261211-0001"
    assert [(r.end_to_end_id, r.reason, r.amount_cents, r.kind, r.on) for r in found.returns] == [
        ("F-2026-000001", "AC04", 6001, "reject", date(2026, 12, 11)),
        ("F-2026-000003", "MD01", 120050, "reject", date(2026, 12, 11)),
    ]


def test_a_batch_rejected_whole_rejects_each_of_its_debits_with_the_batch_reason() -> None:
    text = PAIN_002.format(version="pain.002.001.03")
    text = text.replace(
        "<PmtInfSts>PART</PmtInfSts>",
        ("<PmtInfSts>RJCT</PmtInfSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf>"),
    )
    text = text.replace("<TxSts>ACCP</TxSts>", "").replace(
        "<TxSts>RJCT</TxSts>\n        <StsRsnInf><Rsn><Cd>MD01</Cd></Rsn>"
        "<AddtlInf>NO MANDATE</AddtlInf></StsRsnInf>",
        "",
    )
    found = read_returns(text.encode())
    assert [(r.end_to_end_id, r.reason) for r in found.returns] == [
        ("F-2026-000001", "AC04"),
        ("F-2026-000002", "FF01"),
        ("F-2026-000003", "FF01"),
    ]


CAMT_054 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr>
      <MsgId>CAMT054-20261218-77</MsgId>
      <CreDtTm>2026-12-18T20:15:00+01:00</CreDtTm>
    </GrpHdr>
    <Ntfctn>
      <Id>NTF-77</Id>
      <CreDtTm>2026-12-18T20:15:00+01:00</CreDtTm>
      <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="EUR">60.02</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <RvslInd>true</RvslInd>
        {status}
        <BookgDt><Dt>2026-12-17</Dt></BookgDt>
        <ValDt><Dt>2026-12-17</Dt></ValDt>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs>
              <EndToEndId>F-2026-000002</EndToEndId>
              <MndtId>RUM-D-000002</MndtId>
            </Refs>
            {amount}
            <CdtDbtInd>DBIT</CdtDbtInd>
            <RtrInf>
              <OrgnlBkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn></OrgnlBkTxCd>
              <Rsn><Cd>MD06</Cd></Rsn>
            </RtrInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">182.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <RvslInd>true</RvslInd>
        {status}
        <BookgDt><Dt>2026-12-18</Dt></BookgDt>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>F-2026-000004</EndToEndId></Refs>
            <RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">60.05</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        {status}
        <BookgDt><Dt>2026-12-10</Dt></BookgDt>
        <NtryDtls><TxDtls><Refs><EndToEndId>F-2026-000005</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""

CAMT_VERSIONS = {
    "camt.054.001.02": dict(
        status="<Sts>BOOK</Sts>",
        amount='<AmtDtls><TxAmt><Amt Ccy="EUR">60.02</Amt></TxAmt></AmtDtls>',
    ),
    "camt.054.001.08": dict(status="<Sts><Cd>BOOK</Cd></Sts>", amount='<Amt Ccy="EUR">60.02</Amt>'),
}


@pytest.mark.parametrize("version", sorted(CAMT_VERSIONS))
def test_a_debit_notification_lists_each_returned_debit_not_the_ones_collected(
    version: str,
) -> None:
    text = CAMT_054.format(version=version, **CAMT_VERSIONS[version])
    found = read_returns(text.encode())
    assert found.kind == "camt.054"
    assert found.message_id == "CAMT054-20261218-77"
    assert [(r.end_to_end_id, r.reason, r.amount_cents, r.kind, r.on) for r in found.returns] == [
        ("F-2026-000002", "MD06", 6002, "return", date(2026, 12, 17)),
        ("F-2026-000004", "AM04", 18200, "return", date(2026, 12, 18)),
    ]


def test_a_returns_file_with_entities_is_read_without_expanding_them(tmp_path: object) -> None:
    text = (
        PAIN_002.format(version="pain.002.001.03")
        .replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        )
        .replace("<MsgId>REJ-20261211-0001</MsgId>", "<MsgId>&x;</MsgId>")
    )
    found = read_returns(text.encode())
    assert "root" not in found.message_id
    assert len(found.returns) == 2


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"", "This file is not XML"),
        (b"%PDF-1.7 junk", "This file is not XML"),
        (b"\xff\xfe\x00<", "This file is not XML"),
        (b"<Document><unclosed></Document>", "This file is not XML"),
        (b"<invoice/>", "(it holds invoice)"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>',
            "(it holds camt.053.001.02)",
        ),
    ],
)
def test_a_file_that_is_not_a_returns_file_says_what_was_expected(data: bytes, said: str) -> None:
    with pytest.raises(ReturnsFileError) as caught:
        read_returns(data)
    assert said in str(caught.value)
    assert "pain.002" in str(caught.value)
    assert "camt.054" in str(caught.value)


def test_a_debit_file_given_as_returns_is_refused_by_name() -> None:
    data = debit_file(CREDITOR, [debit(1)], message_id="M1", created_at=CREATED)
    with pytest.raises(ReturnsFileError, match=r"\(it holds pain.008.001.08\)"):
        read_returns(data)


def test_a_report_that_rejects_nothing_names_no_debit() -> None:
    text = PAIN_002.format(version="pain.002.001.03").replace("RJCT", "ACCP")
    with pytest.raises(ReturnsFileError, match="REJ-20261211-0001 names no rejected or returned"):
        read_returns(text.encode())


def test_a_report_rejecting_the_whole_file_says_nothing_was_collected() -> None:
    whole = """<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
  <GrpHdr><MsgId>REJ-FILE-9</MsgId><CreDtTm>2026-12-02T07:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>DOM-2026-12-01</OrgnlMsgId>
    <OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>
    <StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>"""
    with pytest.raises(ReturnsFileError) as caught:
        read_returns(whole.encode())
    assert str(caught.value) == (
        "The pain.002 file REJ-FILE-9 rejects the whole file DOM-2026-12-01 (reason FF01) "
        "without naming its debits: none was collected; correct the file and send it again."
    )


def test_a_notification_of_collected_debits_only_names_no_return() -> None:
    text = CAMT_054.format(version="camt.054.001.02", **CAMT_VERSIONS["camt.054.001.02"])
    text = text.replace("<RtrInf>", "<AddtlTxInf>").replace("</RtrInf>", "</AddtlTxInf>")
    with pytest.raises(ReturnsFileError, match=r"camt\.054 file CAMT054-20261218-77 names no"):
        read_returns(text.encode())


# -- identifiers and codes ------------------------------------------------------------
def test_creditor_identifier_is_checked_with_its_key() -> None:
    assert check_creditor_identifier("fr 72 zzz 123456") == "FR72ZZZ123456"
    for wrong in ("FR73ZZZ123456", "DE98ZZZ09999999999", "FR72ZZZ1234", "FR72ZZZ12345６"):
        with pytest.raises(
            InvalidIdentifier, match=r"is not a valid (French )?creditor identifier"
        ):
            check_creditor_identifier(wrong)


def test_bank_of_an_iban() -> None:
    assert bank_of("FR76 3000 6000 0112 3456 7890 189") == ("AGRIFRPPXXX", "CREDIT AGRICOLE SA")
    with pytest.raises(InvalidIdentifier, match="is not a valid IBAN"):
        bank_of("FR76 3000 6000 0112 3456 7890 180")


def test_every_retry_and_final_code_has_a_french_label() -> None:
    assert REASONS["AM04"] == "Provision insuffisante"
    assert "remboursement" in REASONS["MD06"].lower()
    assert set(REASONS) >= RETRYABLE | FINAL
    assert not RETRYABLE & FINAL
