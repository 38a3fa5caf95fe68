"""Handing issued invoices and credit notes to an e-invoicing platform (Plateforme Agréée).

From September 2026 French businesses receive their invoices through a Plateforme Agréée,
and from September 2027 the small ones issue theirs through one too. domicili does not
speak any platform's protocol: an adapter of the ``domicili.einvoicing`` entry-point group
hands each issued document to whatever connects to the platform. The built-in
``drop-folder`` adapter writes the Factur-X PDF and its XML into a folder the connector
watches (``[einvoicing] adapter = "drop-folder"``, ``folder = "…"``).

A document is handed off once its issuing transaction has committed, never from inside
it: an invoice that was rolled back is never handed, and one that was issued is handed
by the call that issued it. Adapters are idempotent by the provider and the number: the
same document handed twice is written once (``domicili invoice hand-off NUMBER`` hands
one again, after the connector lost it or the folder was unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from .errors import AdapterError
from .i18n import _

if TYPE_CHECKING:
    from .config import EInvoicingSettings
    from .models import Invoice
    from .service.context import Context

__all__ = [
    "EInvoicing",
    "EInvoicingFactory",
    "IssuedDocument",
    "PendingHandOff",
    "hand_off",
    "hand_off_after_commit",
    "hand_off_committed",
    "hand_off_invoice",
]


@dataclass(frozen=True)
class IssuedDocument:
    """One issued invoice or credit note, as a platform receives it."""

    provider_id: int
    #: The seller's SIREN: a platform's connector routes by it.
    provider_siren: str
    number: str
    kind: Literal["invoice", "credit_note"]
    issue_date: date
    #: The Factur-X PDF/A-3 exactly as issued (the XML embedded in it).
    pdf: bytes
    #: The CII XML (Factur-X EN 16931) the PDF embeds, byte for byte.
    xml: bytes


@runtime_checkable
class EInvoicing(Protocol):
    """Hands issued documents to an e-invoicing platform's connector.

    :meth:`hand_off` is idempotent by ``(provider_id, number)``: handing the same document
    again changes nothing. Raise :class:`~domicili.errors.AdapterError` (with a
    ``reason``) when the document could not be handed and may be handed again later;
    nothing half-written may be left where the connector reads.
    """

    def hand_off(self, document: IssuedDocument) -> None: ...


@runtime_checkable
class EInvoicingFactory(Protocol):
    """What the ``domicili.einvoicing`` group holds: usually the adapter class itself."""

    def from_config(self, settings: EInvoicingSettings) -> EInvoicing:
        """The adapter for the ``[einvoicing]`` settings."""
        ...


@dataclass(frozen=True)
class PendingHandOff:
    """An invoice issued in a transaction that may not have committed yet."""

    provider_id: int
    number: str


def hand_off_after_commit(ctx: Context, invoice: Invoice) -> None:
    """Note ``invoice`` (just issued) for :func:`hand_off_committed`, when an e-invoicing
    adapter is configured; nothing is handed from inside the issuing transaction."""
    if ctx.einvoicing is not None:
        ctx.einvoicing_pending.append(PendingHandOff(invoice.provider_id, invoice.number))


def hand_off_committed(ctx: Context) -> None:
    """Hand off the documents issued by transactions that have committed.

    Called once the use case returned. While a transaction is still open (a caller
    grouping several calls), nothing is handed yet. A document noted by a transaction
    that rolled back is not in the database: it is dropped. Raises
    :class:`~domicili.errors.AdapterError` naming the documents that could not be handed
    (they are issued all the same) and how to hand them again.
    """
    if ctx.einvoicing is None or not ctx.einvoicing_pending or ctx.store.in_transaction():
        return
    pending, ctx.einvoicing_pending[:] = list(ctx.einvoicing_pending), []
    failed: list[tuple[str, str]] = []
    for item in dict.fromkeys(pending):
        found = ctx.store.invoices(provider_id=item.provider_id, number=item.number)
        if not found:
            continue  # rolled back: never issued
        try:
            hand_off(ctx, found[0])
        except AdapterError as exc:
            failed.append((item.number, exc.reason or str(exc)))
    if failed:
        numbers = ", ".join(number for number, _reason in failed)
        raise AdapterError(
            _(
                "Issued, but not handed to the e-invoicing platform ({reason}): {numbers}. "
                "Hand each again with domicili invoice hand-off NUMBER."
            ).format(reason=failed[0][1], numbers=numbers),
            reason=failed[0][1],
        )


def hand_off_invoice(ctx: Context, number: str) -> Invoice:
    """Hand the issued invoice or credit note ``number`` to the adapter (again)."""
    from .service.invoices import find_invoice

    invoice = find_invoice(ctx, number)
    hand_off(ctx, invoice)
    return invoice


def hand_off(ctx: Context, invoice: Invoice) -> IssuedDocument:
    """Hand one issued invoice or credit note to the configured adapter."""
    if ctx.einvoicing is None:
        from .errors import ConfigError

        raise ConfigError(
            _(
                "No e-invoicing adapter is configured: set [einvoicing] adapter "
                "(DOMICILI_EINVOICING_ADAPTER), e.g. drop-folder with its folder."
            ),
            field="einvoicing.adapter",
        )
    document = issued_document(ctx, invoice)
    ctx.einvoicing.hand_off(document)
    return document


def issued_document(ctx: Context, invoice: Invoice) -> IssuedDocument:
    """The document as issued: the stored PDF, and the XML read out of it."""
    from facturx import get_xml_from_pdf

    pdf = ctx.files.read(invoice.pdf_sha256)
    _name, xml = get_xml_from_pdf(pdf, check_xsd=False)
    seller: dict[str, Any] = invoice.data.get("seller", {})
    return IssuedDocument(
        provider_id=invoice.provider_id,
        provider_siren=str(seller.get("siren") or "").replace(" ", ""),
        number=invoice.number,
        kind="credit_note" if invoice.kind == "credit_note" else "invoice",
        issue_date=invoice.issue_date,
        pdf=pdf,
        xml=bytes(xml),
    )
