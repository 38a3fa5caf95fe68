"""The page every domicili document is drawn on (fpdf2).

This module imports fpdf2 at its top: it is itself imported only inside the
functions that make a PDF, so that ``import domicili.documents`` stays cheap.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, TextStyle

from ..french import typography_fr
from . import _format
from .data import ProviderData

FONT = "DejaVu"
FONTS = Path(__file__).parent / "fonts"
ACCENT = (29, 53, 87)
TEXT = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
SHADE = (241, 243, 246)

PAGE_MARGIN = 20.0
BOTTOM_MARGIN = 24.0


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken as UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@functools.cache
def _supported() -> frozenset[int]:
    """Code points the shipped fonts draw (regular and bold cover the same ones)."""
    from fontTools.ttLib import TTFont

    with TTFont(FONTS / "DejaVuSans.ttf", lazy=True) as font:
        return frozenset(font.getBestCmap())


_SUBSTITUTES = {"\u2212": "-", "\u2022": "•", "\t": " "}


@functools.lru_cache(maxsize=4096)
def _fallback(char: str) -> str:
    """What to draw for a character the fonts lack: its base letter, else « ? »."""
    if char in _SUBSTITUTES:
        return _SUBSTITUTES[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and all(ord(c) in _supported() for c in base):
        return base
    return "?"


class Document(FPDF):
    """An A4 page with the DejaVu fonts, a footer with « Page n / N », fixed dates."""

    def __init__(
        self,
        *,
        title: str,
        author: str,
        issued_at: datetime,
        footer_left: str,
        footer_legal: str,
        pdfa: bool = False,
        page_label: str = "Page {n} / {nb}",
    ) -> None:
        super().__init__(
            orientation="portrait",
            unit="mm",
            format="A4",
            enforce_compliance="PDFA_3B" if pdfa else None,
        )
        self.footer_left = footer_left
        self.footer_legal = footer_legal
        self.page_label = page_label
        created = utc(issued_at)
        self.set_creation_date(created)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("domicili")
        self.set_producer("domicili")
        self.set_lang("fr-FR")
        if pdfa:
            self.set_xmp_metadata(_xmp(title, author, created))
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(PAGE_MARGIN, 18, PAGE_MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM_MARGIN)
        self.alias_nb_pages()
        self.set_text_color(*TEXT)
        self.set_font(FONT, "", 9.5)

    # fpdf2 calls this for every piece of text: French typography (no-break spaces
    # before : ; ! ? and inside « », ’ for '), and what the fonts cannot draw as its
    # nearest plain letter rather than as an empty box.
    def normalize_text(self, text: str) -> str:
        text = typography_fr(text)
        if not text.isascii():
            supported = _supported()
            if any(ord(c) not in supported and c not in "\n\r" for c in text):
                text = "".join(
                    c if ord(c) in supported or c in "\n\r" else _fallback(c) for c in text
                )
        return super().normalize_text(text)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(self.epw * 0.75, 4, self.fit_text(self.footer_left, self.epw * 0.75 - 2))
        label = self.page_label.format(n=self.page_no(), nb="{nb}")
        self.cell(self.epw * 0.25, 4, label, align="R")
        self.ln(4)
        self.set_font(FONT, "", 6.5)
        self.multi_cell(0, 3, self.footer_legal, align="C")
        self.set_text_color(*TEXT)

    def fit_text(self, text: str, width: float) -> str:
        """``text`` shortened with « … » to fit ``width`` in the current font."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    # ----------------------------------------------------------------- blocks

    def text_line(
        self,
        text: str,
        *,
        size: float = 9.5,
        bold: bool = False,
        color: Sequence[int] = TEXT,
        height: float | None = None,
        align: str = "L",
        width: float = 0,
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        self.multi_cell(
            width,
            height or size * 0.45,
            text,
            align=align,
            new_x=XPos.LMARGIN if width == 0 else XPos.LEFT,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*TEXT)

    def text_height(
        self, text: str, *, width: float, size: float, height: float, bold: bool = False
    ) -> float:
        """Height ``text_line`` will take for ``text`` wrapped in ``width``."""
        self.set_font(FONT, "B" if bold else "", size)
        lines = self.multi_cell(width, height, text, dry_run=True, output="LINES")
        assert isinstance(lines, list)  # what output="LINES" returns
        return height * max(1, len(lines))

    def rule(self, *, color: Sequence[int] = RULE, width: float = 0.3, gap: float = 3) -> None:
        self.ln(gap / 2)
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(gap / 2)

    def letterhead(self, provider: ProviderData, right: Sequence[tuple[str, bool]] = ()) -> None:
        """Provider identity on the left, ``right`` lines (text, bold) on the right."""
        top = self.get_y()
        col = self.epw * 0.58
        self.text_line(provider.name, size=13, bold=True, color=ACCENT, height=6, width=col)
        for line in provider_lines(provider):
            self.text_line(line, size=8, color=MUTED, height=3.8, width=col)
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + col, top)
        for text, bold in right:
            self.set_x(self.l_margin + col)
            self.text_line(
                text,
                size=10 if bold else 8.5,
                bold=bold,
                height=5 if bold else 4.2,
                align="R",
                width=self.epw - col,
            )
        self.set_y(max(left_bottom, self.get_y()) + 2)
        self.set_x(self.l_margin)
        self.rule(color=ACCENT, width=0.6, gap=4)

    def title_block(self, title: str, subtitle: str | None = None) -> None:
        self.ln(2)
        self.text_line(title, size=15, bold=True, color=ACCENT, height=7, align="C")
        if subtitle:
            self.text_line(subtitle, size=8.5, color=MUTED, height=4.5, align="C")
        self.ln(4)

    def html(self, html: str) -> None:
        """Prose from a template; an article heading never stays alone at a page bottom."""
        html = _BLOCK_SPACE.sub(r"\1", html)
        html = _SPACED.sub(r'<\1 line-height="1.2"', html)
        html = _JUSTIFIED.sub('<p align="justify"', html)
        for chunk in re.split(r"(?=<h2[ >])", html):
            if not chunk.strip():
                continue
            if chunk.startswith("<h2") and self.get_y() > self.page_break_trigger - 30:
                self.add_page()
            self.set_font(FONT, "", 9.5)
            self.set_text_color(*TEXT)
            self.write_html(
                chunk,
                font_family=FONT,
                tag_styles=_TAG_STYLES,
                li_prefix_color=ACCENT,
                ul_bullet_char="–",
            )
        self.set_font(FONT, "", 9.5)
        self.set_text_color(*TEXT)

    def keep_together(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def signature_boxes(
        self, boxes: Sequence[Sequence[tuple[str, bool]]], *, height: float = 46.0
    ) -> None:
        """Side by side boxes, one per signing party, with room to sign."""
        self.keep_together(height + 4)
        gap = 8.0
        width = (self.epw - gap * (len(boxes) - 1)) / len(boxes)
        top = self.get_y()
        for index, lines in enumerate(boxes):
            if not lines:  # an empty slot keeps a lone box on the right
                continue
            x = self.l_margin + index * (width + gap)
            self.set_draw_color(*RULE)
            self.set_line_width(0.3)
            self.rect(x, top, width, height)
            self.set_xy(x + 3, top + 3)
            for text, bold in lines:
                self.set_x(x + 3)
                self.text_line(text, size=8.5, bold=bold, height=4.2, width=width - 6)
        self.set_xy(self.l_margin, top + height + 4)


# Whitespace around block tags would become empty lines in fpdf2's HTML renderer.
_BLOCK_SPACE = re.compile(r"\s*(</?(?:p|ul|ol|li|h[1-6]|br)\b[^>]*>)\s*")
# Paragraphs and lists get a reading line height unless the template sets one.
_SPACED = re.compile(r"<(p|ul|ol)(?=[\s>])(?![^>]*line-height)")

# Prose is justified unless the template aligns a paragraph itself.
_JUSTIFIED = re.compile(r"<p(?=[\s>])(?![^>]*align)")

# fpdf2 turns a zero top margin into one blank line: 0.01 mm means "none".
_TAG_STYLES: dict[str, TextStyle | FontFace] = {
    "h2": TextStyle(
        font_family=FONT, font_style="B", font_size_pt=10, color=ACCENT, t_margin=3.5, b_margin=0.5
    ),
    "h3": TextStyle(font_family=FONT, font_style="B", font_size_pt=9.5, t_margin=3, b_margin=1),
    "p": TextStyle(font_family=FONT, font_size_pt=9.5, t_margin=1.0, b_margin=1.0),
    "li": TextStyle(font_family=FONT, font_size_pt=9.5, l_margin=5, t_margin=0.4),
    "ul": TextStyle(t_margin=0.01, b_margin=0.01),
    "b": FontFace(emphasis="BOLD"),
    "strong": FontFace(emphasis="BOLD"),
}


def legal_form(provider: ProviderData) -> str:
    """« SAS au capital de 10 000 € », or what of it is known."""
    form = provider.legal_form or ""
    if provider.capital_cents is None:
        return form
    capital = f"au capital de {_format.capital(provider.capital_cents)}"
    return f"{form} {capital}" if form else capital.capitalize()


def registration(provider: ProviderData) -> str:
    """« RCS Paris 123 456 789 » when the registry city is known, else « SIREN … »."""
    if not provider.siren:
        return ""
    prefix = f"RCS {provider.rcs_city}" if provider.rcs_city else "SIREN"
    return f"{prefix} {_format.siren(provider.siren)}"


def provider_lines(provider: ProviderData) -> list[str]:
    """The provider's identity as printed under its name on every document."""
    form = legal_form(provider)
    ident = [registration(provider)] if provider.siren else []
    if provider.vat_number:
        ident.append(f"TVA {provider.vat_number}")
    lines = [form] if form else []
    lines.append(provider.address.replace("\n", ", "))
    lines.append(f"{provider.postcode} {provider.city}")
    if ident:
        lines.append(" – ".join(ident))
    lines.append(agrement_text(provider))
    return lines


def agrement_text(provider: ProviderData) -> str:
    return (
        f"Agrément préfectoral n° {provider.agrement_numero} du "
        f"{_format.date_fr(provider.agrement_date)} ({provider.agrement_prefecture})"
    )


def legal_footer(provider: ProviderData) -> str:
    parts = [provider.name]
    if form := legal_form(provider):
        parts.append(form)
    parts.append(f"{provider.address.replace(chr(10), ', ')}, {provider.postcode} {provider.city}")
    if provider.siren:
        parts.append(registration(provider))
    parts.append(f"agrément n° {provider.agrement_numero}")
    return " – ".join(parts)


def _xmp(title: str, author: str, created: datetime) -> str:
    """PDF/A identification with fixed dates (fpdf2 would stamp the current time)."""
    from xml.sax.saxutils import escape

    stamp = created.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
        "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt>'
        f"</dc:title><dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>"
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate><xmp:ModifyDate>{stamp}</xmp:ModifyDate>"
        "<xmp:CreatorTool>domicili</xmp:CreatorTool><pdf:Producer>domicili</pdf:Producer>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
