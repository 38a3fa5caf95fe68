"""The nouns of a domiciliation back office, as pydantic models.

Identifiers are checked and normalised when a model is built: SIREN/SIRET/VAT with
python-stdnum, phones to E.164, emails without network. Money is integer cents.

Annotations are evaluated as the classes are defined (no ``from __future__ import
annotations``): pydantic would otherwise evaluate each field's annotation from its
text, a quarter of the time it takes to import this module.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from . import identifiers
from .catalog import JustificatifState
from .i18n import _
from .money import MAX_CENTS, vat_amount
from .statuses import Status

__all__ = [
    "TRUSTED",
    "Agrement",
    "Attachment",
    "BeneficialOwner",
    "Client",
    "Dossier",
    "Email",
    "Event",
    "Invoice",
    "JustificatifRevision",
    "MailTerms",
    "Offer",
    "OutboxMessage",
    "Payment",
    "Person",
    "Phone",
    "Provider",
    "Receivable",
    "Signature",
    "Siren",
    "add_years",
]


#: Validation context for rows read back from the store: identifiers were checked on the
#: way in, so they are not parsed again on every read.
TRUSTED: dict[str, bool] = {"trusted": True}


def _trusted(info: Any) -> bool:
    return bool(info.context and info.context.get("trusted"))


def _field_name(info: Any) -> str:
    return str(getattr(info, "field_name", None) or "value")


def _checked(normalize: Callable[..., str]) -> Callable[[str, Any], str]:
    """A pydantic validator from an identifier check; rows read back (TRUSTED) skip it."""

    def validate(value: str, info: Any) -> str:
        if _trusted(info):
            return value
        return normalize(value, field=_field_name(info))

    return validate


_siren = _checked(identifiers.normalize_siren)
_phone = _checked(identifiers.normalize_phone)
_email = _checked(identifiers.normalize_email)
_vat = _checked(identifiers.normalize_vat)
_iban = _checked(identifiers.normalize_iban)
_bic = _checked(identifiers.normalize_bic)
_ics = _checked(identifiers.normalize_creditor_identifier)


#: The control characters (C0 but tab and newline, DEL, C1).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """Refuse control characters: they cannot be printed nor written in XML."""
    if _CONTROL.search(value):
        raise ValueError(_("contains a control character"))
    return value


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(printable),
]
Siren = Annotated[str, AfterValidator(_siren)]
Phone = Annotated[str, AfterValidator(_phone)]
Email = Annotated[str, AfterValidator(_email)]
VatNumber = Annotated[str, AfterValidator(_vat)]
Iban = Annotated[str, AfterValidator(_iban)]
Bic = Annotated[str, AfterValidator(_bic)]
CreditorIdentifier = Annotated[str, AfterValidator(_ics)]


def _postcode(value: str) -> str:
    value = value.strip()
    if not (len(value) == 5 and value.isascii() and value.isdigit()):
        raise ValueError(
            _("{value} is not a French postcode (5 digits, e.g. 75004)").format(value=repr(value))
        )
    return value


Postcode = Annotated[str, AfterValidator(_postcode)]


def _day(value: Any, info: Any) -> Any:
    """A day typed the French way (``15/01/2024``) or in ISO; a date is kept as it is."""
    if isinstance(value, str) and not _trusted(info):
        from .french import parse_date

        return parse_date(value, field=_field_name(info))
    return value


#: A day: ``15/01/2024`` or ``2024-01-15`` in an answer or a file, a ``date`` in code.
Day = Annotated[date, BeforeValidator(_day)]


def _phones_where(data: Any, info: Any, *, postcode: str | None, fields: tuple[str, ...]) -> Any:
    """Phones of ``data`` read as written in the place of ``postcode``: ``0262 12 34 56``
    is a La Réunion number for an address in the 974 (see
    :func:`domicili.identifiers.phone_region`). Before field validation, which then
    checks the E.164 form this gives (or refuses what is not a number)."""
    if not isinstance(data, dict) or _trusted(info) or not isinstance(postcode, str):
        return data
    region = identifiers.phone_region(postcode)
    if region == "FR":
        return data
    out = dict(data)
    for name in fields:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = identifiers.local_phone(value, region)
    return out


def _postcode_of(value: Any) -> str | None:
    """The postcode of a person given as a mapping or a model (the client's representative)."""
    found = value.get("postcode") if isinstance(value, dict) else getattr(value, "postcode", None)
    return found if isinstance(found, str) else None


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February when needed."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, defer_build=True
    )


