"""Same data, same bytes: documents can be hashed, signed and compared."""

from __future__ import annotations

from datetime import timedelta

import pytest
from document_samples import attestation, contract, invoice

from domicili.documents import render_attestation, render_contract, render_invoice

pytestmark = pytest.mark.one_store  # no database


def test_contract_renders_to_the_same_bytes_twice() -> None:
    assert render_contract(contract()) == render_contract(contract())


def test_attestation_renders_to_the_same_bytes_twice() -> None:
    assert render_attestation(attestation()) == render_attestation(attestation())


def test_factur_x_invoice_renders_to_the_same_bytes_twice() -> None:
    first = render_invoice(invoice())
    assert first == render_invoice(invoice())


def test_issue_moment_is_part_of_the_bytes() -> None:
    data = invoice()
    later = data.model_copy(update={"issued_at": data.issued_at + timedelta(seconds=1)})
    assert render_invoice(data) != render_invoice(later)
