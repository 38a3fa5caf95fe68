"""French dates as letters write them ("1er mars 2026"), shared by messages and documents.

Kept apart from :mod:`domicili.documents` so that a message can say a date without
loading the PDF machinery.
"""

from __future__ import annotations

from datetime import date, datetime

__all__ = ["NBSP", "date_fr", "long_date_fr"]

NBSP = "\u00a0"


def date_fr(value: date | datetime) -> str:
    """``date(2025, 3, 1)`` → ``"1er mars 2025"`` (the French ordinal for the first day)."""
    from babel.dates import format_date  # babel is imported only when a date is shown

    day = value.date() if isinstance(value, datetime) else value
    text = str(format_date(day, "d MMMM y", locale="fr_FR"))
    if day.day == 1:
        text = "1er" + text[1:]
    return text.replace(" ", NBSP, 1)


def long_date_fr(value: date | datetime) -> str:
    """``"samedi 1er mars 2025"``."""
    from babel.dates import format_date

    day = value.date() if isinstance(value, datetime) else value
    return f"{format_date(day, 'EEEE', locale='fr_FR')} {date_fr(day)}"
