"""Cards on file: what a client saved at the payment service to pay its next invoices.

domicili never sees a card's number: the payment service keeps the card and gives a
token (and, for some services, the customer it belongs to) that a later charge names.
What is kept besides is what a person recognises a card by — its brand, its last four
digits and its expiry — for the invoice, the emails and the staff. A dossier has at
most one card in use; a card removed (by the client's request, or replaced by a newer
one) stays on record with when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from .models import _Model

__all__ = ["BRANDS", "Card", "CardDetails"]

#: The names card brands are printed by, from the codes payment services report.
BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "cartes_bancaires": "CB",
    "cb": "CB",
    "discover": "Discover",
    "diners": "Diners Club",
    "jcb": "JCB",
    "unionpay": "UnionPay",
}


@dataclass(frozen=True)
class CardDetails:
    """A card as the payment service reports it when the client saves it.

    ``token`` names it at the service (a Stripe payment method ``pm_…``, say);
    ``customer`` the service's customer it is attached to, when the service has one.
    The other fields are what a person recognises it by; any of them may be unknown.
    """

    token: str
    customer: str | None = None
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None


class Card(_Model):
    """A card saved for a dossier's invoices, at payment gateway ``adapter``."""

    id: int | None = None
    provider_id: int
    dossier_id: int
    adapter: Annotated[str, Field(min_length=1, max_length=40)]
    token: Annotated[str, Field(min_length=1, max_length=255)]
    customer: Annotated[str, Field(max_length=255)] | None = None
    brand: Annotated[str, Field(max_length=40)] | None = None
    last4: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None = None
    exp_month: Annotated[int, Field(ge=1, le=12)] | None = None
    exp_year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    created_at: datetime
    removed_at: datetime | None = None
    removed_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None

    def expires_before(self, day: date) -> bool:
        """Whether the card can no longer be charged on ``day`` (a card is valid to the
        last day of its expiry month); an unknown expiry is taken as valid."""
        if self.exp_month is None or self.exp_year is None:
            return False
        return (day.year, day.month) > (self.exp_year, self.exp_month)

    def label(self, unknown_brand: str = "carte") -> str:
        """« Visa •••• 4242 (12/2030) », as much as is known of it (``unknown_brand``
        when the service did not say)."""
        brand = self.brand or ""
        parts = [BRANDS.get(brand.lower(), brand) or unknown_brand]
        if self.last4:
            parts.append(f"•••• {self.last4}")
        if self.exp_month and self.exp_year:
            parts.append(f"({self.exp_month:02d}/{self.exp_year})")
        return " ".join(parts)
