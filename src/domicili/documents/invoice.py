"""Invoices and credit notes: a PDF/A-3 that people read, with its Factur-X XML inside."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import _format
from .cii import VAT_ON_DEBITS, check_invoice_xml, invoice_xml
from .data import ClientData, InvoiceData

if TYPE_CHECKING:
    from ._pdf import Document

__all__ = ["render_invoice"]


def render_invoice(data: InvoiceData, *, template_dir: Path | None = None) -> bytes:
    """The invoice as a Factur-X PDF/A-3 (EN 16931): the PDF a person reads, the XML inside.

    ``template_dir`` may hold an ``invoice_notes.txt.j2`` of one's own (payment terms
    and legal mentions). The XML is checked against the XSD before it is embedded.
    """
    xml = invoice_xml(data)
    check_invoice_xml(xml)
    from . import _templates

    notes = _templates.render(
        "invoice_notes.txt.j2",
        {"invoice": data, "seller": data.seller, "buyer": data.buyer},
        template_dir,
    )
    from . import _facturx

    return _facturx.embed(draw_invoice(data, notes), xml, data)


def title_of(data: InvoiceData) -> str:
    return ("Avoir" if data.kind == "credit_note" else "Facture") + f" n° {data.number}"


def draw_invoice(data: InvoiceData, notes: str) -> bytes:
    """The visible invoice (PDF/A-3 ready), without its XML."""
    from . import _pdf

    title = title_of(data)
    pdf = _pdf.Document(
        title=f"{title} – {data.seller.name}",
        author=data.seller.name,
        issued_at=data.issued_at,
        footer_left=f"{title} du {_format.date_fr(data.issue_date)} – {data.buyer.name}",
        footer_legal=_pdf.legal_footer(data.shown_seller),
        pdfa=True,
    )
    pdf.add_page()
    head = [
        ("AVOIR" if data.kind == "credit_note" else "FACTURE", True),
        (f"N° {data.number}", True),
        (f"Date : {_format.date_fr(data.issue_date)}", False),
    ]
    if data.due_date is not None:
        head.append((f"Échéance : {_format.date_fr(data.due_date)}", False))
    else:
        of = (
            f" du {_format.date_fr(data.credited_invoice_date)}"
            if data.credited_invoice_date
            else ""
        )
        head.append((f"Facture d’origine : {data.credited_invoice_number}{of}", False))
    pdf.letterhead(data.shown_seller, head)
    # An avoir bills nothing: its buyer is « Client », not « Facturé à ».
    _buyer_block(pdf, data.shown_buyer, "CLIENT" if data.kind == "credit_note" else "FACTURÉ À")
    if data.kind == "credit_note":
        scope = "annulant" if data.credit_cancels_invoice else "corrigeant"
        pdf.text_line(
            f"Avoir n° {data.number} {scope} la facture n° {data.credited_invoice_number}",
            bold=True,
            height=5,
        )
        if data.credit_reason:
            pdf.text_line(f"Motif : {data.credit_reason}", height=4.5)
        pdf.ln(3)
    _lines_table(pdf, data)
    _totals(pdf, data)
    _notes(pdf, notes)
    return bytes(pdf.output())


def _buyer_block(pdf: Document, buyer: ClientData, heading: str) -> None:
    from ._pdf import ACCENT, MUTED, RULE, SHADE

    left = pdf.l_margin + pdf.epw * 0.5
    width = pdf.epw * 0.5
    lines = []
    if buyer.legal_form:
        lines.append(buyer.legal_form + (" en formation" if buyer.en_formation else ""))
    if buyer.kind == "individual" and buyer.representative and buyer.representative != buyer.name:
        lines.append(buyer.representative)
    lines.extend(line.strip() for line in buyer.address.splitlines() if line.strip())
    lines.append(f"{buyer.postcode} {buyer.city}")
    if buyer.siren:
        lines.append(f"SIREN {_format.siren(buyer.siren)}")
    if buyer.vat_number:
        lines.append(f"TVA {buyer.vat_number}")
    inner = width - 8
    height = (
        7
        + pdf.text_height(buyer.name, width=inner, size=10.5, height=5.5, bold=True)
        + sum(pdf.text_height(line, width=inner, size=8.5, height=4.2) for line in lines)
        + 3
    )
    top = pdf.get_y() + 1
    pdf.set_fill_color(*SHADE)
    pdf.set_draw_color(*RULE)
    pdf.rect(left, top, width, height, style="DF")
    pdf.set_xy(left + 4, top + 3)
    pdf.text_line(heading, size=7.5, bold=True, color=MUTED, height=4, width=inner)
    pdf.set_x(left + 4)
    pdf.text_line(buyer.name, size=10.5, bold=True, color=ACCENT, height=5.5, width=inner)
    for line in lines:
        pdf.set_x(left + 4)
        pdf.text_line(line, size=8.5, height=4.2, width=inner)
    pdf.set_xy(pdf.l_margin, top + height + 6)


def _lines_table(pdf: Document, data: InvoiceData) -> None:
    from fpdf.fonts import FontFace

    from ._pdf import ACCENT, FONT, RULE, SHADE

    pdf.set_font(FONT, "", 8.5)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT, size_pt=8)
    with pdf.table(
        col_widths=(88, 14, 24, 16, 28),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=heading,
        cell_fill_color=SHADE,
        cell_fill_mode="ROWS",
        line_height=4.4,
        padding=(1.6, 2),
        v_align="TOP",
    ) as table:
        row = table.row()
        for label in ("Désignation", "Qté", "P.U. HT", "TVA", "Montant HT"):
            row.cell(label)
        for line in data.lines:
            text = line.description
            if line.period_start and line.period_end:
                text += (
                    f"\nPériode du {_format.date_fr(line.period_start)}"
                    f" au {_format.date_fr(line.period_end)}"
                )
            row = table.row()
            row.cell(text)
            row.cell(str(line.quantity))
            row.cell(_format.eur(line.unit_price_ht_cents))
            rate = _format.percent(line.vat_rate_bp) if data.vat_applied else "–"
            row.cell(rate)
            row.cell(_format.eur(line.amount_ht_cents))
    pdf.ln(4)


def _totals(pdf: Document, data: InvoiceData) -> None:
    from ._pdf import ACCENT, FONT, RULE, TEXT

    rows: list[tuple[str, str]] = [("Total HT", _format.eur(data.total_ht_cents))]
    for group in data.vat_groups:
        if not data.vat_applied:
            rows.append(("TVA", "non applicable"))
        else:
            rows.append(
                (
                    f"TVA {_format.percent(group.rate_bp)} sur {_format.eur(group.basis_cents)}",
                    _format.eur(group.vat_cents),
                )
            )
    ttc = " TTC" if data.vat_applied else ""
    if data.vat_applied:
        rows.append(("Total TVA", _format.eur(data.total_vat_cents)))
    if data.paid_cents:  # acquittée: BT-113 paid, BT-115 nothing left, as in the XML
        rows.append((f"Total{ttc}", _format.eur(data.total_ttc_cents)))
        rows.append(("Déjà réglé", _format.eur(data.paid_cents)))
    label_w, value_w = 58.0, 30.0
    x = pdf.w - pdf.r_margin - label_w - value_w
    pdf.keep_together(6.5 * (len(rows) + 1) + 16)
    pdf.set_draw_color(*RULE)
    for label, value in rows:
        pdf.set_x(x)
        pdf.set_font(FONT, "", 8.5)
        pdf.cell(label_w, 6, label, border="B")
        pdf.cell(value_w, 6, value, border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(x)
    pdf.set_fill_color(*ACCENT)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, "B", 9.5)
    total_label = ("Montant de l’avoir" if data.kind == "credit_note" else "Net à payer") + ttc
    pdf.cell(label_w, 8, f"  {total_label}", fill=True)
    pdf.cell(
        value_w,
        8,
        f"{_format.eur(data.due_payable_cents)}  ",
        fill=True,
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(*TEXT)
    mentions = [data.vat.exemption_mention] if data.vat.exemption_mention else []
    if data.seller.vat_on_debits and data.vat_applied:
        mentions.append(VAT_ON_DEBITS)
    for mention in mentions:
        pdf.ln(2)
        pdf.text_line(mention, size=8.5, bold=True, height=4.5, align="R")
    pdf.ln(6)


def _notes(pdf: Document, notes: str) -> None:
    from ._pdf import ACCENT

    blocks = [block.strip() for block in notes.strip().split("\n\n") if block.strip()]
    # Kept on one page: a line of 8 pt text holds about 110 characters across the page.
    lines = [line for block in blocks for line in block.splitlines()]
    pdf.keep_together(sum(3.9 * (len(line) // 110 + 1) + 0.4 for line in lines) + 6)
    for block in blocks:
        for line in block.splitlines():
            if line.startswith("## "):
                pdf.text_line(line[3:], size=9, bold=True, color=ACCENT, height=5)
            else:
                pdf.text_line(line, size=8, height=3.9)
        pdf.ln(1.5)
