"""The pain.008 file of SEPA direct debits a provider hands to its bank.

The file is written by sepaxml (one batch per sequence type and collection date) and
checked against the XSD that sepaxml ships, once per file, before it is returned: a
file the bank would refuse is never written. The message and batch identifiers and the
creation time are the caller's, so that the same debits give the same file.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from ..errors import DirectDebitError
from ..i18n import _
from ..identifiers import is_sepa_identifier
from ..money import MAX_CENTS

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "Amendment",
    "Creditor",
    "Debit",
    "check_text_id",
    "debit_file",
]

#: The EPC rulebook's messages since March 2024, and the older version many French
#: banks' guides still specify.
FORMATS = ("pain.008.001.08", "pain.008.001.02")
DEFAULT_FORMAT = FORMATS[0]
SEQUENCES = ("FRST", "RCUR", "OOFF", "FNAL")


@dataclass(frozen=True)
class Creditor:
    """The provider collecting: its name, account and creditor identifier (ICS)."""

    name: str
    iban: str
    bic: str | None
    identifier: str


@dataclass(frozen=True)
class Amendment:
    """What a mandate changed since its last collection, told to the bank with the next
    one (the mandate's amendment details): the reference before, the account before at
    the same bank, or that the debtor moved to another bank (``SMNDA``)."""

    mandate_reference: str | None = None
    iban: str | None = None
    other_bank: bool = False


@dataclass(frozen=True)
class Debit:
    """One collection: ``end_to_end_id`` is its key in the bank's returns files."""

    end_to_end_id: str
    amount_cents: int
    debtor_name: str
    iban: str
    bic: str | None
    mandate_reference: str
    mandate_signed_on: date
    sequence: Literal["FRST", "RCUR", "OOFF", "FNAL"]
    collection_date: date
    #: The invoice number and period, at most 140 characters.
    remittance: str
    #: Set on the first collection after the mandate was amended.
    amendment: Amendment | None = None


def check_text_id(value: str, *, field: str) -> str:
    """``value`` when the EPC allows it as an identifier (mandate reference, end-to-end
    or message identifier), else :class:`DirectDebitError` with a sentence."""
    text = str(value)
    if is_sepa_identifier(text):
        return text
    raise DirectDebitError(
        _(
            "{field}: {value} cannot identify a SEPA debit: use at most 35 letters A-Z, "
            "digits and / - ? : ( ) . , ' + (no space, not starting or ending with /, "
            "no //)."
        ).format(field=field, value=repr(value)),
        field=field,
        value=value,
    )


def debit_file(
    creditor: Creditor,
    debits: Sequence[Debit],
    *,
    message_id: str,
    created_at: datetime,
    format: str = DEFAULT_FORMAT,
) -> bytes:
    """The pain.008 file collecting ``debits`` for ``creditor``, valid against its schema.

    Refused with :class:`~domicili.errors.DirectDebitError` (one sentence) when there is
    no debit, an amount is not positive, an identifier is not one the EPC allows, two
    debits share an end-to-end identifier or the format is not one of :data:`FORMATS`.
    """
    _check(creditor, debits, message_id, format)
    from sepaxml import SepaDD

    config: dict[str, Any] = {
        "name": creditor.name,
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.identifier,
        "currency": "EUR",
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    sdd = SepaDD(config, schema=format, clean=True)
    for debit in debits:
        sdd.add_payment(_payment(debit))
    raw: bytes = sdd.export(validate=False)
    amended = {d.end_to_end_id: d.amendment for d in debits if d.amendment is not None}
    return _finish(raw, format, message_id=message_id, created_at=created_at, amended=amended)


def _payment(debit: Debit) -> dict[str, Any]:
    payment: dict[str, Any] = {
        "name": debit.debtor_name,
        "IBAN": debit.iban,
        "amount": debit.amount_cents,
        "type": debit.sequence,
        "collection_date": debit.collection_date,
        "mandate_id": debit.mandate_reference,
        "mandate_date": debit.mandate_signed_on,
        "description": debit.remittance,
        "endtoend_id": debit.end_to_end_id,
    }
    if debit.bic:
        payment["BIC"] = debit.bic
    return payment


def _check(creditor: Creditor, debits: Sequence[Debit], message_id: str, format: str) -> None:
    if format not in FORMATS:
        raise DirectDebitError(
            _("{value} is not a direct-debit format domicili writes; choose {formats}.").format(
                value=repr(format), formats=" or ".join(FORMATS)
            ),
            field="format",
            value=format,
        )
    if not debits:
        raise DirectDebitError(_("There is no debit to collect: no file was made."))
    if format == "pain.008.001.02" and not creditor.bic:
        raise DirectDebitError(
            _("A pain.008.001.02 file needs the BIC of the creditor's account; give it."),
            field="bic",
        )
    check_text_id(message_id, field="message_id")
    seen: set[str] = set()
    for debit in debits:
        _check_debit(debit, seen)


def _check_debit(debit: Debit, seen: set[str]) -> None:
    e2e = check_text_id(debit.end_to_end_id, field="end_to_end_id")
    if e2e in seen:
        raise DirectDebitError(
            _("Two debits have the end-to-end identifier {value}; each needs its own.").format(
                value=e2e
            ),
            field="end_to_end_id",
            value=e2e,
            end_to_end_id=e2e,
        )
    seen.add(e2e)
    check_text_id(debit.mandate_reference, field="mandate_reference")
    if not isinstance(debit.amount_cents, int) or not 0 < debit.amount_cents <= MAX_CENTS:
        raise DirectDebitError(
            _("Debit {end_to_end_id}: the amount must be more than 0 (it is {value}).").format(
                end_to_end_id=e2e, value=debit.amount_cents
            ),
            field="amount_cents",
            value=debit.amount_cents,
            end_to_end_id=e2e,
        )
    if debit.sequence not in SEQUENCES:
        raise DirectDebitError(
            _("Debit {end_to_end_id}: {value} is not a sequence type ({allowed}).").format(
                end_to_end_id=e2e, value=repr(debit.sequence), allowed=", ".join(SEQUENCES)
            ),
            field="sequence",
            value=debit.sequence,
            end_to_end_id=e2e,
        )


def _finish(
    raw: bytes,
    format: str,
    *,
    message_id: str,
    created_at: datetime,
    amended: dict[str, Amendment],
) -> bytes:
    """The file with our identifiers, time and amendment details, checked against the
    schema."""
    from lxml import etree

    root = etree.fromstring(raw, _parser())
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{format}"}
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", ns)
    assert header is not None
    header.find("p:MsgId", ns).text = message_id
    header.find("p:CreDtTm", ns).text = created_at.isoformat(timespec="seconds")
    batches = root.findall("p:CstmrDrctDbtInitn/p:PmtInf/p:PmtInfId", ns)
    for number, node in enumerate(batches, 1):
        suffix = f"-{number}"
        node.text = message_id[: 35 - len(suffix)] + suffix
    if amended:
        for tx in root.iterfind(".//p:DrctDbtTxInf", ns):
            amendment = amended.get(tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns))
            if amendment is not None:
                _amendment_details(tx.find("p:DrctDbtTx/p:MndtRltdInf", ns), amendment, ns)
    schema = _schema(format)
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise DirectDebitError(
            _("The direct-debit file does not pass the {format} schema: {problem}.").format(
                format=format, problem=error.message if error else "?"
            ),
            field="format",
            value=format,
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _amendment_details(mandate: Any, amendment: Amendment, ns: dict[str, str]) -> None:
    """``AmdmntInd`` and ``AmdmntInfDtls`` after the mandate's signature date."""
    from lxml import etree

    def element(parent: Any, name: str, text: str | None = None) -> Any:
        node = etree.SubElement(parent, f"{{{ns['p']}}}{name}")
        node.text = text
        return node

    signed = mandate.find("p:DtOfSgntr", ns)
    indicator = etree.Element(f"{{{ns['p']}}}AmdmntInd")
    indicator.text = "true"
    signed.addnext(indicator)
    details = etree.Element(f"{{{ns['p']}}}AmdmntInfDtls")
    indicator.addnext(details)
    if amendment.mandate_reference:
        element(details, "OrgnlMndtId", amendment.mandate_reference)
    if amendment.other_bank:
        other = element(element(element(details, "OrgnlDbtrAgt"), "FinInstnId"), "Othr")
        element(other, "Id", "SMNDA")
    elif amendment.iban:
        element(element(element(details, "OrgnlDbtrAcct"), "Id"), "IBAN", amendment.iban)


def _parser() -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@functools.lru_cache(maxsize=len(FORMATS))
def _schema(format: str) -> etree.XMLSchema:
    """The XSD of ``format`` that sepaxml ships, read once per process."""
    from importlib.resources import files

    from lxml import etree

    path = files("sepaxml") / "schemas" / f"{format}.xsd"
    return etree.XMLSchema(etree.parse(str(path), _parser()))
