"""Formatting on documents: rates, identifiers and CII figures.

Dates, times and amounts come from :mod:`domicili.french` (re-exported here for the
templates and drawings), like everywhere else in domicili.
"""

from __future__ import annotations

from ..french import NBSP, NNBSP
from ..french import capital_eur as capital
from ..french import date_fr as date_fr
from ..french import format_eur as eur
from ..french import long_date_fr as long_date_fr
from ..french import time_fr as time_fr

__all__ = [
    "capital",
    "date_fr",
    "decimal_amount",
    "decimal_rate",
    "eur",
    "iban",
    "long_date_fr",
    "masked_iban",
    "months",
    "percent",
    "siren",
    "time_fr",
]


def percent(rate_bp: int) -> str:
    """``2000`` → ``"20 %"``, ``850`` → ``"8,5 %"``."""
    whole, rest = divmod(rate_bp, 100)
    text = str(whole) if rest == 0 else f"{whole},{rest:02d}".rstrip("0")
    return f"{text}{NNBSP}%"


def siren(value: str | None) -> str:
    """``"123456789"`` → ``"123 456 789"``."""
    if not value:
        return ""
    digits = value.replace(" ", "")
    return NBSP.join((digits[:3], digits[3:6], digits[6:]))


def months(count: int) -> str:
    """``3`` → ``"3 mois"``; ``12`` → ``"12 mois"``."""
    return f"{count}{NBSP}mois"


def iban(value: str) -> str:
    """``"FR7630006000011234567890189"`` → ``"FR76 3000 6000 0112 3456 7890 189"``."""
    compact = value.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def masked_iban(value: str) -> str:
    """``"FR7630006000011234567890189"`` → ``"FR76 **** 0189"``: enough for the account
    holder to know which account, not enough to debit it."""
    compact = value.replace(" ", "").upper()
    return f"{compact[:4]} **** {compact[-4:]}"


def decimal_amount(cents: int) -> str:
    """Cents as the CII decimal: ``123456`` → ``"1234.56"``, ``-5`` → ``"-0.05"``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def decimal_rate(rate_bp: int) -> str:
    """``2000`` → ``"20.00"``, ``850`` → ``"8.50"``."""
    return decimal_amount(rate_bp)