class Provider(_Model):
    """A domiciliataire holding a prefectoral agrément."""

    id: int | None = None
    name: Text
    legal_form: Text | None = None
    siren: Siren
    vat_number: VatNumber | None = None
    #: The city of its RCS registration ("Paris" for RCS Paris) and its share capital
    #: (capital social), printed on every document when known.
    rcs_city: Text | None = None
    share_capital_cents: int | None = Field(None, ge=0, le=MAX_CENTS)
    #: The person who signs for the provider (gérant, président…).
    representative: Text | None = None
    #: The capacity in which the representative signs ("gérant", "présidente"), printed
    #: with the name on the attestation de domiciliation.
    representative_quality: Text | None = None
    #: The representative's own address: the messages meant for the person who signs
    #: (the contract to sign, its code, the signed contract) go there, else to ``email``.
    representative_email: Email | None = None
    agrement_numero: Text
    agrement_prefecture: Text
    #: Bounded so that the expiry six years later is a date too.
    agrement_date: Annotated[Day, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
    address: Text
    postcode: Postcode
    city: Text
    departement: str | None = None
    email: Email
    phone: Phone
    iban: Iban | None = None
    bic: Bic | None = None
    #: Its SEPA creditor identifier (ICS, from the Banque de France): needed to collect
    #: by direct debit.
    creditor_identifier: CreditorIdentifier | None = None
    #: Pays VAT on its debits (option of CGI art. 269-2-c), as its invoices then say.
    vat_on_debits: bool = False
    suspended: bool = False
    suspension_reason: str | None = None
    #: Départements where the provider takes clients (default: its own).
    departements: list[str] = Field(default_factory=list)
    #: Service codes it offers (see :data:`domicili.annuaire.SERVICES`).
    services: list[str] = Field(default_factory=lambda: ["domiciliation"])
    created_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _local_phone(cls, data: Any, info: Any) -> Any:
        postcode = data.get("postcode") if isinstance(data, dict) else None
        return _phones_where(data, info, postcode=postcode, fields=("phone",))

    @property
    def agrement_expires(self) -> date:
        """An agrément lasts six years (C. com. R123-166-2)."""
        return add_years(self.agrement_date, 6)

    def agrement_problem(self, on: date) -> str | None:
        """Why the agrément does not allow new contracts on ``on``, or ``None``."""
        from .french import numeric_date_fr

        if self.suspended:
            return _("its agrément is suspended")
        if on < self.agrement_date:
            return _("its agrément only starts on {date}").format(
                date=numeric_date_fr(self.agrement_date)
            )
        if on >= self.agrement_expires:
            return _("its agrément expired on {date}").format(
                date=numeric_date_fr(self.agrement_expires)
            )
        return None


class Agrement(_Model):
    """One prefectoral agrément a provider held: in force from ``date`` until ``until``
    (the date of the agrément that renewed it) or its expiry six years on."""

    id: int | None = None
    provider_id: int
    numero: Text
    prefecture: Text
    date: Day
    expires: Day
    #: The day the next agrément took over; ``None`` while this one is the latest.
    until: Day | None = None
    recorded_at: datetime


class MailTerms(_Model):
    """What an offer includes of the mailbox, and what it charges beyond.

    Allowances count per calendar month (reset on the 1st); ``None`` is no limit. Money is
    in cents before VAT. A piece is stored free for ``free_days`` (by kind), then costs
    ``storage_fee_cents`` a day until its final action; paper kept ``retention_days`` is
    destroyed (when scanned) or returned to its sender, unless forwarded or collected.
    """

    pieces_per_month: Annotated[int, Field(ge=0, le=100_000)] | None = None
    pages_per_month: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    piece_fee_cents: Annotated[int, Field(ge=0, le=100_000)] = 0
    page_fee_cents: Annotated[int, Field(ge=0, le=100_000)] = 0
    letter_free_days: Annotated[int, Field(ge=0, le=365)] = 30
    parcel_free_days: Annotated[int, Field(ge=0, le=365)] = 14
    storage_fee_cents: Annotated[int, Field(ge=0, le=100_000)] = 0
    retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    forward_fee_cents: Annotated[int, Field(ge=0, le=100_000)] = 0

    def free_days(self, kind: str) -> int:
        """How long a piece of this kind is stored free."""
        return self.parcel_free_days if kind == "colis" else self.letter_free_days


class Offer(_Model):
    """A priced offer a provider publishes in the directory."""

    id: int | None = None
    provider_id: int
    name: Text
    price_ht_cents: int = Field(gt=0, le=MAX_CENTS)
    period: Literal["month", "quarter", "year"] = "month"
    commitment_months: int = Field(3, ge=3, le=120)
    setup_fee_cents: int = Field(0, ge=0, le=MAX_CENTS)
    services: list[str] = Field(default_factory=lambda: ["domiciliation"])
    is_default: bool = False
    #: What it includes of the mailbox, and what it charges beyond.
    mail_terms: MailTerms = Field(default_factory=lambda: MailTerms())
    created_at: datetime | None = None

    @model_validator(mode="after")
    def _first_payment_within_bound(self) -> Self:
        # The first payment (price + setup fee, VAT at most 20 %) is an amount too.
        first = self.price_ht_cents + self.setup_fee_cents
        if first + vat_amount(first, 2000) > MAX_CENTS:
            from .french import format_eur

            raise ValueError(
                "price_ht_cents: "
                + _(
                    "with the setup fee and VAT the first payment would be more than {limit}, "
                    "the largest amount domicili handles"
                ).format(limit=format_eur(MAX_CENTS))
            )
        return self

    @property
    def period_months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.period]

    @property
    def monthly_ht_cents(self) -> int:
        """Price per month before VAT, rounded to the cent (to compare offers)."""
        return round(self.price_ht_cents / self.period_months)

    @property
    def first_payment_ht_cents(self) -> int:
        """First period plus the setup fee, before VAT."""
        return self.price_ht_cents + self.setup_fee_cents


