"""Turn the visible invoice into Factur-X with the factur-x library, deterministically.

factur-x stamps the current time in four places (the document information dates,
the XMP dates and the embedded file's modification date). The invoice's own
``issued_at`` replaces them, so that the same invoice always gives the same bytes.
"""

from __future__ import annotations

import re

from ..errors import TemplateError
from . import _format
from ._pdf import utc
from .cii import LEVEL
from .data import InvoiceData
from .invoice import title_of

# Only the digits are replaced, so the cross-reference offsets of the file stay right.
# pypdf may write a date string with its punctuation escaped in octal (":" as \072).
_PDF_DATE = re.compile(rb"(\(D(?::|\\072))(\d{14})((?:\+|\\053)00(?:'|\\047)00(?:'|\\047)\))")
_XMP_DATE = re.compile(
    rb"(<xmp:(?:CreateDate|ModifyDate)>)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\+00:00</xmp:)"
)


def embed(pdf: bytes, xml: bytes, data: InvoiceData) -> bytes:
    """``pdf`` with ``xml`` embedded as ``factur-x.xml`` and the PDF/A-3 XMP of Factur-X."""
    from facturx import generate_from_binary

    title = title_of(data)
    issued = _format.date_fr(data.issue_date)
    result: bytes = generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level=LEVEL,
        check_xsd=False,  # render_invoice has checked it with a cached schema
        pdf_metadata={
            "author": data.seller.name,
            "keywords": "Factur-X, " + ("Avoir" if data.kind == "credit_note" else "Facture"),
            "title": f"{title} – {data.seller.name}",
            "subject": f"{title} du {issued}, émise par {data.seller.name}",
        },
        lang="fr-FR",
        # PDF/A wants the XMP stream readable without a filter; it also lets the
        # dates below be fixed in place.
        xmp_compression=False,
    )
    return fix_clock(result, data)


def fix_clock(pdf: bytes, data: InvoiceData) -> bytes:
    moment = utc(data.issued_at)
    pdf_date = moment.strftime("%Y%m%d%H%M%S").encode()
    xmp_date = moment.strftime("%Y-%m-%dT%H:%M:%S").encode()
    pdf, pdf_count = _PDF_DATE.subn(rb"\g<1>" + pdf_date + rb"\g<3>", pdf)
    pdf, xmp_count = _XMP_DATE.subn(rb"\g<1>" + xmp_date + rb"\g<3>", pdf)
    if pdf_count < 2 or xmp_count != 2:
        raise TemplateError(
            f"Invoice {data.number}: factur-x wrote its dates in an unexpected form "
            f"({pdf_count} in the PDF, {xmp_count} in the XMP), so the file would not be "
            "reproducible; check the factur-x version."
        )
    return pdf
