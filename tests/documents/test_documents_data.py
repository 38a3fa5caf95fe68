"""The input models: what they refuse, and sums that always add up to the cent."""

from __future__ import annotations

from datetime import date

import pytest
from document_samples import company, company_en_formation, contract, invoice, provider
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invoice_xml_reading import read
from pydantic import ValidationError

from domicili.documents import ClientData, InvoiceLine, check_invoice_xml, invoice_xml
from domicili.money import VatRule, vat_amount, vat_rule_for_departement

pytestmark = pytest.mark.one_store  # no database

RATES = st.sampled_from([2000, 1000, 850, 550, 210])

line_strategy = st.builds(
    InvoiceLine,
    description=st.text(
        alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")),
        min_size=1,
        max_size=40,
    ).filter(str.strip),
    quantity=st.integers(min_value=1, max_value=1000),
    unit_price_ht_cents=st.integers(min_value=0, max_value=5_000_000),
    vat_rate_bp=RATES,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line_strategy, min_size=1, max_size=12))
def test_lines_vat_and_totals_add_up_in_the_model_and_the_xml(lines: list[InvoiceLine]) -> None:
    data = invoice(lines=tuple(lines))
    groups = data.vat_groups
    assert data.total_ht_cents == sum(line.quantity * line.unit_price_ht_cents for line in lines)
    assert sum(g.basis_cents for g in groups) == data.total_ht_cents
    assert data.total_vat_cents == sum(g.vat_cents for g in groups)
    assert all(g.vat_cents == vat_amount(g.basis_cents, g.rate_bp) for g in groups)
    assert data.total_ttc_cents == data.total_ht_cents + data.total_vat_cents
    assert len({g.rate_bp for g in groups}) == len(groups)

    xml = invoice_xml(data)
    check_invoice_xml(xml)
    doc = read(xml)
    assert doc.line_totals == [line.amount_ht_cents for line in lines]
    assert sum(doc.line_totals) == doc.total("LineTotalAmount") == data.total_ht_cents
    assert doc.total("TaxBasisTotalAmount") == data.total_ht_cents
    assert [(basis, vat) for basis, vat, _ in doc.groups] == [
        (g.basis_cents, g.vat_cents) for g in groups
    ]
    assert sum(vat for _, vat, _ in doc.groups) == doc.total("TaxTotalAmount")
    assert doc.total("GrandTotalAmount") == doc.total("LineTotalAmount") + doc.total(
        "TaxTotalAmount"
    )
    assert doc.total("GrandTotalAmount") == data.total_ttc_cents


@settings(max_examples=50, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8),
    departement=st.sampled_from(["973", "976"]),
)
def test_without_vat_the_totals_are_the_lines(amounts: list[int], departement: str) -> None:
    lines = tuple(
        InvoiceLine(description="Domiciliation", unit_price_ht_cents=a, vat_rate_bp=0)
        for a in amounts
    )
    data = invoice(lines=lines, departement=departement)
    assert data.total_vat_cents == 0
    assert data.total_ttc_cents == data.total_ht_cents == sum(amounts)
    xml = invoice_xml(data)
    check_invoice_xml(xml)
    assert read(xml).total("GrandTotalAmount") == sum(amounts)


def test_models_are_frozen() -> None:
    data = invoice()
    with pytest.raises(ValidationError):
        data.number = "F-2"  # type: ignore[misc]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        company(shoe_size=42)


def test_en_formation_needs_a_founder_and_no_siren() -> None:
    with pytest.raises(ValidationError, match="founder"):
        company_en_formation(founder=None)
    with pytest.raises(ValidationError, match="no SIREN"):
        company_en_formation(siren="890123458")


def test_only_a_company_is_en_formation() -> None:
    with pytest.raises(ValidationError, match="only a company"):
        ClientData(
            name="Zoé Martin",
            address="1 rue A",
            postcode="75001",
            city="Paris",
            kind="individual",
            en_formation=True,
            founder="Zoé Martin",
        )


def test_signatory_of_a_company_en_formation_is_its_founder() -> None:
    assert company_en_formation().signatory == "Chloé Dubois-Garnier"
    assert company().signatory == "Benoît Œhmichen"


def test_siren_must_have_nine_digits() -> None:
    with pytest.raises(ValidationError, match="siren"):
        provider(siren="12345")
    assert provider(siren="123 456 782").siren_compact == "123456782"


def test_agrement_expiry_follows_its_date() -> None:
    with pytest.raises(ValidationError, match="agrement_expires"):
        provider(agrement_expires=date(2019, 1, 1))


def test_notice_shorter_than_the_term() -> None:
    with pytest.raises(ValidationError, match="notice_months"):
        contract(term_months=3, notice_months=3)


def test_services_accept_a_mapping_and_detect_scanning() -> None:
    data = contract(services={"domiciliation": "Domiciliation", "numerisation": "Scan"})
    assert data.services == (("domiciliation", "Domiciliation"), ("numerisation", "Scan"))
    assert data.mail_opening
    assert not contract().mail_opening


def test_contract_price_includes_vat_rounded_half_up() -> None:
    data = contract(price_ht_cents=3950, vat=vat_rule_for_departement("971"))
    assert data.vat_cents == 336  # 3950 × 8,5 % = 335,75 ct, rounded half up
    assert data.price_ttc_cents == 4286


def test_vat_rule_accepts_the_money_dataclass_or_a_mapping() -> None:
    data = contract(vat={"rate_bp": 2000})
    assert data.vat == VatRule(2000)


def test_invoice_line_period_needs_both_ends_in_order() -> None:
    with pytest.raises(ValidationError, match="both"):
        InvoiceLine(
            description="x", unit_price_ht_cents=1, vat_rate_bp=2000, period_start=date(2025, 3, 1)
        )
    with pytest.raises(ValidationError, match="before"):
        InvoiceLine(
            description="x",
            unit_price_ht_cents=1,
            vat_rate_bp=2000,
            period_start=date(2025, 3, 31),
            period_end=date(2025, 3, 1),
        )


def test_negative_prices_are_refused() -> None:
    with pytest.raises(ValidationError):
        InvoiceLine(description="x", unit_price_ht_cents=-100, vat_rate_bp=2000)


def test_control_characters_are_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="control character"):
        company(name="Cœur\x00Conseil")
    with pytest.raises(ValidationError, match="control character"):
        company(representative="Benoît\x1b[31m")
    assert company(address="4 place Bellecour\nBâtiment B").address.endswith("Bâtiment B")
