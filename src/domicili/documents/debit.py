"""An invoice collected without the client's action: by SEPA direct debit (the invoice is
the debit's pre-notification) or by charging the card the client saved.

A debit names the mandate (BT-89), the creditor identifier of the provider (ICS,
BT-90), the account debited (BT-91, masked on the PDF) and the day of the collection. A
card charge names the card by its brand and last four digits (BT-87: never more of its
number) and the day it is charged.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..french import numeric_date_fr
from ..mandates import MandateReference
from ..models import CreditorIdentifier, Iban
from . import _format

__all__ = ["CardCharge", "DirectDebit"]


class DirectDebit(BaseModel):
    """How a direct-debited invoice is collected."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    #: The mandate's unique reference (RUM, BT-89).
    mandate_reference: MandateReference
    #: The provider's SEPA creditor identifier (ICS, BT-90).
    creditor_identifier: CreditorIdentifier
    #: The client's account the amount is debited from (BT-91).
    debtor_iban: Iban
    #: The day the amount is debited.
    collection_date: date

    @property
    def masked_iban(self) -> str:
        """``FR76 **** 0189``: the account as the PDF prints it."""
        return _format.masked_iban(self.debtor_iban)

    @property
    def announcement(self) -> str:
        """The sentence that announces the debit, on the PDF and in the XML's terms."""
        return (
            f"Prélèvement SEPA le {numeric_date_fr(self.collection_date)} sur le compte "
            f"{self.masked_iban}, mandat {self.mandate_reference}, "
            f"créancier {self.creditor_identifier}"
        )


class CardCharge(BaseModel):
    """How an invoice charged to the client's saved card is collected."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    #: How the card is named: « Visa •••• 4242 (12/2030) ».
    card_label: Annotated[str, Field(min_length=1, max_length=80)]
    #: Its last four digits, when known (BT-87).
    last4: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None = None
    #: The day the card is charged.
    collection_date: date

    @property
    def announcement(self) -> str:
        """The sentence that announces the charge, on the PDF and in the XML's terms."""
        return (
            f"Montant débité le {numeric_date_fr(self.collection_date)} sur la carte "
            f"{self.card_label} enregistrée par le client"
        )
