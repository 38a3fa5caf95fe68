"""Amounts shown to people: written the French way without babel, as babel writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from domicili.french import format_eur

pytestmark = pytest.mark.one_store  # no database


def test_an_amount_reads_the_french_way() -> None:
    assert format_eur(123456) == "1\u202f234,56\u00a0€"
    assert format_eur(5) == "0,05\u00a0€"
    assert format_eur(-100000) == "-1\u202f000,00\u00a0€"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_amounts_are_formatted_as_babel_formats_euros_in_fr_fr(cents: int) -> None:
    expected = format_currency(Decimal(cents) / 100, "EUR", locale="fr_FR")
    assert format_eur(cents) == expected
