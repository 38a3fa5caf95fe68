"""The plain data the documents are rendered from.

Every model is frozen: a document is a function of its data, and the same data
(``issued_at`` included) always gives the same bytes. Money is integer cents,
VAT rates are basis points (``2000`` = 20 %), as everywhere in domicili.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ..models import printable
from ..money import VatRule, vat_amount
from .debit import CardCharge, DirectDebit

__all__ = [
    "AttestationData",
    "CardCharge",
    "ClientData",
    "ContractData",
    "DirectDebit",
    "InvoiceData",
    "InvoiceLine",
    "PartyData",
    "ProviderData",
    "SignatureRecord",
    "VatGroup",
]


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(printable)
]
#: An optional text: may be absent, never holds control characters.
OptText = Annotated[str, AfterValidator(printable)] | None
Siren = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{3} ?\d{3} ?\d{3}$")]

#: Service code whose mail handling means opening the client's letters.
SCANNING = "numerisation"

#: How a direct-debited invoice says it is paid (BT-82).
DIRECT_DEBIT_MEANS = "prélèvement SEPA"
#: How an invoice charged to a saved card says it is paid (BT-82).
CARD_MEANS = "carte bancaire"

DEFAULT_PENALTY_RATE = "trois fois le taux d’intérêt légal"

#: The line of the first invoice that bills the setup fee, and its name on the contract.
SETUP_FEE_LABEL = "Frais d’ouverture de dossier"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class PartyData(_Frozen):
    """A person or business named on a document."""

    name: Text
    legal_form: OptText = None
    siren: Siren | None = None
    vat_number: OptText = None
    address: Text
    postcode: Text
    city: Text
    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"
    email: OptText = None
    phone: OptText = None
    #: Full name of the legal representative (company) or of the entrepreneur.
    representative: OptText = None

    @property
    def siren_compact(self) -> str | None:
        return self.siren.replace(" ", "") if self.siren else None


class ProviderData(PartyData):
    """The domiciliataire, with its prefectoral agrément."""

    agrement_numero: Text
    agrement_prefecture: Text
    agrement_date: date
    agrement_expires: date
    #: The capacity in which the representative signs ("gérant", "présidente").
    representative_quality: OptText = None
    #: Registry city for the "RCS <ville>" mention, when registered at the RCS.
    rcs_city: OptText = None
    #: Share capital, printed after the legal form when known.
    capital_cents: int | None = Field(default=None, ge=0)
    iban: OptText = None
    bic: OptText = None
    #: VAT paid on the debits (option of CGI art. 269-2-c): due when the invoice is issued.
    vat_on_debits: bool = False

    @model_validator(mode="after")
    def _agrement_dates(self) -> ProviderData:
        if self.agrement_expires <= self.agrement_date:
            raise ValueError("agrement_expires must be after agrement_date")
        return self


class ClientData(PartyData):
    """The domicilié: an individual entrepreneur or a company (possibly en formation)."""

    kind: Literal["individual", "company"]
    en_formation: bool = False
    #: Who signs for a company en formation, on its behalf.
    founder: OptText = None

    @model_validator(mode="after")
    def _formation(self) -> ClientData:
        if self.en_formation:
            if self.kind != "company":
                raise ValueError("only a company can be en formation")
            if not self.founder:
                raise ValueError("a company en formation needs its founder, who signs for it")
            if self.siren:
                raise ValueError("a company en formation has no SIREN yet")
        return self

    @property
    def signatory(self) -> str | None:
        return self.founder if self.en_formation else self.representative


def _services(value: object) -> object:
    """Accept ``[("numerisation", "Numérisation du courrier"), …]`` or a mapping."""
    if isinstance(value, dict):
        return tuple(value.items())
    return value


class ContractData(_Frozen):
    """A domiciliation contract (C. com. R123-168)."""

    reference: Text
    provider: ProviderData
    client: ClientData
    #: The domiciliation address: normally the provider's own.
    address: Text
    postcode: Text
    city: Text
    start_date: date
    term_months: int = Field(ge=3, le=120)
    notice_months: int = Field(default=1, ge=0, le=12)
    tacit_renewal: bool = True
    services: tuple[tuple[Text, Text], ...] = Field(min_length=1)
    price_ht_cents: int = Field(ge=0)
    period_label: Text = "mois"
    #: Billed once, with the first period: the first payment is both, VAT included.
    setup_fee_cents: int = Field(default=0, ge=0)
    vat: VatRule
    payment_terms: Text = "payable d’avance, par prélèvement ou virement"
    #: Months a company en formation has to bring its registration extract (Kbis).
    kbis_due_months: int = Field(default=3, ge=1, le=12)
    issued_at: datetime
    place: Text

    @model_validator(mode="before")
    @classmethod
    def _normalise_services(cls, values: object) -> object:
        if isinstance(values, dict) and "services" in values:
            values = {**values, "services": _services(values["services"])}
        return values

    @model_validator(mode="after")
    def _notice_fits(self) -> ContractData:
        if self.notice_months >= self.term_months:
            raise ValueError("notice_months must be shorter than term_months")
        return self

    @property
    def service_codes(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.services)

    @property
    def mail_opening(self) -> bool:
        """Whether the client authorises the provider to open its mail (scanning)."""
        return SCANNING in self.service_codes

    @property
    def vat_cents(self) -> int:
        return vat_amount(self.price_ht_cents, self.vat.rate_bp)

    @property
    def price_ttc_cents(self) -> int:
        return self.price_ht_cents + self.vat_cents

    @property
    def first_payment_ht_cents(self) -> int:
        return self.price_ht_cents + self.setup_fee_cents

    @property
    def first_payment_vat_cents(self) -> int:
        """VAT of the first payment, rounded once on its whole basis as the invoice does."""
        return vat_amount(self.first_payment_ht_cents, self.vat.rate_bp)

    @property
    def first_payment_ttc_cents(self) -> int:
        return self.first_payment_ht_cents + self.first_payment_vat_cents


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class SignatureRecord(_Frozen):
    """One electronic signature, as printed on the signature certificate."""

    party: Literal["provider", "client"]
    #: The signer's full name.
    name: Text
    #: The business signed for, when it differs from the signer (a company, en formation or not).
    on_behalf_of: OptText = None
    signed_at: datetime
    #: How the signature was made, e.g. "Code à usage unique envoyé par SMS".
    method: Text
    #: What was checked, e.g. "Code saisi correctement au 1er essai (+33 6 •• •• •• 78)".
    code_check: Text
    email: OptText = None
    ip_address: OptText = None


def is_sha256(value: str) -> bool:
    return bool(_SHA256.match(value))


class AttestationData(_Frozen):
    """An attestation de domiciliation, used to register the client's company."""

    reference: Text
    provider: ProviderData
    client: ClientData
    address: Text
    postcode: Text
    city: Text
    start_date: date
    term_months: int = Field(ge=3, le=120)
    tacit_renewal: bool = True
    issued_at: datetime
    place: Text
    #: The signatures of the contract, once both parties signed, and the SHA-256 of the
    #: contract they signed (as its signature certificate shows it): printed on the attestation.
    signatures: tuple[SignatureRecord, ...] = ()
    contract_sha256: str | None = None

    @model_validator(mode="after")
    def _signed(self) -> AttestationData:
        if bool(self.signatures) != (self.contract_sha256 is not None):
            raise ValueError("give the signatures with the SHA-256 of the contract they signed")
        if self.contract_sha256 is not None and not is_sha256(self.contract_sha256):
            raise ValueError("contract_sha256 must be 64 lowercase hexadecimal characters")
        return self

    @property
    def provider_signature(self) -> SignatureRecord | None:
        return next((s for s in self.signatures if s.party == "provider"), None)


