"""French formatting of dates, amounts, rates and identifiers on documents."""

from __future__ import annotations

from datetime import datetime

from ..french import NBSP
from ..french import date_fr as date_fr  # re-exported: templates and drawings use it here
from ..french import long_date_fr as long_date_fr
from ..money import format_eur

NNBSP = "\u202f"


def time_fr(value: datetime) -> str:
    """``"14 h 05"``, with the UTC offset when known: ``"14 h 05 (UTC+01:00)"``."""
    text = f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    offset = value.utcoffset()
    if offset is None:
        return text
    total = int(offset.total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"{text} (UTC{sign}{hours:02d}:{minutes:02d})"


def eur(cents: int) -> str:
    """``123456`` → ``"1 234,56 €"``."""
    return format_eur(cents)


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


def decimal_amount(cents: int) -> str:
    """Cents as the CII decimal: ``123456`` → ``"1234.56"``, ``-5`` → ``"-0.05"``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def decimal_rate(rate_bp: int) -> str:
    """``2000`` → ``"20.00"``, ``850`` → ``"8.50"``."""
    return decimal_amount(rate_bp)
