"""The signature certificate appended after an electronic signature."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from document_samples import contract, flat, pdf_text, signature_records
from pypdf import PdfReader

from domicili.documents import SignatureRecord, append_signature_page, render_contract
from domicili.errors import InvalidInput, SignatureRefused

pytestmark = pytest.mark.one_store  # no database


def records() -> list[SignatureRecord]:
    return list(signature_records())


def signed() -> tuple[bytes, bytes, str]:
    original = render_contract(contract())
    digest = hashlib.sha256(original).hexdigest()
    return original, append_signature_page(original, records(), digest), digest


def test_certificate_is_a_last_page_after_the_document_unchanged() -> None:
    original, result, _ = signed()
    before = PdfReader(io.BytesIO(original))
    after = PdfReader(io.BytesIO(result))
    assert len(after.pages) == len(before.pages) + 1
    for old, new in zip(before.pages, after.pages, strict=False):
        assert old.extract_text() == new.extract_text()
    assert "Certificat de signature électronique".upper() in after.pages[-1].extract_text()


def test_certificate_lists_each_signer_and_the_document_hash() -> None:
    _, result, digest = signed()
    last = flat(pdf_text(result).split("CERTIFICAT DE SIGNATURE")[-1])
    grouped = " ".join(digest[i : i + 8] for i in range(0, 64, 8))
    assert grouped in last
    assert "Contrat de domiciliation D-000042 – Cœur de Lyon Conseil (3 pages)" in last
    assert "Signature 1 – Domicilié" in last
    assert "Signature 2 – Domiciliataire" in last
    assert "Signataire Benoît Œhmichen" in last
    assert "Pour le compte de Cœur de Lyon Conseil" in last
    assert "Signé le 3 mars 2025 à 10 h 02 (UTC+01:00)" in last
    assert "Méthode Code à usage unique envoyé par SMS" in last
    assert "Code saisi correctement au 1er essai" in last
    assert "Adresse IP 203.0.113.7" in last
    assert "Signé le 3 mars 2025 à 11 h 15" in last
    assert "1366 et 1367 du Code civil" in last


def test_a_document_changed_since_signature_gets_no_certificate() -> None:
    original = render_contract(contract())
    other = hashlib.sha256(render_contract(contract(reference="D-000043"))).hexdigest()
    with pytest.raises(SignatureRefused, match="changed since signature"):
        append_signature_page(original, records(), other)


def test_hash_must_be_sha256_hex() -> None:
    with pytest.raises(InvalidInput, match="64 hexadecimal"):
        append_signature_page(b"%PDF", records(), "abc")


def test_at_least_one_signature() -> None:
    original = render_contract(contract())
    with pytest.raises(InvalidInput, match="at least one"):
        append_signature_page(original, [], hashlib.sha256(original).hexdigest())


def test_signed_document_is_reproducible() -> None:
    assert signed()[1] == signed()[1]


def test_naive_signature_times_are_taken_as_utc() -> None:
    record = records()[0].model_copy(update={"signed_at": datetime(2025, 3, 3, 9, 0)})
    original = render_contract(contract())
    result = append_signature_page(original, [record], hashlib.sha256(original).hexdigest())
    assert "Signé le 3 mars 2025 à 9 h 00" in flat(pdf_text(result))
    assert record.signed_at.replace(tzinfo=UTC).hour == 9
