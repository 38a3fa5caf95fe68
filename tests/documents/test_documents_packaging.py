"""Import cost and shipped resources of domicili.documents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

import domicili.documents

pytestmark = pytest.mark.one_store  # no database

FONTS = Path(domicili.documents.__file__).parent / "fonts"
HEAVY = ("fpdf", "facturx", "pypdf", "lxml", "babel", "fontTools", "segno")


def loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in result.stdout.split()}


def test_importing_documents_loads_no_pdf_library() -> None:
    loaded = loaded_after("import domicili.documents")
    assert "domicili" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_rendering_is_what_loads_them() -> None:
    code = (
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from document_samples import invoice\n"
        "from domicili.documents import render_invoice\n"
        "render_invoice(invoice())"
    )
    assert {"fpdf", "facturx"} <= loaded_after(code)


def test_public_names_are_listed() -> None:
    names = set(domicili.documents.__all__)
    assert {
        "render_contract",
        "render_attestation",
        "render_invoice",
        "invoice_xml",
        "check_invoice_xml",
        "append_signature_page",
        "SignatureRecord",
        "ContractData",
        "InvoiceData",
        "render_labels",
        "MailLabel",
        "LabelLayout",
        "render_greffe_notice",
        "GreffeNoticeData",
    } <= names
    assert all(hasattr(domicili.documents, name) for name in names)


def test_shipped_fonts_are_small_subsets_covering_french() -> None:
    needed = "éèêàçùôîïœŒÉÀÇ€«»’–—…\u00a0\u202f°"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        path = FONTS / name
        assert path.stat().st_size < 70_000
        with TTFont(path) as font:
            cmap = font.getBestCmap()
            assert font["name"].getDebugName(1) == "DejaVu Sans"
        missing = [c for c in needed if ord(c) not in cmap]
        assert not missing, (name, missing)


def test_font_licence_ships_beside_the_fonts() -> None:
    text = (FONTS / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera" in text
    assert "Permission is hereby granted, free of charge" in text
    assert "Tavmjong Bah" in text
