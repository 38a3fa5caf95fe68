"""Money in integer cents, VAT rules for domiciliation, parsing euros.

Amounts are always ``int`` cents inside domicili; euros appear only when parsing
what a person typed and when formatting for people (:mod:`domicili.french`, whose
:func:`format_eur` this module re-exports). VAT rates are kept in basis points
(``2000`` = 20 %) so that every computation stays in integers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .errors import InvalidInput
from .french import format_eur
from .i18n import _

__all__ = [
    "MAX_CENTS",
    "VatRule",
    "format_eur",
    "parse_euros",
    "vat_amount",
    "vat_rule_for_departement",
]


@dataclass(frozen=True)
class VatRule:
    """The VAT that applies to a domiciliation invoice issued from a département."""

    rate_bp: int
    #: Legal mention printed on the invoice when no VAT is charged.
    exemption_mention: str | None = None
    #: Factur-X / EN 16931 VAT category code (S standard, O outside scope).
    category: str = "S"

    @property
    def rate_percent(self) -> Decimal:
        return Decimal(self.rate_bp) / 100


_STANDARD = VatRule(2000)
# CGI art. 296: reduced rate in Guadeloupe, Martinique and La Réunion.
_DOM_REDUCED = VatRule(850)
# CGI art. 294-1°: VAT is provisionally not applied in Guyane and Mayotte.
_NOT_APPLIED = VatRule(
    0,
    exemption_mention="TVA non applicable, art. 294-1° du CGI (Guyane, Mayotte)",
    category="O",
)
_BY_DEPARTEMENT = {
    "971": _DOM_REDUCED,
    "972": _DOM_REDUCED,
    "974": _DOM_REDUCED,
    "973": _NOT_APPLIED,
    "976": _NOT_APPLIED,
}


def vat_rule_for_departement(departement: str) -> VatRule:
    """VAT on domiciliation for a provider established in ``departement``."""
    return _BY_DEPARTEMENT.get(departement, _STANDARD)


def vat_amount(amount_ht_cents: int, rate_bp: int) -> int:
    """VAT on ``amount_ht_cents`` at ``rate_bp``, rounded half up to the cent."""
    exact = Decimal(amount_ht_cents) * rate_bp / 10_000
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


#: The largest amount domicili handles, in cents (10 billion euros): every price, fee
#: and payment, whether typed by a person, read from a file or reported by a payment
#: adapter, is at most this, so that sums of them stay far inside 64-bit integers.
MAX_CENTS = 10**12

# Digits, then at most one decimal separator: "35", "35.5", ",50". Only ASCII digits:
# Python's own number parsing also takes "1_000", "1e20" and digits of other scripts.
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def parse_euros(text: str | int | float | Decimal, *, field: str = "amount") -> int:
    """Parse an amount in euros (``"35"``, ``"35,50"``, ``"1 234.5"``) into cents.

    Refuses negative amounts, more than two decimals, more than :data:`MAX_CENTS`, and
    anything that is not written with ASCII digits and one decimal separator.
    """
    if isinstance(text, bool):
        raise _not_an_amount(text, field)
    if isinstance(text, int | Decimal):
        value = Decimal(text)
    elif isinstance(text, float):
        value = Decimal(repr(text)) if math.isfinite(text) else Decimal("NaN")
    else:
        raw = str(text).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
        raw = raw.removesuffix("€").replace(",", ".")
        negative = raw.startswith("-")
        if not _AMOUNT.fullmatch(raw.removeprefix("-")):
            raise _not_an_amount(text, field)
        value = -Decimal(raw[1:]) if negative else Decimal(raw)
    if not value.is_finite() or value < 0:
        raise InvalidInput(
            _("{field}: {text} must be a positive amount in euros.").format(
                field=field, text=repr(text)
            ),
            field=field,
        )
    if value > Decimal(MAX_CENTS) / 100:
        raise InvalidInput(
            _(
                "{field}: {text} is more than {MAX_CENTS}, the largest amount domicili handles."
            ).format(field=field, text=repr(text), MAX_CENTS=format_eur(MAX_CENTS)),
            field=field,
            value=text,
            limit=MAX_CENTS,
        )
    cents = value * 100
    if cents != cents.to_integral_value():
        raise InvalidInput(
            _("{field}: {text} has more than two decimals.").format(field=field, text=repr(text)),
            field=field,
        )
    return int(cents)


def _not_an_amount(text: object, field: str) -> InvalidInput:
    return InvalidInput(
        _("{field}: {text} is not an amount in euros (e.g. 35 or 35,50).").format(
            field=field, text=repr(text)
        ),
        field=field,
    )
