"""The ports domicili talks to, as ``typing.Protocol`` classes, in one place.

Built-in adapters implement them exactly as third-party ones do and are found
through entry-point groups (``domicili.notifiers``, ``domicili.payments``,
``domicili.signatures``): each group holds factories (:class:`NotifierFactory`,
:class:`PaymentGatewayFactory`, :class:`SignatureMethodFactory`) whose ``from_config``
builds the adapter once, when :class:`~domicili.app.Domicili` is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from .models import OutboxMessage

if TYPE_CHECKING:
    from .annuaire import SearchResult
    from .cards import Card, CardDetails
    from .config import PaymentSettings, SignatureSettings
    from .documents.data import InvoiceLine
    from .files import StoredFile
    from .mailbox import Mailbox, MailHistory, MailPiece
    from .mandates import Mandate, MandateAmendment
    from .models import (
        Agrement,
        Client,
        Dossier,
        Event,
        Invoice,
        JustificatifRevision,
        Offer,
        Payment,
        Provider,
        Receivable,
        Signature,
    )
    from .records import ContractToBill, EventLink, PaymentLink, SignatureCode
    from .statuses import Status

__all__ = [
    "BatchNotifier",
    "BillingRepository",
    "CardGateway",
    "CardRepository",
    "DirectoryRepository",
    "DossierRepository",
    "EventRepository",
    "FileStore",
    "MailRepository",
    "MandateRepository",
    "MessageRepository",
    "Notifier",
    "NotifierFactory",
    "PaymentEvent",
    "PaymentGateway",
    "PaymentGatewayFactory",
    "SignatureMethod",
    "SignatureMethodFactory",
    "SigningRepository",
    "Store",
    "UnitOfWork",
]


@dataclass(frozen=True)
class PaymentEvent:
    """What a payment adapter reports, whatever its source (staff, checkout, webhook).

    ``event_id`` is unique per adapter (replays are ignored); ``external_id`` names the
    payment itself at the adapter (several events may be about the same payment).
    ``dossier_id`` is the dossier the payer named, None when the event names none; an
    event that cannot be applied (no such dossier, another currency…) is still kept,
    as a held payment. ``amount_cents`` is in the currency's smallest unit.
    """

    adapter: str
    event_id: str
    kind: Literal["succeeded", "failed", "processing"]
    dossier_id: int | None
    amount_cents: int
    method: str
    external_id: str | None = None
    reference: str | None = None
    failure_reason: str | None = None
    occurred_at: datetime | None = None
    #: ISO 4217 code, upper case (``EUR``, ``USD``…).
    currency: str = "EUR"
    #: The invoice of the running contract a card charge was for (its receivable), when
    #: the event is about one; None for a first payment.
    receivable_id: int | None = None
    #: The card the client saved with this payment for the next invoices, if any.
    card: CardDetails | None = None


@runtime_checkable
class LineItems(Protocol):
    """More lines for the invoice of a contract's period (the mail beyond the offer, say),
    asked as each period is issued (:meth:`domicili.Domicili.add_line_items`).

    ``vat_rate_bp`` is the provider's VAT rate in basis points (2000: 20 %), to put on each
    line. Called inside the issuing transaction: it must not write elsewhere.
    """

    def lines(
        self, dossier: Dossier, period_start: date, period_end: date, vat_rate_bp: int
    ) -> Sequence[InvoiceLine]: ...


@runtime_checkable
class SignatureMethod(Protocol):
    """Makes and checks the one-time codes of a simple electronic signature."""

    #: How the signature is described on the certificate.
    label: str
    lifetime_minutes: int
    max_attempts: int

    def new_code(self) -> str: ...

    def digest(self, code: str, salt: str) -> str:
        """The digest kept for ``code``. ``salt`` is a per-code key (hex) derived from the
        stored salt and the secret key kept outside the database; it is never stored."""
        ...

    def matches(self, code: str, salt: str, digest: str) -> bool: ...


@runtime_checkable
class Notifier(Protocol):
    """Delivers one queued message (email or SMS).

    Raise :class:`~domicili.errors.AdapterError` when delivery failed and may be
    retried; the message stays queued and is tried again by the next delivery run.
    Its ``reason`` (``"the server did not answer"``) is what the report of the
    change says after the message's recipient. ``message.key`` names the message in
    every retry (the same key twice is the same message: send it once).

    A notifier that can deliver several messages over one connection also offers
    :meth:`BatchNotifier.batch`; one that does not is handed the messages one by one.
    """

    def deliver(self, message: OutboxMessage) -> None: ...


@runtime_checkable
class BatchNotifier(Notifier, Protocol):
    """A notifier that delivers a run of messages over one connection (SMTP…)."""

    def batch(self, *, deadline: float) -> AbstractContextManager[Notifier]:
        """A session for one delivery run: its ``deliver`` sends one message over the
        session's connection, opened on the first message and closed when the context
        ends. ``deadline`` is a :func:`time.monotonic` instant: no wait of the session
        (connecting, each answer of the server) lasts beyond it."""
        ...


@runtime_checkable
class NotifierFactory(Protocol):
    """What the ``domicili.notifiers`` group holds: usually the notifier class itself."""

    def from_config(self, options: dict[str, Any], *, outbox_dir: Path) -> Notifier:
        """The notifier for the ``[notifications] options`` table; ``outbox_dir`` is the
        database's outbox folder, for a notifier that writes files."""
        ...


