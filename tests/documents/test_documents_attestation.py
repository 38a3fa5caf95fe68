"""The attestation de domiciliation as a provider signs it: its heading, the representative
who signs (name, quality, place, date) and the signatures of the domiciliation."""

from __future__ import annotations

import io

import pytest
from document_samples import (
    CONTRACT_SHA256,
    attestation,
    company,
    flat,
    pdf_text,
    provider,
    signature_records,
)
from pydantic import ValidationError
from pypdf import PdfReader

from domicili.documents import render_attestation


def signed_attestation(**changes: object) -> bytes:
    return render_attestation(
        attestation(
            client=company(),
            signatures=signature_records(),
            contract_sha256=CONTRACT_SHA256,
            **changes,
        )
    )


def test_the_attestation_is_headed_as_an_attestation_not_as_the_contract() -> None:
    first = PdfReader(io.BytesIO(render_attestation(attestation()))).pages[0].extract_text()
    heading = first.split("ATTESTATION DE DOMICILIATION")[0]
    assert "Attestation de domiciliation" in heading
    assert "Contrat n°" not in first
    # the contract number is cited in the text, as the contract the domiciliation rests on
    assert "contrat de domiciliation n° D-000042" in flat(
        pdf_text(render_attestation(attestation()))
    )


def test_the_representative_signs_with_name_and_quality() -> None:
    data = attestation(provider=provider(representative_quality="présidente"))
    text = flat(pdf_text(render_attestation(data)))
    assert "Je soussigné" not in text
    assert "Hélène Lefèvre, agissant en qualité de présidente pour le compte de Bureaux" in text
    assert "atteste que la société Étoile Numérique en formation" in text
    assert "Fait à Paris, le 3 mars 2025." in text
    box = text.split("Fait à Paris, le 3 mars 2025.")[1]
    assert "Pour le Domiciliataire Bureaux Réunis Opéra Hélène Lefèvre, présidente" in box


def test_a_representative_without_a_quality_signs_as_legal_representative() -> None:
    text = flat(pdf_text(render_attestation(attestation())))
    assert "Hélène Lefèvre, agissant en qualité de représentant légal pour le compte de" in text


def test_a_provider_without_a_named_representative_attests_itself() -> None:
    text = flat(pdf_text(render_attestation(attestation(provider=provider(representative=None)))))
    assert "agissant en qualité" not in text
    assert "Bureaux Réunis Opéra, SAS au capital de 10 000 €" in text
    assert "atteste que" in text


def test_an_attestation_once_signed_carries_the_signatures_of_the_contract() -> None:
    pdf = signed_attestation()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = flat(pdf_text(pdf))
    assert "signé électroniquement par les deux parties le 3 mars 2025" in text
    # the provider's box says it is signed, and when
    box = text.split("Pour le Domiciliataire")[1]
    assert box.index("Domiciliation signée électroniquement le 3 mars 2025 à 11 h 15") < 80
    signatures = text.split("Signature électronique du contrat de domiciliation n° D-000042")[1]
    for shown in (
        "Domicilié Benoît Œhmichen pour le compte de Cœur de Lyon Conseil",
        "3 mars 2025 à 10 h 02 (UTC+01:00) Code à usage unique envoyé par SMS",
        "Domiciliataire Hélène Lefèvre",
        "Code saisi correctement au 2e essai",
        "Empreinte SHA-256 du contrat signé : " + " ".join([CONTRACT_SHA256[:8]] * 8),
    ):
        assert shown in signatures, shown


def test_an_unsigned_attestation_leaves_room_to_sign() -> None:
    text = flat(pdf_text(render_attestation(attestation())))
    assert "signée électroniquement" not in text
    assert "Empreinte SHA-256" not in text
    assert "Signature :" in text


def test_signatures_come_with_the_fingerprint_of_the_contract_they_signed() -> None:
    with pytest.raises(ValidationError, match="SHA-256 of the contract"):
        attestation(signatures=signature_records())
    with pytest.raises(ValidationError, match="SHA-256 of the contract"):
        attestation(contract_sha256=CONTRACT_SHA256)
    with pytest.raises(ValidationError, match="64 lowercase hexadecimal"):
        attestation(signatures=signature_records(), contract_sha256="ABC")
