"""The files a bank sends back about direct debits: rejects (pain.002) and returns (camt.054).

A pain.002 *customer payment status report* lists the debits refused before settlement
(``TxSts`` RJCT, with a reason code); a camt.054 *debit notification* books, on the
creditor's account, the debits returned or refunded after settlement (``RtrInf``). Each
line is known by the end-to-end identifier the pain.008 gave it. The file is read without
entities, DTD or network; elements are matched by local name, so every version of the two
messages reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ..errors import ReturnsFileError
from ..i18n import _

__all__ = ["Return", "ReturnsFile", "read_returns"]

_ISO = "urn:iso:std:iso:20022:tech:xsd:"
_EXPECTED = "pain.002 (001.03 to 001.10) or camt.054 (001.02 to 001.08)"


@dataclass(frozen=True)
class Return:
    """One debit the bank did not collect (``reject``) or took back (``return``)."""

    end_to_end_id: str
    #: The ISO reason code (AM04, MD06…), see :data:`domicili.sepa.REASONS`.
    reason: str
    amount_cents: int | None
    kind: Literal["reject", "return"]
    #: The day of the report (rejects) or of the booking (returns), when the file says.
    on: date | None


@dataclass(frozen=True)
class ReturnsFile:
    message_id: str
    kind: Literal["pain.002", "camt.054"]
    returns: tuple[Return, ...]


def read_returns(data: bytes) -> ReturnsFile:
    """The rejects or returns a bank's file lists.

    Raises :class:`~domicili.errors.ReturnsFileError` (one sentence) when ``data`` is not
    XML, is another message than pain.002 or camt.054, or names no rejected or returned
    debit.
    """
    root = _parse(data)
    namespace = _namespace(root)
    message = namespace.removeprefix(_ISO)
    if namespace.startswith(_ISO + "pain.002."):
        kind: Literal["pain.002", "camt.054"] = "pain.002"
        returns = tuple(_rejects(root))
    elif namespace.startswith(_ISO + "camt.054."):
        kind = "camt.054"
        returns = tuple(_returned(root))
    else:
        shown = message if namespace.startswith(_ISO) else (namespace or _local(root.tag))
        raise ReturnsFileError(
            _(
                "This file is not a bank's report of rejected or returned direct debits "
                "(it holds {found}); expected {expected}."
            ).format(found=shown, expected=_EXPECTED)
        )
    body = next((child for child in root if isinstance(child.tag, str)), None)
    message_id = _text(_first(body, "GrpHdr", "MsgId")) or ""
    if not returns and kind == "pain.002":
        _refused_whole(body, message_id)
    if not returns:
        raise ReturnsFileError(
            _(
                "The {kind} file {message_id} names no rejected or returned direct debit; "
                "nothing to apply."
            ).format(kind=kind, message_id=message_id or "?"),
            kind=kind,
            message_id=message_id,
        )
    return ReturnsFile(message_id=message_id, kind=kind, returns=returns)


def _refused_whole(report: Any, message_id: str) -> None:
    """A report that rejects a whole file or batch without listing its debits: say so."""
    group = _first(report, "OrgnlGrpInfAndSts")
    refused = [(group, "GrpSts")] + [(b, "PmtInfSts") for b in _all(report, "OrgnlPmtInfAndSts")]
    for holder, status in refused:
        if holder is not None and _text(_first(holder, status)) == "RJCT":
            original = _text(_first(group, "OrgnlMsgId")) or "?"
            raise ReturnsFileError(
                _(
                    "The pain.002 file {message_id} rejects the whole file {original} "
                    "(reason {reason}) without naming its debits: none was collected; "
                    "correct the file and send it again."
                ).format(
                    message_id=message_id or "?",
                    original=original,
                    reason=_reason(_first(holder, "StsRsnInf")) or "?",
                ),
                kind="pain.002",
                message_id=message_id,
            )


def _parse(data: bytes) -> Any:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(bytes(data), parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or not isinstance(root.tag, str):
        raise ReturnsFileError(
            _("This file is not XML; expected a bank's {expected} file.").format(expected=_EXPECTED)
        )
    return root


def _namespace(root: Any) -> str:
    tag = str(root.tag)
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def _children(node: Any, name: str) -> Iterator[Any]:
    return (child for child in node if isinstance(child.tag, str) and _local(child.tag) == name)


def _first(node: Any, *path: str) -> Any:
    """The first element at ``path`` (local names) under ``node``, or ``None``."""
    for name in path:
        if node is None:
            return None
        node = next(_children(node, name), None)
    return node


def _all(node: Any, *path: str) -> Iterator[Any]:
    if not path:
        yield node
        return
    for child in _children(node, path[0]):
        yield from _all(child, *path[1:])


def _text(node: Any) -> str | None:
    if node is None or node.text is None:
        return None
    return str(node.text).strip() or None


def _cents(node: Any) -> int | None:
    text = _text(node)
    if text is None:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    cents = amount * 100
    return int(cents) if cents == cents.to_integral_value() else None


def _day(node: Any) -> date | None:
    """An ISO date, or the date of an ISO date-time."""
    text = _text(node)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _reason(*holders: Any) -> str | None:
    """The reason code of the first holder (``StsRsnInf`` or ``RtrInf``) that has one."""
    for holder in holders:
        code = _text(_first(holder, "Rsn", "Cd")) or _text(_first(holder, "Rsn", "Prtry"))
        if code:
            return code
    return None


def _rejects(root: Any) -> Iterator[Return]:
    report = _first(root, "CstmrPmtStsRpt")
    if report is None:
        return
    on = _day(_first(report, "GrpHdr", "CreDtTm"))
    group = _first(report, "OrgnlGrpInfAndSts")
    group_status = _text(_first(group, "GrpSts"))
    group_reason = _first(group, "StsRsnInf")
    for batch in _all(report, "OrgnlPmtInfAndSts"):
        batch_status = _text(_first(batch, "PmtInfSts")) or group_status
        batch_reason = _first(batch, "StsRsnInf")
        for tx in _children(batch, "TxInfAndSts"):
            status = _text(_first(tx, "TxSts")) or batch_status
            e2e = _text(_first(tx, "OrgnlEndToEndId"))
            if status != "RJCT" or e2e is None:
                continue
            yield Return(
                end_to_end_id=e2e,
                reason=_reason(_first(tx, "StsRsnInf"), batch_reason, group_reason) or "NARR",
                amount_cents=_cents(_first(tx, "OrgnlTxRef", "Amt", "InstdAmt")),
                kind="reject",
                on=on,
            )


def _returned(root: Any) -> Iterator[Return]:
    notification = _first(root, "BkToCstmrDbtCdtNtfctn")
    if notification is None:
        return
    for entry in _all(notification, "Ntfctn", "Ntry"):
        on = _day(_first(entry, "BookgDt", "Dt")) or _day(_first(entry, "BookgDt", "DtTm"))
        on = on or _day(_first(entry, "ValDt", "Dt"))
        details = list(_all(entry, "NtryDtls", "TxDtls"))
        for tx in details:
            info = _first(tx, "RtrInf")
            e2e = _text(_first(tx, "Refs", "EndToEndId"))
            if info is None or e2e is None:
                continue
            amount = _cents(_first(tx, "Amt"))
            if amount is None:
                amount = _cents(_first(tx, "AmtDtls", "TxAmt", "Amt"))
            if amount is None:
                amount = _cents(_first(tx, "AmtDtls", "InstdAmt", "Amt"))
            if amount is None and len(details) == 1:
                amount = _cents(_first(entry, "Amt"))
            yield Return(
                end_to_end_id=e2e,
                reason=_reason(info) or "NARR",
                amount_cents=amount,
                kind="return",
                on=on,
            )
