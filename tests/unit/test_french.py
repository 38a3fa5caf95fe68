"""French dates and amounts: one module writes them for emails, SMS, PDFs and refusals."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from domicili.french import (
    NBSP,
    NNBSP,
    capital_eur,
    date_fr,
    decimal_fr,
    format_eur,
    long_date_fr,
    numeric_date_fr,
    time_fr,
    typography_fr,
)

pytestmark = pytest.mark.one_store  # no database

PACKAGE = Path(__file__).parents[2] / "src" / "domicili"


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2026, 3, 1), "1er mars 2026"),
        (date(2026, 3, 2), "2 mars 2026"),
        (date(2026, 1, 1), "1er janvier 2026"),
        (date(2026, 12, 31), "31 décembre 2026"),
    ],
)
def test_a_date_is_written_as_letters_write_it_with_1er_for_the_first(
    day: date, written: str
) -> None:
    assert date_fr(day) == written.replace(" ", NBSP, 1)
    assert date_fr(day, plain=True) == written
    assert date_fr(datetime.combine(day, datetime.min.time(), UTC), plain=True) == written


def test_a_long_date_names_the_weekday() -> None:
    assert long_date_fr(date(2026, 3, 1), plain=True) == "dimanche 1er mars 2026"
    assert long_date_fr(date(2026, 3, 9)) == f"lundi 9{NBSP}mars 2026"


def test_the_short_form_is_day_month_year() -> None:
    assert numeric_date_fr(date(2026, 3, 5)) == "05/03/2026"


def test_a_time_is_written_with_h_and_its_offset() -> None:
    paris = timezone(timedelta(hours=1))
    assert time_fr(datetime(2026, 3, 1, 14, 5, tzinfo=paris)) == (f"14{NBSP}h{NBSP}05 (UTC+01:00)")
    assert time_fr(datetime(2026, 3, 1, 9, 0)) == f"9{NBSP}h{NBSP}00"


def test_amounts_in_euros_and_as_a_french_decimal() -> None:
    assert format_eur(123456) == "1\u202f234,56\u00a0€"
    assert format_eur(0) == "0,00\u00a0€"
    assert decimal_fr(123456) == "1234,56"
    assert decimal_fr(-5) == "-0,05"


def test_no_other_module_formats_french_dates_or_amounts_itself() -> None:
    """babel's dates and numbers (French month names, currency) are used by domicili.french
    alone (the catalog tool uses babel's messages, for translations)."""
    users = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(
            r"^\s*(from|import) babel(?!\.messages)", path.read_text(encoding="utf-8"), re.M
        )
    ]
    assert users == ["french.py"]


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Date : 3 mars", f"Date{NBSP}: 3 mars"),
        ("Date  :", f"Date{NBSP}:"),
        ("a ; b ! c ?", f"a{NNBSP}; b{NNBSP}! c{NNBSP}?"),
        ("« Essentiel »", f"«{NBSP}Essentiel{NBSP}»"),
        ("«Essentiel»", f"«{NBSP}Essentiel{NBSP}»"),
        ("l'offre d'Atelier", "l’offre d’Atelier"),
        # nothing to do where no space was written: addresses, times, queries
        ("https://pay.example/p?id=1", "https://pay.example/p?id=1"),
        ("10:30", "10:30"),
        ("Sans ponctuation", "Sans ponctuation"),
    ],
)
def test_french_typography_for_what_is_printed(typed: str, printed: str) -> None:
    assert typography_fr(typed) == printed
    assert typography_fr(printed) == printed  # applying it twice changes nothing


def test_a_share_capital_is_written_without_cents_unless_it_has_some() -> None:
    assert capital_eur(1_000_000) == f"10{NNBSP}000{NBSP}€"
    assert capital_eur(762_245) == format_eur(762_245) == f"7{NNBSP}622,45{NBSP}€"
    assert capital_eur(100) == f"1{NBSP}€"