class Person(_Model):
    """A natural person: the entrepreneur, or a company's legal representative."""

    first_name: Text
    last_name: Text
    birth_date: Day | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text | None = None
    postcode: Postcode | None = None
    city: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _local_phone(cls, data: Any, info: Any) -> Any:
        return _phones_where(data, info, postcode=_postcode_of(data), fields=("phone",))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class BeneficialOwner(_Model):
    """A person holding more than 25 % of capital or votes, or control (CMF R561-1)."""

    first_name: Text
    last_name: Text
    birth_date: Day | None = None
    nationality: Text | None = None
    share_percent: float = Field(gt=0, le=100)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Client(_Model):
    """The business asking to be domiciled: an individual entrepreneur or a company."""

    id: int | None = None
    kind: Literal["individual", "company"]
    name: Text
    legal_form: Text | None = None
    siren: Siren | None = None
    en_formation: bool = False
    activity: Text | None = None
    email: Email
    phone: Phone
    representative: Person
    beneficial_owners: list[BeneficialOwner] = Field(default_factory=list)
    created_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _local_phone(cls, data: Any, info: Any) -> Any:
        # The business is reached where its representative lives (its seat is the
        # domiciliation address, which it does not have yet).
        postcode = _postcode_of(data.get("representative")) if isinstance(data, dict) else None
        return _phones_where(data, info, postcode=postcode, fields=("phone",))

    @model_validator(mode="after")
    def _registration(self) -> Self:
        if self.en_formation and self.siren:
            raise ValueError(
                "en_formation: " + _("a business still being registered has no SIREN yet")
            )
        if not self.en_formation and not self.siren:
            raise ValueError("siren: " + _("required unless en_formation is true"))
        if self.kind == "individual" and self.beneficial_owners:
            raise ValueError("beneficial_owners: " + _("only a company declares beneficial owners"))
        total = sum(o.share_percent for o in self.beneficial_owners)
        if total > 100.0001:
            raise ValueError(
                "beneficial_owners: "
                + _("shares add up to {total} %, more than 100 %").format(total=f"{total:g}")
            )
        return self

    @property
    def is_company(self) -> bool:
        return self.kind == "company"

    @property
    def display_name(self) -> str:
        if self.is_company and self.en_formation:
            return f"{self.name} (en formation)"
        return self.name