@runtime_checkable
class SignatureMethodFactory(Protocol):
    """What the ``domicili.signatures`` group holds: usually the method class itself."""

    def from_config(self, settings: SignatureSettings) -> SignatureMethod:
        """The method for the ``[signature]`` settings (code lifetime, attempts)."""
        ...


@runtime_checkable
class PaymentGateway(Protocol):
    """What a payment adapter offers the use cases; each turns what it receives into a
    :class:`PaymentEvent`, which the service layer applies the same way whatever its source.

    Refusals are :class:`~domicili.errors.PaymentRefused` with one sentence for a person.
    """

    #: The name it is registered under in ``domicili.payments`` (``[payment] gateway``).
    name: str

    def manual_payment(
        self, dossier_id: int, amount_cents: int, method: str, reference: str | None
    ) -> PaymentEvent:
        """The event of a payment staff received outside domicili (transfer, cheque,
        card terminal, cash); an unknown ``method`` is refused."""
        ...

    def open_link(self, dossier_id: int, amount_cents: int) -> str | None:
        """The token of a new online-payment link for the amount due, or None when this
        gateway takes no online payment."""
        ...

    def link_url(self, token: str) -> str | None:
        """The address a client pays a link at (None once the gateway takes no online
        payment, e.g. after its address was removed from the settings)."""
        ...

    def parse_webhook(
        self, payload: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        """Verify, then parse, a notification the payment service posted; None for an
        event type domicili does not use."""
        ...

    def simulate(
        self,
        token: str,
        dossier_id: int,
        amount_cents: int,
        *,
        succeed: bool,
        save_card: bool = False,
    ) -> PaymentEvent:
        """What the gateway's card form would report for a link (demos and tests);
        refused by a gateway that has no such form. ``save_card``: the client kept its
        card for the next invoices (the event's ``card``)."""
        ...


@runtime_checkable
class CardGateway(Protocol):
    """A payment gateway that charges a card the client saved (off-session), for the
    invoices of the running contract. A gateway without it leaves card clients' invoices
    to be paid by transfer."""

    def charge_card(
        self, card: Card, amount_cents: int, *, key: str, receivable: Receivable
    ) -> PaymentEvent:
        """Charge ``amount_cents`` to ``card`` for ``receivable``'s invoice.

        ``key`` names this charge: asked again with the same key (after a stop, say),
        the service must not charge twice but report the same charge. The event says
        ``succeeded``, ``failed`` (``failure_reason``: the decline code, such as
        ``insufficient_funds``) or ``processing`` (the outcome comes by webhook), with
        ``receivable_id`` set. A service that cannot be reached raises
        :class:`~domicili.errors.AdapterError`: the charge is asked again later.
        """
        ...


@runtime_checkable
class PaymentGatewayFactory(Protocol):
    """What the ``domicili.payments`` group holds: usually the gateway class itself."""

    def from_config(self, settings: PaymentSettings) -> PaymentGateway:
        """The gateway for the ``[payment]`` settings; secrets come from the environment."""
        ...


@runtime_checkable
class FileStore(Protocol):
    """Stored files (justificatifs, documents), content-addressed by their SHA-256.

    :class:`domicili.files.FileStore` keeps them in a folder (beside a SQLite file by
    default); another implementation may keep them elsewhere, shared by several servers.
    """

    def check(self, data: bytes, *, filename: str) -> str:
        """The content type of ``data`` if it may be stored, else
        :class:`~domicili.errors.JustificatifRejected` saying why (size, kind)."""
        ...

    def put(self, data: bytes, *, filename: str) -> StoredFile:
        """Store ``data`` (checked first) once under its SHA-256."""
        ...

    def read(self, sha256: str) -> bytes:
        """The stored bytes; :class:`~domicili.errors.StoredFileAltered` when they are
        missing or no longer match ``sha256``."""
        ...

    def path(self, sha256: str) -> Path:
        """A local file holding the stored bytes (notifiers attach it to emails)."""
        ...


# -- repositories -------------------------------------------------------------
class DirectoryRepository(Protocol):
    """Providers, their offers, and the directory search."""

    def insert_provider(self, provider: Provider) -> int: ...

    def update_provider(self, provider_id: int, **fields: Any) -> None: ...

    def get_provider(self, provider_id: int) -> Provider | None: ...

    def provider_id_by_siren(self, siren: str) -> int | None: ...

    def insert_agrement(self, agrement: Agrement) -> int: ...

    def update_agrement(self, agrement_id: int, **fields: Any) -> None: ...

    def agrements(self, provider_id: int) -> list[Agrement]:
        """Every agrément the provider held, the oldest first."""
        ...

    def list_providers(
        self, *, before: int | None = None, limit: int | None = None
    ) -> Iterator[Provider]:
        """Newest first (highest id), below ``before`` when given, read in batches."""
        ...

    def insert_offer(self, offer: Offer) -> int: ...

    def update_offer(self, offer: Offer) -> None: ...

    def get_offer(self, offer_id: int) -> Offer | None: ...

    def list_offers(self, provider_id: int | None = None) -> list[Offer]: ...

    def search_providers(
        self,
        *,
        on: date,
        departements: list[str] | None,
        services: list[str],
        max_monthly_ht_cents: int | None,
        sort: str = "price",
        limit: int | None = None,
        provider_id: int | None = None,
    ) -> list[SearchResult]: ...


class DossierRepository(Protocol):
    """Clients, dossiers, payment reminders, justificatif revisions and their files."""

    def insert_client(self, client: Client) -> int: ...

    def get_client(self, client_id: int) -> Client | None: ...

    def open_dossiers_of_clients_like(
        self, provider_ids: Sequence[int], *, siren: str | None, email: str
    ) -> list[tuple[int, int, str, str | None]]:
        """``(dossier id, provider id, client name, client SIREN)`` of the open dossiers
        with ``provider_ids`` of a client with this SIREN or email address, oldest first."""
        ...

    def insert_dossier(self, dossier: Dossier) -> int: ...

    def get_dossier(self, dossier_id: int, provider_id: int | None = None) -> Dossier | None: ...

    def update_dossier(self, dossier_id: int, **fields: Any) -> None: ...

    def list_dossier_entries(
        self,
        *,
        provider_id: int | None = None,
        status: Status | None = None,
        search: DossierSearch | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[Dossier, str, str]]:
        """Each dossier with its client's and its provider's names: newest first (highest
        id), below ``before`` when given, read in batches."""
        ...

    def dossiers_awaiting_payment_due_before(
        self, before: datetime, provider_id: int | None = None
    ) -> list[Dossier]: ...

    def has_pending_payment(self, dossier_id: int) -> bool: ...

    def close_payment_links(self, dossier_id: int, status: str, at: datetime) -> None: ...

    def count_dossiers_by_status(self, provider_id: int | None = None) -> dict[str, int]: ...

    def reminder_sent(self, dossier_id: int, deadline: datetime, days_before: int) -> bool: ...

    def record_reminder(
        self, dossier_id: int, deadline: datetime, days_before: int, at: datetime
    ) -> None: ...

    def record_blob(self, sha256: str, size: int, content_type: str, at: datetime) -> None: ...

    def insert_revision(self, rev: JustificatifRevision) -> int: ...

    def update_revision(self, revision_id: int, **fields: Any) -> None: ...

    def revisions(self, dossier_id: int) -> list[JustificatifRevision]: ...

    def current_states(self, dossier_id: int) -> dict[str, str]: ...

    def latest_revisions(self, dossier_id: int) -> dict[str, JustificatifRevision]: ...

    def invalidated_revision_with(
        self, dossier_id: int, sha256: str
    ) -> JustificatifRevision | None:
        """The latest invalidated revision of a dossier whose file has this SHA-256."""
        ...

    def dossiers_awaiting_signature(self, provider_id: int | None = None) -> list[Dossier]: ...


class ReceivableRepository(Protocol):
    """The running contract's billing: receivables, direct-debit files, returns."""

    def contracts_to_bill(
        self,
        statuses: Sequence[str],
        *,
        started_by: date,
        provider_id: int | None = None,
        after_id: int = 0,
        limit: int = 500,
    ) -> list[ContractToBill]: ...

    def insert_receivable(self, receivable: Receivable) -> int: ...

    def receivables_without_invoice(
        self, *, provider_id: int | None = None, after_id: int = 0, limit: int = 100
    ) -> list[Receivable]: ...

    def update_receivable(self, receivable_id: int, **fields: Any) -> None: ...

    def get_receivable(
        self, *, receivable_id: int | None = None, number: str | None = None, **equal: Any
    ) -> Receivable | None: ...

    def list_receivables(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        states: Sequence[str] = (),
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Receivable]: ...

    def receivables_due(
        self, *, due_by: date, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[Receivable]: ...

    def receivable_covering(self, dossier_id: int, day: date) -> Receivable | None: ...

    def set_mail_suspended(self, dossier_id: int, since: datetime | None) -> None: ...

    def sepa_debits_to_export(
        self, provider_id: int, *, collected_from: date, collected_to: date
    ) -> list[Receivable]: ...

    def providers_with_debits(self, *, collected_from: date, collected_to: date) -> list[int]: ...

    def insert_sepa_export(self, row: dict[str, Any]) -> int: ...

    def sepa_exports(self, provider_id: int | None, period: str) -> list[dict[str, Any]]: ...

    def mark_exported(self, export_id: int, debits: Sequence[tuple[int, str]]) -> None: ...

    def sepa_return_file(self, *, sha256: str, message_id: str) -> dict[str, Any] | None: ...

    def insert_sepa_return(self, row: dict[str, Any]) -> int: ...

    def receivables_by_end_to_end(
        self, end_to_end_ids: Sequence[str], provider_id: int | None = None
    ) -> dict[str, Receivable]: ...

    def insert_receivable_return(self, row: dict[str, Any]) -> int: ...


class BillingRepository(Protocol):
    """Invoices, their gapless series, payments, payment events and links."""

    def next_invoice_sequence(self, provider_id: int, series: str) -> int: ...

    def last_invoice_date(self, provider_id: int, series: str) -> date | None: ...

    def insert_invoice(self, invoice: Invoice) -> int: ...

    def invoices(
        self,
        *,
        provider_id: int | None = None,
        number: str | None = None,
        dossier_id: int | None = None,
        credited_invoice_id: int | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> list[Invoice]:
        """In series order; ``date_to`` is excluded."""
        ...

    def list_invoices(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Invoice]:
        """Newest first (highest id), below ``before`` when given, read in batches."""
        ...

    def invoice_numbers(self, invoice_ids: Iterable[int]) -> dict[int, str]: ...

    def record_payment_event(
        self, adapter: str, event_id: str, type_: str, at: datetime, outcome: str
    ) -> bool: ...

    def forget_payment_event(self, adapter: str, event_id: str) -> None: ...

    def set_payment_event_outcome(self, adapter: str, event_id: str, outcome: str) -> None: ...

    def insert_payment(self, payment: Payment) -> int: ...

    def update_payment(self, payment_id: int, **fields: Any) -> None: ...

    def get_payment(self, payment_id: int, provider_id: int | None = None) -> Payment | None:
        """With ``provider_id``, only that provider's payment (none matching no provider)."""
        ...

    def payment_by_external_id(self, adapter: str, external_id: str) -> Payment | None: ...

    def payments(
        self,
        *,
        dossier_id: int | None = None,
        provider_id: int | None = None,
        status: str | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Payment]:
        """Newest first (highest id), below ``before`` when given, read in batches."""
        ...

    def insert_payment_link(
        self, token: str, dossier_id: int, amount_cents: int, at: datetime
    ) -> None: ...

    def payment_link(self, token: str) -> PaymentLink | None: ...

    def open_payment_link(self, dossier_id: int) -> PaymentLink | None: ...

    def close_payment_link(self, token: str, status: str, at: datetime) -> None: ...


class MandateRepository(Protocol):
    """SEPA mandates and the values their amendments replaced."""

    def insert_mandate(self, mandate: Mandate) -> int: ...

    def update_mandate(self, mandate_id: int, **fields: Any) -> None: ...

    def insert_mandate_amendment(self, amendment: MandateAmendment) -> int: ...

    def get_mandate(self, mandate_id: int) -> Mandate | None: ...

    def mandates_by_reference(
        self, reference: str, provider_id: int | None = None
    ) -> list[Mandate]: ...

    def mandates_of_dossier(self, dossier_id: int) -> list[Mandate]: ...

    def dossiers_with_mandate(self, provider_id: int) -> set[int]: ...

    def active_mandate(self, dossier_id: int) -> Mandate | None: ...

    def mandate_reference_holder(self, provider_id: int, reference: str) -> int | None:
        """The mandate that has, or had before an amendment, this reference."""
        ...


class CardRepository(Protocol):
    """Cards saved for the dossiers' invoices, and the receivables charged to them."""

    def insert_card(self, card: Card) -> int: ...

    def update_card(self, card_id: int, **fields: Any) -> None: ...

    def get_card(self, card_id: int) -> Card | None: ...

    def cards_of_dossier(self, dossier_id: int) -> list[Card]: ...

    def active_card(self, dossier_id: int) -> Card | None: ...

    def dossiers_with_card(self, provider_id: int) -> set[int]: ...

    def card_charges_due(
        self, *, due_by: date, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[Receivable]: ...

    def receivable_by_charge(self, charge_key: str) -> Receivable | None: ...

    def mandate_reference_billed(self, provider_id: int, reference: str) -> bool: ...


class MailRepository(Protocol):
    """Mailboxes, pieces of mail, their history and the forwarding batches."""

    def insert_mailbox(self, mailbox: Mailbox) -> int: ...

    def update_mailbox(self, mailbox_id: int, **fields: Any) -> None: ...

    def get_mailbox(
        self, *, mailbox_id: int | None = None, dossier_id: int | None = None, **equal: Any
    ) -> Mailbox | None: ...

    def mailbox_numbers(self, provider_id: int) -> int: ...

    def mailboxes_waiting(
        self, *, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[tuple[Mailbox, datetime]]: ...

    def mailboxes_uncollected(
        self, *, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[tuple[Mailbox, datetime]]: ...

    def uncollected_pieces(self, mailbox_id: int) -> list[MailPiece]: ...

    def mailboxes_with_notice(self, provider_id: int | None = None) -> list[Mailbox]: ...

    def insert_piece(self, piece: MailPiece) -> int: ...

    def update_piece(self, piece_id: int, **fields: Any) -> None: ...

    def get_piece(
        self, *, piece_id: int | None = None, key: str | None = None, **equal: Any
    ) -> MailPiece | None: ...

    def list_pieces(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        states: Sequence[str] = (),
        kind: str | None = None,
        received_before: datetime | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[MailPiece]: ...

    def pieces_in(
        self,
        states: Sequence[str],
        *,
        provider_id: int | None = None,
        after_id: int = 0,
        limit: int = 500,
    ) -> list[MailPiece]: ...

    def digest_pieces(
        self,
        *,
        received_before: datetime,
        provider_id: int | None = None,
        after_id: int = 0,
        limit: int = 500,
    ) -> list[MailPiece]: ...

    def pieces_of_dossier_between(
        self, dossier_id: int, start: datetime | None, end: datetime
    ) -> list[MailPiece]: ...

    def pieces_received_between(
        self, start: datetime, end: datetime, *, provider_id: int | None = None
    ) -> list[MailPiece]: ...
    def first_scans_of_dossier(
        self, dossier_id: int, start: datetime | None, end: datetime
    ) -> dict[int, datetime]: ...

    def insert_mail_history(self, entry: MailHistory) -> int: ...

    def mail_history(self, piece_id: int) -> list[MailHistory]: ...

    def insert_mail_batch(self, row: dict[str, Any]) -> int: ...


class SigningRepository(Protocol):
    """Signature codes, signatures and their reminders."""

    def set_signature_code(
        self,
        dossier_id: int,
        party: str,
        salt: str,
        code_hash: str,
        expires_at: datetime,
        at: datetime,
    ) -> None: ...

    def signature_code(self, dossier_id: int, party: str) -> SignatureCode | None: ...

    def count_code_attempt(self, dossier_id: int, party: str, *, lock_at: int) -> int: ...

    def delete_signature_code(self, dossier_id: int, party: str) -> None: ...

    def insert_signature(self, signature: Signature) -> int: ...

    def signatures(self, dossier_id: int) -> list[Signature]: ...

    def signature_reminder_sent(self, dossier_id: int, party: str, day: int) -> bool: ...

    def record_signature_reminder(
        self, dossier_id: int, party: str, day: int, at: datetime
    ) -> None: ...
    def set_signature_code_channel(self, dossier_id: int, party: str, channel: str) -> None: ...


class MessageRepository(Protocol):
    """The outbox: messages queued, claimed, marked, withheld."""

    def withhold_message(self, message_id: int, reason: str) -> None: ...

    def explain_withheld_failures(self, message_ids: list[int]) -> None: ...

    def retire_withheld_messages(self, *, claimed_before: datetime) -> None: ...

    def queue_message(
        self,
        msg: OutboxMessage,
        *,
        claim: bool = False,
        clear_body: str | None = None,
        clear_html: str | None = None,
        withheld_reason: str | None = None,
    ) -> int: ...

    def claim_next_message(
        self,
        *,
        max_attempts: int,
        now: datetime,
        stale_after: timedelta,
        after_id: int = 0,
        provider_id: int | None = None,
        due_only: bool = False,
    ) -> OutboxMessage | None: ...

    def mark_message(
        self, message_id: int, error: str | None, at: datetime, retry_at: datetime | None = None
    ) -> str | None: ...

    def release_messages(self, message_ids: list[int], reason: str) -> dict[int, str]: ...

    def message(self, message_id: int) -> OutboxMessage | None: ...

    def withheld_reason(self, message_id: int) -> str | None: ...

    def requeue_message(self, message_id: int, now: datetime) -> OutboxMessage: ...

    def message_key(self, message_id: int) -> str: ...

    def database_identity(self) -> str: ...

    def list_messages(
        self,
        *,
        provider_id: int | None = None,
        dossier_id: int | None = None,
        status: str | None = None,
        given_up_after: int | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> Iterator[OutboxMessage]:
        """Newest first (highest id), below ``before`` when given, read in batches."""
        ...


class EventRepository(Protocol):
    """The hash-chained audit log (the hash itself is computed by the domain)."""

    def last_event_hash(self) -> str | None: ...

    def last_event(self) -> EventLink | None: ...

    def insert_event(self, link: EventLink) -> int: ...

    def events(self, dossier_id: int | None = None) -> list[Event]: ...

    def iter_event_links(self, batch: int = 10_000) -> Iterator[EventLink]: ...


class IntegrityRepository(Protocol):
    """What ``audit verify`` reads besides the log, streamed or by batches."""

    def first_keyed_event(self) -> int: ...

    def invoices_by_key(self, keys: Sequence[tuple[int | None, str]]) -> list[dict[str, Any]]: ...

    def count_rows(self, table: str) -> int: ...

    def invoice_keys(self) -> Iterator[tuple[int, int, str]]: ...

    def invoice_series_summary(self) -> list[tuple[int, str, int, int, int, int]]: ...

    def invoice_sequences(self, provider_id: int, series: str) -> list[int]: ...

    def signatures_of(self, dossier_ids: Sequence[int]) -> list[dict[str, Any]]: ...

    def signature_keys(self) -> Iterator[tuple[int, int, str]]: ...

    def dossier_status_events(
        self,
    ) -> Iterator[tuple[int, str, int | None, str | None, str]]: ...

    def blob_hashes(self) -> Iterator[str]: ...


class UnitOfWork(Protocol):
    """One write transaction per use case, and the messages to deliver once it commits."""

    #: Where the database is, as a person would name it (a path, or a URL without password).
    location: str
    #: Told after each commit that appended events (first id, its prev_hash, last id, hash).
    on_events_committed: Callable[[int, str, int, str], None] | None

    def transaction(self) -> AbstractContextManager[None]: ...

    def in_transaction(self) -> bool: ...

    def take_committed_messages(self) -> list[OutboxMessage]: ...

    def schema_version(self) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class DossierSearch:
    """What a search of dossiers matches (``dossier list --search TEXT``): any of them."""

    #: Lower-case text found anywhere in the client's name or email.
    text: str
    #: Digits a client's SIREN starts with.
    siren: str | None = None
    #: The dossier a reference (``D-000007``) names.
    dossier_id: int | None = None


class Store(
    DirectoryRepository,
    DossierRepository,
    BillingRepository,
    ReceivableRepository,
    MandateRepository,
    CardRepository,
    MailRepository,
    SigningRepository,
    MessageRepository,
    EventRepository,
    IntegrityRepository,
    UnitOfWork,
    Protocol,
):
    """Everything the service layer asks of a database: the SQLite and PostgreSQL
    stores implement it with one set of queries."""