class InvoiceLine(_Frozen):
    """One line of an invoice or credit note; credit notes carry positive amounts too."""

    description: Text
    period_start: date | None = None
    period_end: date | None = None
    quantity: int = Field(default=1, ge=1, le=1_000_000)
    unit_price_ht_cents: int = Field(ge=0, le=10**11)
    vat_rate_bp: int = Field(ge=0, le=10_000)

    @model_validator(mode="after")
    def _period(self) -> InvoiceLine:
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("give both period_start and period_end, or neither")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self

    @property
    def amount_ht_cents(self) -> int:
        return self.quantity * self.unit_price_ht_cents


class VatGroup(_Frozen):
    """The VAT of all the lines that share one rate."""

    rate_bp: int
    category: str
    basis_cents: int
    vat_cents: int


class InvoiceData(_Frozen):
    """An invoice or a credit note (CGI ann. II 242 nonies A, C. com. L441-9)."""

    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[\w./-]{1,35}$")]
    kind: Literal["invoice", "credit_note"] = "invoice"
    issue_date: date
    #: None for a credit note: it is refunded or set against a next invoice, never "due".
    due_date: date | None = None
    seller: ProviderData
    buyer: ClientData
    lines: tuple[InvoiceLine, ...] = Field(min_length=1)
    vat: VatRule
    credited_invoice_number: OptText = None
    #: The issue date of the credited invoice (BT-26), printed beside its number.
    credited_invoice_date: date | None = None
    #: A credit note cancels the credited invoice, or else corrects part of it.
    credit_cancels_invoice: bool = True
    credit_reason: OptText = None
    penalty_rate_text: Text = DEFAULT_PENALTY_RATE
    discount_text: Text = "aucun escompte n’est accordé en cas de paiement anticipé"
    payment_means_text: Text = "virement bancaire"
    #: The SEPA direct debit that collects the invoice: the invoice is its pre-notification.
    direct_debit: DirectDebit | None = None
    #: The charge of the client's saved card that collects the invoice.
    card_charge: CardCharge | None = None
    #: The day the invoice was settled, when it is issued already paid ("acquittée").
    paid_on: date | None = None
    issued_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> InvoiceData:
        if self.kind == "invoice" and self.due_date is None:
            raise ValueError("an invoice has a due date")
        if self.kind == "credit_note" and self.due_date is not None:
            raise ValueError("a credit note has no due date")
        if self.due_date is not None and self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        if self.kind == "credit_note" and not self.credited_invoice_number:
            raise ValueError("a credit note names the invoice it credits")
        if self.kind == "invoice" and self.credited_invoice_number:
            raise ValueError("only a credit note names a credited invoice")
        if self.vat.category == "S":
            if any(line.vat_rate_bp == 0 for line in self.lines):
                raise ValueError("a line at 0 % needs a VAT rule that does not apply VAT")
            if not self.seller.vat_number:
                raise ValueError("an invoice with VAT shows the seller's VAT number")
        elif any(line.vat_rate_bp != 0 for line in self.lines):
            raise ValueError("VAT is not applied: every line must be at 0 %")
        return self

    @model_validator(mode="before")
    @classmethod
    def _debit_means(cls, values: object) -> object:
        """A direct-debited invoice is paid "par prélèvement SEPA" unless told otherwise."""
        if isinstance(values, dict) and values.get("direct_debit") is not None:
            values = {"payment_means_text": DIRECT_DEBIT_MEANS, **values}
        if isinstance(values, dict) and values.get("card_charge") is not None:
            values = {"payment_means_text": CARD_MEANS, **values}
        return values

    @model_validator(mode="after")
    def _settled_and_credited(self) -> InvoiceData:
        if self.paid_on is not None and self.kind != "invoice":
            raise ValueError("only an invoice is issued paid")
        if self.direct_debit is not None:
            if self.kind != "invoice" or self.paid_on is not None:
                raise ValueError("only an invoice still to be paid is collected by direct debit")
            assert self.due_date is not None  # an invoice has one
            if not self.issue_date <= self.direct_debit.collection_date <= self.due_date:
                raise ValueError("the collection day is between the issue date and the due date")
        if self.card_charge is not None:
            if self.kind != "invoice" or self.paid_on is not None or self.direct_debit:
                raise ValueError("only an invoice still to be paid is charged to a card")
            assert self.due_date is not None
            if not self.issue_date <= self.card_charge.collection_date <= self.due_date:
                raise ValueError("the charge day is between the issue date and the due date")
        if self.credited_invoice_date is not None:
            if self.kind != "credit_note":
                raise ValueError("only a credit note names a credited invoice")
            if self.credited_invoice_date > self.issue_date:
                raise ValueError("credited_invoice_date is after the credit note's issue date")
        return self

    @property
    def vat_applied(self) -> bool:
        """Whether VAT applies (not in Guyane or Mayotte, CGI art. 294-1°)."""
        return self.vat.category != "O"

    @property
    def shown_seller(self) -> ProviderData:
        """The seller as the invoice names it, in the PDF and the XML alike: without a VAT
        number where VAT does not apply (EN 16931 BR-O-02)."""
        if self.vat_applied or not self.seller.vat_number:
            return self.seller
        return self.seller.model_copy(update={"vat_number": None})

    @property
    def shown_buyer(self) -> ClientData:
        """The buyer as the invoice names it (see :attr:`shown_seller`)."""
        if self.vat_applied or not self.buyer.vat_number:
            return self.buyer
        return self.buyer.model_copy(update={"vat_number": None})

    @property
    def billing_mode(self) -> str:
        """The French reform's billing framework (cadre de facturation, BT-23): S1 an
        invoice of services, S2 one already paid when it is issued."""
        return "S2" if self.paid_on is not None else "S1"

    @property
    def paid_cents(self) -> int:
        """What was paid before the invoice was issued (BT-113): all of it when acquittée."""
        return self.total_ttc_cents if self.paid_on is not None else 0

    @property
    def due_payable_cents(self) -> int:
        """What is left to pay (BT-115)."""
        return self.total_ttc_cents - self.paid_cents

    @property
    def type_code(self) -> str:
        """UNTDID 1001 document type: 380 commercial invoice, 381 credit note."""
        return "381" if self.kind == "credit_note" else "380"

    @property
    def vat_groups(self) -> tuple[VatGroup, ...]:
        """VAT per rate, each rounded half up once (EN 16931 BT-116/BT-117)."""
        return _vat_groups(self.lines, self.vat.category)

    @property
    def total_ht_cents(self) -> int:
        return sum(line.amount_ht_cents for line in self.lines)

    @property
    def total_vat_cents(self) -> int:
        return sum(group.vat_cents for group in self.vat_groups)

    @property
    def total_ttc_cents(self) -> int:
        return self.total_ht_cents + self.total_vat_cents


def _vat_groups(lines: Iterable[InvoiceLine], category: str) -> tuple[VatGroup, ...]:
    bases: dict[int, int] = {}
    for line in lines:
        bases[line.vat_rate_bp] = bases.get(line.vat_rate_bp, 0) + line.amount_ht_cents
    return tuple(
        VatGroup(
            rate_bp=rate,
            category=category,
            basis_cents=basis,
            vat_cents=vat_amount(basis, rate),
        )
        for rate, basis in sorted(bases.items(), reverse=True)
    )