class Dossier(_Model):
    """One client's request to one provider, then its contract file."""

    id: int | None = None
    provider_id: int
    client_id: int
    status: Status = Status.DRAFT
    amount_due_cents: int = Field(ge=0, le=MAX_CENTS, default=0)
    offer_id: int | None = None
    payment_due_at: datetime | None = None
    accepted_at: datetime | None = None
    #: Internal only: never sent to the client (CMF L561-18).
    dismissal_reason: str | None = None
    #: The offer as it stood when the client asked: contract and first invoice use it.
    terms: Offer | None = None
    #: First day of the domiciliation (set when the first payment is recorded).
    start_date: date | None = None
    #: SHA-256 of the contract PDF sent for signature; a signature binds exactly this.
    contract_sha256: str | None = None
    contract_sent_at: datetime | None = None
    #: SHA-256 of the contract with its signature certificate (both parties signed).
    signed_contract_sha256: str | None = None
    #: Since when mail service is suspended for non-payment (dunning); None: it is not.
    mail_suspended_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def reference(self) -> str:
        return f"D-{self.id:06d}" if self.id is not None else "D-nouveau"

    @property
    def where(self) -> str:
        """``Dossier 3 is S4 (Domiciliation en cours)``: how refusals name its status."""
        return _("Dossier {dossier_id} is {status} ({label})").format(
            dossier_id=self.id, status=self.status.code, label=self.status.label
        )


class JustificatifRevision(_Model):
    """One submitted file for one kind of piece; every revision is kept."""

    id: int | None = None
    dossier_id: int
    kind: str
    revision: int = Field(ge=1)
    state: JustificatifState
    sha256: str
    filename: str
    content_type: str
    size: int
    submitted_at: datetime
    reviewed_at: datetime | None = None
    reason: str | None = None


class Invoice(_Model):
    """An issued invoice or credit note (immutable); ``data`` is what was printed."""

    id: int | None = None
    provider_id: int
    number: str
    series: str
    sequence: int
    kind: Literal["invoice", "credit_note"]
    dossier_id: int | None
    client_id: int | None
    issue_date: date
    due_date: date
    period_start: date | None = None
    period_end: date | None = None
    total_ht_cents: int
    total_vat_cents: int
    total_ttc_cents: int
    credited_invoice_id: int | None = None
    reason: str | None = None
    data: dict[str, Any]
    pdf_sha256: str
    created_at: datetime


class Event(_Model):
    """One entry of the hash-chained audit log."""

    id: int
    at: datetime
    type: str
    dossier_id: int | None
    provider_id: int | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


class Attachment(_Model):
    """A file sent with an email: stored content-addressed, named for the reader."""

    filename: str
    content_type: str = "application/pdf"
    sha256: str
    #: Where the bytes are, filled in just before delivery (not stored).
    path: str | None = None
    #: Set for an image shown inside the HTML part (``<img src="cid:…">``), such as the
    #: logo, rather than attached for download.
    content_id: str | None = None


class Payment(_Model):
    """Money received (or attempted) for a dossier, from any payment adapter.

    A *held* payment is money received that could not be applied (wrong amount or
    currency, dossier not awaiting payment, no dossier found): kept, with why in
    ``review_reason``, until staff apply it to a dossier or refund it. One that names
    no dossier known to the session has no ``dossier_id``; one that matches no
    provider either has no ``provider_id`` and is the operator's to resolve.
    """

    id: int | None = None
    dossier_id: int | None = None
    provider_id: int | None = None
    adapter: str
    method: str
    external_id: str | None = None
    #: The adapter's event that reported the payment (None for older records).
    event_id: str | None = None
    amount_cents: int = Field(le=MAX_CENTS)
    #: ISO 4217 code, upper case; only ``EUR`` is ever applied to a dossier.
    currency: str = "EUR"
    #: succeeded | failed | pending | held (kept for review, not applied) | refunded
    #: (a held payment the bank paid back)
    status: Literal["succeeded", "failed", "pending", "held", "refunded"]
    reference: str | None = None
    review_reason: str | None = None
    invoice_id: int | None = None
    #: When a held payment was applied or refunded by staff.
    resolved_at: datetime | None = None
    #: The bank's reference of the refund of a held payment.
    refund_reference: str | None = None
    created_at: datetime
    updated_at: datetime


