"""Contracts, attestations and invoices (Factur-X) rendered from plain data.

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
from .invoice import render_invoice
from .signature import append_signature_page

__all__ = [
    "AttestationData",
    "CardCharge",
    "ClientData",
    "ContractData",
    "DirectDebit",
    "InvoiceData",
    "InvoiceLine",
    "PartyData",
    "ProviderData",
    "SignatureRecord",
    "VatGroup",
    "append_signature_page",
    "check_invoice_xml",
    "invoice_xml",
    "render_attestation",
    "render_contract",
    "render_invoice",
]
