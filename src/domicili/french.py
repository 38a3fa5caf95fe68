"""Dates, times and amounts as French readers expect them: the one place domicili writes them.

Emails, SMS, PDFs and refusals all format through here, so a first of the month is
"1er mars 2026" everywhere and an amount is "1 234,56 €" everywhere. Kept apart from
:mod:`domicili.documents` so that a message can say a date without loading the PDF
machinery; babel is imported only when something is shown.

``plain=True`` gives ordinary spaces instead of no-break ones: messages are plain text,
and SMS stay in the GSM alphabet.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

__all__ = [
    "NBSP",
    "NNBSP",
    "PAYMENT_METHODS",
    "PAYMENT_STATES",
    "capital_eur",
    "date_fr",
    "decimal_fr",
    "format_eur",
    "format_money",
    "long_date_fr",
    "numeric_date_fr",
    "parse_date",
    "payment_method_fr",
    "time_fr",
    "typography_fr",
]

#: No-break space (between a day and its month, an amount and its currency).
NBSP = "\u00a0"
#: Narrow no-break space (thousands separator, before ``%``).
NNBSP = "\u202f"


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@functools.lru_cache(maxsize=1024)
def _date(day: date) -> str:
    from babel.dates import format_date

    text = str(format_date(day, "d MMMM y", locale="fr_FR"))
    if day.day == 1:
        text = "1er" + text[1:]  # the French ordinal for the first day
    return text.replace(" ", NBSP, 1)


def date_fr(value: date | datetime, *, plain: bool = False) -> str:
    """``date(2025, 3, 1)`` → ``"1er mars 2025"``; ``date(2025, 3, 2)`` → ``"2 mars 2025"``."""
    text = _date(_day(value))
    return text.replace(NBSP, " ") if plain else text


@functools.lru_cache(maxsize=1024)
def _weekday(day: date) -> str:
    from babel.dates import format_date

    return str(format_date(day, "EEEE", locale="fr_FR"))


def long_date_fr(value: date | datetime, *, plain: bool = False) -> str:
    """``"samedi 1er mars 2025"``."""
    day = _day(value)
    return f"{_weekday(day)} {date_fr(day, plain=plain)}"


def numeric_date_fr(value: date | datetime) -> str:
    """``"01/03/2025"``: the short form, for tables and refusals."""
    return f"{_day(value):%d/%m/%Y}"


#: The ways a person writes a day: ``15/01/2024`` (also ``15/1/2024``, ``15.01.2024``,
#: ``15-01-2024``) and ISO ``2024-01-15``.
_NUMERIC_DAY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")


def parse_date(value: str | date, *, field: str = "date") -> date:
    """A day as people write it in France, ``15/01/2024``, or in ISO, ``2024-01-15``.

    The one parser of typed dates (options, questionnaire answers, files): anything
    else, or a day that does not exist (``30/02/2024``), raises
    :class:`~domicili.errors.InvalidInput` naming ``field``.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    parts: tuple[str, str, str] | None = None
    if found := _NUMERIC_DAY.fullmatch(text):
        day, month, year = found.groups()
        parts = (year, month, day)
    elif found := _ISO_DAY.fullmatch(text):
        year, month, day = found.groups()
        parts = (year, month, day)
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    from .errors import InvalidInput
    from .i18n import _

    raise InvalidInput(
        _("{field}: {value!r} is not a date; write it as 15/01/2024 or 2024-01-15.").format(
            field=field, value=value
        ),
        field=field,
        value=value,
    )


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


@functools.lru_cache(maxsize=4096)
def format_eur(cents: int) -> str:
    """``123456`` → ``"1 234,56 €"`` the French way (narrow no-break spaces).

    babel's fr_FR currency format, written out: importing babel and loading its
    French data took 40 ms of a command that shows one amount. A test checks that
    both give the same text.
    """
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{euros:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def capital_eur(cents: int) -> str:
    """A share capital as the legal mentions write it: ``1_000_000`` → ``"10 000 €"``;
    cents only when there are some (``"7 622,45 €"``)."""
    if cents % 100:
        return format_eur(cents)
    return f"{cents // 100:,}".replace(",", NNBSP) + f"{NBSP}€"


# French punctuation: a no-break space before « : » (and a narrow one before ; ! ?),
# inside guillemets, and the typographic apostrophe. Only spaces already written are
# made no-break ones: "https://", "10:30" and "?id=" stay as they are.
_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]+(?=:)")
_BEFORE_SEMI = re.compile(r"[ \u00a0\u202f]+(?=[;!?])")
_AFTER_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_BEFORE_CLOSING = re.compile(r"[ \u00a0\u202f]*»")


@functools.lru_cache(maxsize=4096)
def typography_fr(text: str) -> str:
    """``"Date : 1er mars « Essentiel » l'offre"`` with French typography: no-break spaces
    before ``:`` (U+00A0) and ``; ! ?`` (U+202F) and inside « » (U+00A0), and ’ for '."""
    if not any(c in text for c in ":;!?«»'"):
        return text
    text = text.replace("'", "’")
    text = _BEFORE_COLON.sub(NBSP, text)
    text = _BEFORE_SEMI.sub(NNBSP, text)
    text = _AFTER_OPENING.sub("«" + NBSP, text)
    return _BEFORE_CLOSING.sub(NBSP + "»", text)


@functools.lru_cache(maxsize=256)
def format_money(amount: int, currency: str) -> str:
    """An amount in a currency's smallest unit: euros as :func:`format_eur`, any other
    currency the French way with its own decimals (``1000, "JPY"`` → ``"1 000 JPY"``)."""
    if currency == "EUR":
        return format_eur(amount)
    from decimal import Decimal

    from babel.numbers import format_currency, get_currency_precision

    digits = get_currency_precision(currency)
    value = Decimal(amount).scaleb(-digits)
    return str(format_currency(value, currency, locale="fr_FR", currency_digits=True))


def decimal_fr(cents: int) -> str:
    """Cents as a French decimal without grouping: ``123456`` → ``"1234,56"``, ``-5`` → ``"-0,05"``
    (spreadsheets read it as a number)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


#: Payment methods in words: those staff record, and those payment services report.
PAYMENT_METHODS = {
    "transfer": "virement",
    "cheque": "chèque",
    "card": "carte bancaire",
    "cash": "espèces",
    "sepa_debit": "prélèvement SEPA",
}


#: A payment's state in words (``payment list``).
PAYMENT_STATES = {
    "succeeded": "réussi",
    "failed": "refusé",
    "pending": "en cours",
    "held": "en attente d’examen",
    "refunded": "remboursé",
}


def payment_method_fr(method: str) -> str:
    """A payment method in words, for messages and invoices (never a raw code):
    ``"transfer"`` → ``"virement"``; one not known → ``"autre moyen de paiement"``."""
    return PAYMENT_METHODS.get(method, "autre moyen de paiement")