class Receivable(_Model):
    """One period billed to a contract in force, from its issue to its settlement.

    Its invoice's number and content are fixed as it is issued (``data``, the invoice
    as the document states it); the document itself is made right after
    (``invoice_id``). Then it is collected — by SEPA direct debit on
    ``collection_date`` under a mandate, by charging the card the client saved that
    day, or by the client's transfer — and ends
    ``paid``, or ``unpaid`` (a debit the bank sent back or a card declined,
    ``return_reason``; past due),
    chased by the dunning steps done so far (``dunning_step``).
    """

    id: int | None = None
    provider_id: int
    dossier_id: int
    period_start: date
    period_end: date
    number: str
    series: str
    sequence: int
    issue_date: date
    due_date: date
    amount_cents: int = Field(ge=0, le=MAX_CENTS)
    #: ``sepa`` (a mandate is on file), ``card`` (a card saved at the payment service)
    #: or ``transfer`` (payment instructions sent).
    collection: Literal["sepa", "card", "transfer"]
    #: SEPA or card: the day the debit is presented or the card charged, as the invoice
    #: announced it.
    collection_date: date | None = None
    mandate_reference: str | None = None
    #: SEPA: FRST, RCUR or OOFF, from the mandate's use when it was issued.
    sequence_type: str | None = None
    data: dict[str, Any]
    invoice_id: int | None = None
    #: open (awaiting payment) | paid | unpaid (a debit returned)
    state: Literal["open", "paid", "unpaid"] = "open"
    paid_at: datetime | None = None
    payment_id: int | None = None
    #: The bank's reason code of the last return (AM04, MD06…).
    return_reason: str | None = None
    returned_at: datetime | None = None
    #: The direct-debit file it went in last (None: not exported since it was last
    #: presented) and the debit's name in it and in the bank's returns.
    export_id: int | None = None
    end_to_end_id: str | None = None
    #: How many times the debit was presented or the card charged (a retry after a
    #: return or a decline presents it again).
    presentations: int = 0
    #: Card: the card charged, and the key of the charge under way (None once its
    #: outcome is known): asked again with the same key, the service charges once.
    card_id: int | None = None
    charge_key: str | None = None
    #: The dunning steps done so far (0: none) and when the last one was.
    dunning_step: int = 0
    dunning_at: datetime | None = None
    created_at: datetime


class Signature(_Model):
    """One party's electronic signature of the exact contract sent (its SHA-256)."""

    id: int | None = None
    dossier_id: int
    party: Literal["client", "provider"]
    signer: str
    on_behalf_of: str | None = None
    signed_at: datetime
    document_sha256: str
    method: str
    code_check: str
    phone: str | None = None
    email: str | None = None


class OutboxMessage(_Model):
    """A notification queued with the change that caused it, delivered after commit."""

    id: int | None = None
    channel: Literal["email", "sms"]
    to: str
    subject: str | None
    body: str
    template: str
    dossier_id: int | None
    provider_id: int | None
    status: Literal["pending", "sent", "failed"] = "pending"
    attempts: int = 0
    last_error: str | None = None
    #: After a failed delivery: when the sweep tries the message again (the wait doubles
    #: after each failure, ``[notifications] retry_seconds``).
    next_attempt_at: datetime | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    #: Names the message in every delivery of it, whatever the database
    #: (``outbox-12.3f9a0c1b2d4e``): set when it is handed to a notifier; an email's
    #: Message-ID is ``<key@sender's domain>``, so that a retry is the same email.
    key: str | None = None
    #: The HTML part of an email (its text part is ``body``).
    html: str | None = None
    #: Where replies go: the provider's address, so that a reply reaches the provider.
    reply_to: str | None = None
    #: From: the name shown (the provider's) and the sending address (None: the
    #: notifier's own).
    from_name: str | None = None
    from_address: str | None = None
