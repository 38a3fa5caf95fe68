"""SEPA direct-debit mandates: what a client signed to let the provider collect.

A mandate is known by its reference (référence unique du mandat, RUM), unique among
the provider's mandates for good: a reference once used, even amended away or revoked,
is never given to another mandate. Its first collection is presented as FRST, the next
ones as RCUR; a one-off mandate's only collection as OOFF. An amendment (new IBAN, new
reference…) keeps the values it replaced, with its date, for the bank's amendment
details and for the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field

from . import identifiers
from .models import Bic, Day, Iban, Text, _checked, _Model

if TYPE_CHECKING:
    from .sepa import Amendment

__all__ = ["AMENDABLE", "Mandate", "MandateAmendment", "MandateReference"]

MandateReference = Annotated[str, AfterValidator(_checked(identifiers.normalize_mandate_reference))]

#: The fields an amendment may change; the amendment keeps their values before it.
AMENDABLE = ("reference", "iban", "bic", "debtor_name", "signed_on")


class MandateAmendment(_Model):
    """The values a mandate had until ``amended_at``, when some of them changed."""

    id: int | None = None
    mandate_id: int
    amended_at: datetime
    reference: str
    iban: str
    bic: str | None = None
    debtor_name: str
    signed_on: Day
    #: The names of the fields that changed then.
    changed: list[str] = Field(default_factory=list)


class Mandate(_Model):
    """A client's SEPA Core mandate for one dossier."""

    id: int | None = None
    provider_id: int
    dossier_id: int
    reference: MandateReference
    signed_on: Day
    #: The account holder, as the mandate names them (by default the client).
    debtor_name: Annotated[Text, Field(max_length=140)]
    iban: Iban
    bic: Bic | None = None
    #: The bank holding the account, from its IBAN when known.
    bank_name: str | None = None
    #: A one-off mandate (OOFF) collects one invoice, then is spent.
    one_off: bool = False
    #: The day its first collection was presented (``None``: the next one is FRST, or
    #: for a one-off mandate its only one, OOFF).
    first_collected_on: Day | None = None
    revoked_at: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None
    #: Oldest first.
    amendments: list[MandateAmendment] = Field(default_factory=list)

    @property
    def active(self) -> bool:
        """Not revoked and, for a one-off mandate, not used yet."""
        return self.revoked_at is None and not self.spent

    @property
    def spent(self) -> bool:
        """A one-off mandate whose collection was presented: it collects nothing more."""
        return self.one_off and self.first_collected_on is not None

    @property
    def sequence(self) -> Literal["FRST", "RCUR", "OOFF"]:
        """The sequence type of its next collection."""
        if self.one_off:
            return "OOFF"
        return "RCUR" if self.first_collected_on is not None else "FRST"

    def snapshot(self, at: datetime, changed: list[str]) -> MandateAmendment:
        """Its current values, kept by an amendment made ``at``."""
        assert self.id is not None
        return MandateAmendment(
            mandate_id=self.id,
            amended_at=at,
            reference=self.reference,
            iban=self.iban,
            bic=self.bic,
            debtor_name=self.debtor_name,
            signed_on=self.signed_on,
            changed=changed,
        )

    def amendment_since(self, since: datetime | None) -> Amendment | None:
        """What the bank must be told with the next collection when the mandate was
        amended after ``since`` (its last collection; ``None``: never collected, and a
        first collection carries no amendment): the reference and account it had then."""
        from .sepa import Amendment

        if since is None:
            return None
        later = [a for a in self.amendments if a.amended_at > since]
        if not later:
            return None
        before = later[0]
        reference = before.reference if before.reference != self.reference else None
        other_bank = before.iban != self.iban and _bank(before.iban) != _bank(self.iban)
        iban = before.iban if before.iban != self.iban and not other_bank else None
        if reference is None and iban is None and not other_bank:
            return None
        return Amendment(mandate_reference=reference, iban=iban, other_bank=other_bank)


def _bank(iban: str) -> str:
    """The country and national bank code of an IBAN (its BBAN's first part when the
    layout is unknown)."""
    from schwifty import IBAN

    try:
        return f"{iban[:2]}{IBAN(iban, validate_bban=False).bank_code}"
    except ValueError:
        return iban[:9]
