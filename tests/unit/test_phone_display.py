"""Phone numbers as messages and documents show them."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domicili.messages import format_phone

pytestmark = pytest.mark.one_store  # no database


def test_french_numbers_read_in_pairs_and_others_internationally() -> None:
    assert format_phone("+33142000000") == "01 42 00 00 00"
    assert format_phone("+33612345678") == "06 12 34 56 78"
    assert format_phone("+33800123456") == "0 800 12 34 56"
    assert format_phone("+3225123456") == "+32 2 512 34 56"


@given(st.from_regex(r"\+33[1-9][0-9]{8}", fullmatch=True))
def test_french_numbers_are_shown_as_phonenumbers_shows_them(e164: str) -> None:
    number = phonenumbers.parse(e164)
    assume(phonenumbers.is_valid_number(number))  # the store keeps valid numbers only
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    assert format_phone(e164) == expected
