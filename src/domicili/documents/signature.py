"""The signature certificate appended to an electronically signed document."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import InvalidInput, SignatureRefused
from . import _format
from .data import SignatureRecord, is_sha256

if TYPE_CHECKING:
    from ._pdf import Document

__all__ = ["append_signature_page", "draw_signatures", "signed_moment"]

_PARTY = {"provider": "Domiciliataire", "client": "Domicilié"}


def signed_moment(record: SignatureRecord) -> str:
    """« 10 mars 2025 à 10 h 32 (UTC+01:00) »: when a signature was made."""
    return f"{_format.date_fr(record.signed_at)} à {_format.time_fr(record.signed_at)}"


def _grouped(digest: str) -> str:
    return " ".join(digest[i : i + 8] for i in range(0, 64, 8))


def append_signature_page(
    pdf: bytes, signatures: Sequence[SignatureRecord], document_sha256: str
) -> bytes:
    """``pdf`` followed by a page « Certificat de signature électronique ».

    The page lists every signer (party, name, date and time, method, code check)
    and the SHA-256 of the signed document, which must be the SHA-256 of ``pdf``:
    a document that changed since it was signed is refused.
    """
    digest = document_sha256.strip().lower()
    if not is_sha256(digest):
        raise InvalidInput(
            "document_sha256 must be 64 hexadecimal characters.", field="document_sha256"
        )
    if not signatures:
        raise InvalidInput(
            "A signature certificate lists at least one signature.", field="signatures"
        )
    if hashlib.sha256(pdf).hexdigest() != digest:
        raise SignatureRefused(
            "The document does not match the SHA-256 that was signed: it changed since "
            "signature, so no certificate is added."
        )
    from pypdf import PdfReader, PdfWriter

    original = PdfReader(io.BytesIO(pdf))
    title = str(original.metadata.title) if original.metadata and original.metadata.title else ""
    certificate = _certificate(signatures, digest, title, len(original.pages))
    writer = PdfWriter(clone_from=original)
    writer.append(PdfReader(io.BytesIO(certificate)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _certificate(
    signatures: Sequence[SignatureRecord], digest: str, title: str, pages: int
) -> bytes:
    from . import _pdf

    last = max(signatures, key=lambda record: _pdf.utc(record.signed_at))
    pdf = _pdf.Document(
        title=f"Certificat de signature électronique – {title}".rstrip(" –"),
        author="domicili",
        issued_at=last.signed_at,
        footer_left=f"Certificat de signature électronique – {title}".rstrip(" –"),
        footer_legal=f"Empreinte SHA-256 du document signé : {digest}",
        page_label="Certificat – page {n} / {nb}",
    )
    pdf.add_page()
    pdf.title_block(
        "CERTIFICAT DE SIGNATURE ÉLECTRONIQUE",
        "Articles 1366 et 1367 du Code civil – règlement (UE) n° 910/2014 (eIDAS)",
    )
    _document_box(pdf, title, pages, digest)
    for index, record in enumerate(signatures, start=1):
        _signer(pdf, index, record)
    pdf.ln(2)
    pdf.text_line(
        "Chaque signataire a pris connaissance du document identifié ci-dessus, puis l’a signé "
        "en saisissant le code à usage unique qui lui a été adressé. L’empreinte SHA-256 "
        "identifie le document signé (les pages qui précèdent ce certificat) : toute "
        "modification, même d’un seul caractère, en changerait la valeur. Le présent certificat "
        f"a été établi le {_format.date_fr(last.signed_at)} à partir du journal de signature "
        "conservé par le domiciliataire.",
        size=8.5,
        height=4.3,
        align="J",
    )
    return bytes(pdf.output())


def _document_box(pdf: Document, title: str, pages: int, digest: str) -> None:
    from ._pdf import MUTED, RULE, SHADE

    top = pdf.get_y()
    pdf.set_fill_color(*SHADE)
    pdf.set_draw_color(*RULE)
    pdf.rect(pdf.l_margin, top, pdf.epw, 25, style="DF")
    pdf.set_xy(pdf.l_margin + 4, top + 3)
    pdf.text_line("DOCUMENT SIGNÉ", size=7.5, bold=True, color=MUTED, height=4, width=pdf.epw - 8)
    pdf.set_x(pdf.l_margin + 4)
    pdf.text_line(
        f"{title or 'Document'} ({pages} page{'s' if pages > 1 else ''})",
        bold=True,
        height=5,
        width=pdf.epw - 8,
    )
    pdf.set_x(pdf.l_margin + 4)
    pdf.text_line("Empreinte SHA-256 :", size=8.5, height=4.5, width=pdf.epw - 8)
    pdf.set_x(pdf.l_margin + 4)
    pdf.text_line(_grouped(digest), size=8.5, bold=True, height=4.5, width=pdf.epw - 8)
    pdf.set_xy(pdf.l_margin, top + 25 + 6)


def _signer(pdf: Document, index: int, record: SignatureRecord) -> None:
    from fpdf.fonts import FontFace

    from ._pdf import ACCENT, FONT, RULE

    rows = [
        ("Partie", _PARTY[record.party]),
        ("Signataire", record.name),
    ]
    if record.on_behalf_of:
        rows.append(("Pour le compte de", record.on_behalf_of))
    if record.email:
        rows.append(("Adresse électronique", record.email))
    rows += [
        ("Signé le", signed_moment(record)),
        ("Méthode", record.method),
        ("Vérification du code", record.code_check),
    ]
    if record.ip_address:
        rows.append(("Adresse IP", record.ip_address))
    pdf.keep_together(7 + 6.5 * len(rows))
    pdf.text_line(
        f"Signature {index} – {_PARTY[record.party]}", size=10, bold=True, color=ACCENT, height=6
    )
    pdf.set_font(FONT, "", 8.5)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=(45, 125),
        text_align=("LEFT", "LEFT"),
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=False,
        line_height=4.4,
        padding=(1.3, 2),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    pdf.ln(5)


def draw_signatures(
    pdf: Document, title: str, signatures: Sequence[SignatureRecord], digest: str
) -> None:
    """The signatures of a signed document as a short table, with its SHA-256: what the
    signature certificate attests, printed on a document issued from it (the attestation)."""
    from fpdf.fonts import FontFace

    from ._pdf import ACCENT, FONT, MUTED, RULE

    pdf.keep_together(22 + 9 * len(signatures))
    pdf.text_line(title, size=9.5, bold=True, color=ACCENT, height=5.5)
    pdf.set_font(FONT, "", 8)
    pdf.set_draw_color(*RULE)
    heading = FontFace(emphasis="BOLD", size_pt=7.5)
    with pdf.table(
        col_widths=(28, 52, 45, 45),
        text_align="LEFT",
        borders_layout="HORIZONTAL_LINES",
        headings_style=heading,
        line_height=3.8,
        padding=(1, 1.5),
    ) as table:
        row = table.row()
        for label in ("Partie", "Signataire", "Signé le", "Vérification du code"):
            row.cell(label)
        for record in signatures:
            row = table.row()
            row.cell(_PARTY[record.party])
            signer = record.name
            if record.on_behalf_of:
                signer += f"\npour le compte de {record.on_behalf_of}"
            row.cell(signer)
            row.cell(f"{signed_moment(record)}\n{record.method}")
            row.cell(record.code_check)
    pdf.ln(1.5)
    pdf.text_line(
        f"Empreinte SHA-256 du contrat signé : {_grouped(digest)}",
        size=7.5,
        color=MUTED,
        height=3.8,
    )
