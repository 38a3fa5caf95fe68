"""The domiciliation contract and the attestation de domiciliation."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from pathlib import Path

from . import _format, signature
from .data import SETUP_FEE_LABEL, AttestationData, ClientData, ContractData, ProviderData

__all__ = ["add_months", "render_attestation", "render_contract"]


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _term_end(start: date, months: int) -> date:
    """Last day covered by a first term of ``months`` starting on ``start``."""
    return add_months(start, months) - timedelta(days=1)


def render_contract(data: ContractData, *, template_dir: Path | None = None) -> bytes:
    """The contract as a PDF; ``template_dir`` may hold a ``contract.html.j2`` of one's own."""
    from . import _templates

    body = _templates.render(
        "contract.html.j2",
        {
            "contract": data,
            "provider": data.provider,
            "client": data.client,
            "first_term_end": _term_end(data.start_date, data.term_months),
            "services": [label for _, label in data.services],
            "mail_opening": data.mail_opening,
            "forwarding": "reexpedition" in data.service_codes,
            "vat_applied": data.vat.rate_bp > 0,
            "setup_fee_label": SETUP_FEE_LABEL,
        },
        template_dir,
    )
    from . import _pdf

    issued = _format.date_fr(data.issued_at)
    pdf = _pdf.Document(
        title=f"Contrat de domiciliation {data.reference} – {data.client.name}",
        author=data.provider.name,
        issued_at=data.issued_at,
        footer_left=f"Contrat de domiciliation n° {data.reference} – {data.client.name}",
        footer_legal=_pdf.legal_footer(data.provider),
    )
    pdf.add_page()
    pdf.letterhead(data.provider, [(f"Contrat n° {data.reference}", True), (f"du {issued}", False)])
    pdf.title_block(
        "CONTRAT DE DOMICILIATION",
        "Articles L123-11-3 et R123-166-1 à R123-171 du Code de commerce",
    )
    pdf.html(body)
    pdf.ln(3)
    pdf.keep_together(62)
    pdf.text_line(f"Fait à {data.place}, le {issued}, en deux exemplaires originaux.", height=5)
    pdf.ln(3)
    pdf.signature_boxes([_provider_box(data.provider), _client_box(data.client)])
    return bytes(pdf.output())


def render_attestation(data: AttestationData, *, template_dir: Path | None = None) -> bytes:
    """The attestation de domiciliation as a PDF (one page)."""
    from . import _templates

    body = _templates.render(
        "attestation.html.j2",
        {
            "attestation": data,
            "provider": data.provider,
            "client": data.client,
            "first_term_end": _term_end(data.start_date, data.term_months),
            "signed_on": _signed_on(data),
        },
        template_dir,
    )
    from . import _pdf

    issued = _format.date_fr(data.issued_at)
    pdf = _pdf.Document(
        title=f"Attestation de domiciliation – {data.client.name}",
        author=data.provider.name,
        issued_at=data.issued_at,
        footer_left=f"Attestation de domiciliation – contrat n° {data.reference}",
        footer_legal=_pdf.legal_footer(data.provider),
    )
    pdf.add_page()
    pdf.letterhead(data.provider, [("Attestation de domiciliation", True), (f"du {issued}", False)])
    pdf.ln(2)
    pdf.title_block("ATTESTATION DE DOMICILIATION")
    pdf.html(body)
    pdf.ln(3)
    pdf.text_line(f"Fait à {data.place}, le {issued}.", height=5)
    pdf.ln(2)
    signed = data.provider_signature
    sign_line = (
        f"Domiciliation signée électroniquement le {signature.signed_moment(signed)}"
        if signed is not None
        else "Signature :"
    )
    pdf.signature_boxes([[], _provider_box(data.provider, sign_line)], height=36)
    if data.signatures and data.contract_sha256:
        signature.draw_signatures(
            pdf,
            f"Signature électronique du contrat de domiciliation n° {data.reference}",
            data.signatures,
            data.contract_sha256,
        )
    return bytes(pdf.output())


def _signed_on(data: AttestationData) -> date | None:
    """The day the contract was signed by both parties (the last signature), if it was."""
    from ._pdf import utc

    if not data.signatures:
        return None
    last = max(data.signatures, key=lambda record: utc(record.signed_at))
    return last.signed_at.date()


def _provider_box(provider: ProviderData, sign_line: str = "Signature :") -> list[tuple[str, bool]]:
    lines = [("Pour le Domiciliataire", True), (provider.name, False)]
    if provider.representative:
        quality = provider.representative_quality
        lines.append(
            (f"{provider.representative}, {quality}" if quality else provider.representative, False)
        )
    return [*lines, ("", False), (sign_line, False)]


def _client_box(client: ClientData) -> list[tuple[str, bool]]:
    if client.en_formation:
        lines = [
            ("Pour le Domicilié", True),
            (f"pour le compte de la société {client.name} en formation", False),
            (f"{client.founder}, fondateur", False),
        ]
    elif client.kind == "company":
        lines = [("Pour le Domicilié", True), (client.name, False)]
        if client.representative:
            lines.append((client.representative, False))
    else:
        lines = [("Le Domicilié", True), (client.representative or client.name, False)]
    return [*lines, ("", False), ("Signature :", False)]
