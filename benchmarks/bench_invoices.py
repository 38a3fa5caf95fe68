"""Invoices per second through ``render_invoice`` against bare fpdf2; prints the ratio.

    python benchmarks/bench_invoices.py [--quick]

``render_invoice`` builds the EN 16931 XML, checks it against the XSD, draws the
page (PDF/A-3) and embeds the XML with factur-x. The floor is bare fpdf2 drawing
the same page — same fonts, same text, already formatted — and nothing else.
Both run in the same process, alternately, so the machine's mood hits both.
Target: ratio >= 0.7.

Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from domicili.documents import ClientData, InvoiceData, InvoiceLine, ProviderData, render_invoice
from domicili.documents import _format as fmt
from domicili.money import vat_rule_for_departement

FONTS = Path(__file__).resolve().parent.parent / "src" / "domicili" / "documents" / "fonts"


def sample() -> InvoiceData:
    rule = vat_rule_for_departement("75")
    return InvoiceData(
        number="F-2025-0007",
        issue_date=date(2025, 3, 3),
        due_date=date(2025, 3, 17),
        seller=ProviderData(
            name="Bureaux Réunis Opéra",
            legal_form="SAS",
            capital_cents=1_000_000,
            siren="123456782",
            rcs_city="Paris",
            vat_number="FR11123456782",
            address="12 rue de la Chaussée-d'Antin",
            postcode="75009",
            city="Paris",
            representative="Hélène Lefèvre",
            agrement_numero="2020-DOM-0042",
            agrement_prefecture="préfecture de police de Paris",
            agrement_date=date(2020, 6, 15),
            agrement_expires=date(2026, 6, 15),
            iban="FR7630006000011234567890189",
            bic="AGRIFRPPXXX",
        ),
        buyer=ClientData(
            name="Cœur de Lyon Conseil",
            legal_form="SARL",
            siren="890123458",
            vat_number="FR59890123458",
            address="4 place Bellecour",
            postcode="69002",
            city="Lyon",
            kind="company",
        ),
        lines=(
            InvoiceLine(
                description="Domiciliation du siège social",
                period_start=date(2025, 3, 1),
                period_end=date(2025, 3, 31),
                unit_price_ht_cents=3_900,
                vat_rate_bp=rule.rate_bp,
            ),
            InvoiceLine(
                description="Réexpédition du courrier (frais d’affranchissement)",
                quantity=3,
                unit_price_ht_cents=217,
                vat_rate_bp=rule.rate_bp,
            ),
        ),
        vat=rule,
        issued_at=datetime(2025, 3, 3, 9, 30, tzinfo=UTC),
    )


def page_texts(data: InvoiceData) -> dict[str, list[str]]:
    """Every string the invoice shows, formatted once, outside the timed loop."""
    seller, buyer = data.seller, data.buyer
    return {
        "seller": [
            seller.name,
            "SAS au capital de 10 000 €",
            seller.address,
            f"{seller.postcode} {seller.city}",
            "RCS Paris 123 456 782 – TVA FR11123456782",
            "Agrément préfectoral n° 2020-DOM-0042 du 15 juin 2020 (préfecture de police de Paris)",
        ],
        "header": [
            "FACTURE",
            f"N° {data.number}",
            f"Date : {fmt.date_fr(data.issue_date)}",
            f"Échéance : {fmt.date_fr(data.due_date or data.issue_date)}",
        ],
        "buyer": [
            "FACTURÉ À",
            buyer.name,
            "SARL",
            buyer.address,
            f"{buyer.postcode} {buyer.city}",
            "SIREN 890 123 458",
            "TVA FR59890123458",
        ],
        "rows": [
            "Désignation|Qté|P.U. HT|TVA|Montant HT",
            "Domiciliation du siège social\nPériode du 1er mars 2025 au 31 mars 2025"
            f"|1|{fmt.eur(3900)}|20 %|{fmt.eur(3900)}",
            f"Réexpédition du courrier (frais d’affranchissement)|3|{fmt.eur(217)}|20 %"
            f"|{fmt.eur(651)}",
        ],
        "totals": [
            f"Total HT|{fmt.eur(data.total_ht_cents)}",
            f"TVA 20 % sur {fmt.eur(4551)}|{fmt.eur(910)}",
            f"Total TVA|{fmt.eur(data.total_vat_cents)}",
            f"Net à payer TTC|{fmt.eur(data.total_ttc_cents)}",
        ],
        "notes": [
            "Conditions de règlement",
            "À régler au plus tard le 17 mars 2025, par virement bancaire, en rappelant la "
            "référence F-2025-0007.",
            "IBAN : FR76 3000 6000 0112 3456 7890 189 – BIC : AGRIFRPPXXX",
            "Escompte : aucun escompte n’est accordé en cas de paiement anticipé.",
            "Pénalités de retard : trois fois le taux d’intérêt légal, exigibles dès le "
            "lendemain de la date d’échéance, ainsi qu’une indemnité forfaitaire pour frais de "
            "recouvrement de 40 € (articles L441-10 et D441-5 du Code de commerce).",
            "Catégorie de l’opération : prestation de services.",
        ],
        "footer": [
            "Facture n° F-2025-0007 du 3 mars 2025 – Cœur de Lyon Conseil",
            "Bureaux Réunis Opéra – SAS au capital de 10 000 € – 12 rue de la Chaussée-d’Antin, "
            "75009 Paris – RCS Paris 123 456 782 – agrément n° 2020-DOM-0042",
        ],
    }


def bare_fpdf2(texts: dict[str, list[str]], issued_at: datetime) -> bytes:
    """The same page with fpdf2 alone: no data model, no XML, no PDF/A, no Factur-X."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(issued_at)
    pdf.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(100, 6, texts["seller"][0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    for line in texts["seller"][1:]:
        pdf.multi_cell(100, 3.8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(120, 18)
    for line in texts["header"]:
        pdf.set_x(120)
        pdf.multi_cell(70, 5, line, align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(105, 60)
    pdf.rect(105, 60, 85, 40)
    for line in texts["buyer"]:
        pdf.set_x(109)
        pdf.multi_cell(77, 4.2, line, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(20, 106)
    with pdf.table(col_widths=(88, 14, 24, 16, 28), line_height=4.4) as table:
        for row_text in texts["rows"]:
            row = table.row()
            for cell in row_text.split("|"):
                row.cell(cell)
    pdf.ln(4)
    for line in texts["totals"]:
        label, value = line.split("|")
        pdf.set_x(102)
        pdf.cell(58, 6, label, border="B")
        pdf.cell(30, 6, value, border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for line in texts["notes"]:
        pdf.multi_cell(0, 3.9, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-16)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.cell(0, 4, texts["footer"][0], new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 3, texts["footer"][1], align="C")
    return bytes(pdf.output())


def rate(fn: Callable[[], bytes], seconds: float) -> float:
    """Documents per second over about ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        count += 1
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter rounds")
    args = parser.parse_args()
    seconds, rounds = (0.5, 3) if args.quick else (2.0, 5)

    data = sample()
    texts = page_texts(data)

    def ours() -> bytes:
        return render_invoice(data)

    def floor() -> bytes:
        return bare_fpdf2(texts, data.issued_at)

    ours(), floor()  # warm up: imports, XSD parse, font caches
    ours_rates, floor_rates = [], []
    for _ in range(rounds):
        ours_rates.append(rate(ours, seconds))
        floor_rates.append(rate(floor, seconds))
    mine, bare = statistics.median(ours_rates), statistics.median(floor_rates)
    print(f"render_invoice (PDF/A-3 + Factur-X EN 16931): {mine:7.1f} invoices/s")
    print(f"bare fpdf2, same page:                        {bare:7.1f} pages/s")
    verdict = "ok" if mine / bare >= 0.7 else "below target"
    print(f"ratio {mine / bare:.2f} (target >= 0.7: {verdict})")


if __name__ == "__main__":
    main()
