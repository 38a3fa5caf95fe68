"""Contracts, attestations, invoices (Factur-X), mail labels and notices to the greffe
rendered from plain data.

A pure rendering layer: it takes the models of :mod:`domicili.documents.data` and
returns PDF bytes. fpdf2 and factur-x are imported only when a PDF is made.
"""

from __future__ import annotations

from .cii import check_invoice_xml, invoice_xml
from .contract import render_attestation, render_contract
from .data import (
    AttestationData,
    CardCharge,
    ClientData,
    ContractData,
    DirectDebit,
    InvoiceData,
    InvoiceLine,
    PartyData,
    ProviderData,
    SignatureRecord,
    VatGroup,
)
from .greffe import GreffeNoticeData, render_greffe_notice
from .invoice import render_invoice
from .labels import (
    AVERY_L7160,
    AVERY_L7162,
    MAIL_KINDS,
    LabelLayout,
    MailKind,
    MailLabel,
    piece_id_from_qr,
    piece_qr_payload,
    render_labels,
)
from .signature import append_signature_page

__all__ = [
    "AVERY_L7160",
    "AVERY_L7162",
    "MAIL_KINDS",
    "AttestationData",
    "CardCharge",
    "ClientData",
    "ContractData",
    "DirectDebit",
    "GreffeNoticeData",
    "InvoiceData",
    "InvoiceLine",
    "LabelLayout",
    "MailKind",
    "MailLabel",
    "PartyData",
    "ProviderData",
    "SignatureRecord",
    "VatGroup",
    "append_signature_page",
    "check_invoice_xml",
    "invoice_xml",
    "piece_id_from_qr",
    "piece_qr_payload",
    "render_attestation",
    "render_contract",
    "render_greffe_notice",
    "render_invoice",
    "render_labels",
]
