"""Numbered schema migrations, each recorded in the ``migrations`` table.

A migration is a function decorated with :func:`migration`; they run in order,
inside one ``BEGIN IMMEDIATE`` transaction each. A database that records a
migration this code does not know was made by a newer domicili and is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

from ..models import add_years

__all__ = [
    "AGREMENT_BACKFILL",
    "DELIVERY_INDEXES",
    "DUPLICATE_INDEXES",
    "EMAIL_ENVELOPE",
    "LIST_INDEXES",
    "MANDATE_INDEXES",
    "MIGRATIONS",
    "Migration",
    "migration",
]


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    apply: Callable[[sqlite_utils.Database], None]


MIGRATIONS: list[Migration] = []


def migration(
    number: int,
) -> Callable[[Callable[[sqlite_utils.Database], None]], Callable[[sqlite_utils.Database], None]]:
    def register(
        fn: Callable[[sqlite_utils.Database], None],
    ) -> Callable[[sqlite_utils.Database], None]:
        assert number == len(MIGRATIONS) + 1, "migrations are numbered 1, 2, …"
        MIGRATIONS.append(Migration(number, fn.__name__, fn))
        return fn

    return register


@migration(1)
def core_tables(db: sqlite_utils.Database) -> None:
    db.table("providers").create(
        {
            "id": int,
            "name": str,
            "legal_form": str,
            "siren": str,
            "vat_number": str,
            "agrement_numero": str,
            "agrement_prefecture": str,
            "agrement_date": str,
            "address": str,
            "postcode": str,
            "city": str,
            "departement": str,
            "email": str,
            "phone": str,
            "iban": str,
            "bic": str,
            "suspended": int,
            "suspension_reason": str,
            "created_at": str,
        },
        pk="id",
        not_null={
            "name",
            "siren",
            "agrement_numero",
            "agrement_prefecture",
            "agrement_date",
            "address",
            "postcode",
            "city",
            "email",
            "phone",
            "suspended",
            "created_at",
        },
        defaults={"suspended": 0},
    )
    db.table("providers").create_index(["siren"], unique=True)
    db.table("clients").create(
        {
            "id": int,
            "kind": str,
            "name": str,
            "legal_form": str,
            "siren": str,
            "en_formation": int,
            "activity": str,
            "email": str,
            "phone": str,
            "representative": str,
            "beneficial_owners": str,
            "created_at": str,
        },
        pk="id",
        not_null={
            "kind",
            "name",
            "en_formation",
            "email",
            "phone",
            "representative",
            "beneficial_owners",
            "created_at",
        },
    )
    db.table("dossiers").create(
        {
            "id": int,
            "provider_id": int,
            "client_id": int,
            "status": str,
            "amount_due_cents": int,
            "offer_id": int,
            "payment_due_at": str,
            "accepted_at": str,
            "dismissal_reason": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("provider_id", "providers", "id"), ("client_id", "clients", "id")],
        not_null={
            "provider_id",
            "client_id",
            "status",
            "amount_due_cents",
            "created_at",
            "updated_at",
        },
    )
    db.table("dossiers").create_index(["provider_id", "status"])
    db.table("dossiers").create_index(["status", "payment_due_at"])
    db.table("dossiers").create_index(["client_id"])
    db.table("blobs").create(
        {"sha256": str, "size": int, "content_type": str, "created_at": str},
        pk="sha256",
        not_null={"size", "content_type", "created_at"},
    )
    db.table("justificatifs").create(
        {
            "id": int,
            "dossier_id": int,
            "kind": str,
            "revision": int,
            "state": str,
            "sha256": str,
            "filename": str,
            "content_type": str,
            "size": int,
            "submitted_at": str,
            "reviewed_at": str,
            "reason": str,
        },
        pk="id",
        foreign_keys=[("dossier_id", "dossiers", "id"), ("sha256", "blobs", "sha256")],
        not_null={
            "dossier_id",
            "kind",
            "revision",
            "state",
            "sha256",
            "filename",
            "content_type",
            "size",
            "submitted_at",
        },
    )
    db.table("justificatifs").create_index(["dossier_id", "kind", "revision"], unique=True)
    db.table("events").create(
        {
            "id": int,
            "at": str,
            "type": str,
            "dossier_id": int,
            "provider_id": int,
            "data": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"at", "type", "data", "prev_hash", "hash"},
    )
    db.table("events").create_index(["dossier_id"])
    db.table("outbox").create(
        {
            "id": int,
            "channel": str,
            "recipient": str,
            "subject": str,
            "body": str,
            "template": str,
            "dossier_id": int,
            "provider_id": int,
            "status": str,
            "attempts": int,
            "last_error": str,
            "created_at": str,
            "claimed_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"channel", "recipient", "body", "template", "status", "attempts", "created_at"},
        defaults={"attempts": 0, "status": "pending"},
    )
    db.table("outbox").create_index(["status"])
    db.table("outbox").create_index(["dossier_id"])
    db.table("reminders").create(
        {"dossier_id": int, "deadline": str, "days_before": int, "sent_at": str},
        pk=("dossier_id", "deadline", "days_before"),
        foreign_keys=[("dossier_id", "dossiers", "id")],
        not_null={"sent_at"},
    )


@migration(2)
def annuaire(db: sqlite_utils.Database) -> None:
    """The directory: agrément expiry as data, served départements, services, offers."""
    db.table("providers").add_column("agrement_expires", str)
    db.table("provider_departements").create(
        {"provider_id": int, "departement": str},
        pk=("provider_id", "departement"),
        foreign_keys=[("provider_id", "providers", "id")],
    )
    db.table("provider_departements").create_index(["departement", "provider_id"])
    db.table("provider_services").create(
        {"provider_id": int, "service": str},
        pk=("provider_id", "service"),
        foreign_keys=[("provider_id", "providers", "id")],
    )
    db.table("provider_services").create_index(["service", "provider_id"])
    db.table("offers").create(
        {
            "id": int,
            "provider_id": int,
            "name": str,
            "price_ht_cents": int,
            "period": str,
            "commitment_months": int,
            "setup_fee_cents": int,
            "services": str,
            "is_default": int,
            "monthly_ht_cents": int,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("provider_id", "providers", "id")],
        not_null={
            "provider_id",
            "name",
            "price_ht_cents",
            "period",
            "commitment_months",
            "setup_fee_cents",
            "services",
            "is_default",
            "monthly_ht_cents",
            "created_at",
        },
    )
    db.table("offers").create_index(["provider_id", "monthly_ht_cents"])
    db.table("providers").create_index(["suspended", "agrement_expires"])
    # Providers registered before: agrément expiry, and they serve their own département.
    for provider_id, agrement_date, departement in db.execute(
        "SELECT id, agrement_date, departement FROM providers"
    ).fetchall():
        expires = add_years(date.fromisoformat(agrement_date), 6).isoformat()
        db.execute("UPDATE providers SET agrement_expires = ? WHERE id = ?", [expires, provider_id])
        db.execute("INSERT INTO provider_departements VALUES (?, ?)", [provider_id, departement])
        db.execute("INSERT INTO provider_services VALUES (?, 'domiciliation')", [provider_id])


@migration(3)
def invoices(db: sqlite_utils.Database) -> None:
    """Invoices and credit notes: one gapless series per provider, immutable once issued."""
    db.table("dossiers").add_column("start_date", str)
    db.table("invoice_series").create(
        {"provider_id": int, "series": str, "last_number": int},
        pk=("provider_id", "series"),
        foreign_keys=[("provider_id", "providers", "id")],
        not_null={"last_number"},
    )
    db.table("invoices").create(
        {
            "id": int,
            "provider_id": int,
            "number": str,
            "series": str,
            "sequence": int,
            "kind": str,
            "dossier_id": int,
            "client_id": int,
            "issue_date": str,
            "due_date": str,
            "period_start": str,
            "period_end": str,
            "total_ht_cents": int,
            "total_vat_cents": int,
            "total_ttc_cents": int,
            "credited_invoice_id": int,
            "reason": str,
            "data": str,
            "pdf_sha256": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[
            ("provider_id", "providers", "id"),
            ("dossier_id", "dossiers", "id"),
            ("client_id", "clients", "id"),
            ("credited_invoice_id", "invoices", "id"),
            ("pdf_sha256", "blobs", "sha256"),
        ],
        not_null={
            "provider_id",
            "number",
            "series",
            "sequence",
            "kind",
            "issue_date",
            "due_date",
            "total_ht_cents",
            "total_vat_cents",
            "total_ttc_cents",
            "data",
            "pdf_sha256",
            "created_at",
        },
    )
    db.table("invoices").create_index(["provider_id", "number"], unique=True)
    db.table("invoices").create_index(["provider_id", "series", "sequence"], unique=True)
    db.table("invoices").create_index(["dossier_id"])
    db.table("invoices").create_index(["issue_date"])
    db.table("invoices").create_index(["credited_invoice_id"])
    # An issued invoice is never edited nor deleted (CGI: corrections by credit note only).
    db.execute(
        "CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices "
        "BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be changed; issue a credit note'); END"
    )
    db.execute(
        "CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices "
        "BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be deleted; issue a credit note'); END"
    )


@migration(4)
def payments_and_signatures(db: sqlite_utils.Database) -> None:
    """First payment (links, events, payments) and the electronic signature of the contract."""
    db.table("dossiers").add_column("contract_sha256", str)
    db.table("dossiers").add_column("contract_sent_at", str)
    db.table("dossiers").add_column("signed_contract_sha256", str)
    db.table("outbox").add_column("attachments", str)
    db.table("payment_links").create(
        {
            "token": str,
            "dossier_id": int,
            "amount_cents": int,
            "status": str,
            "created_at": str,
            "closed_at": str,
        },
        pk="token",
        foreign_keys=[("dossier_id", "dossiers", "id")],
        not_null={"dossier_id", "amount_cents", "status", "created_at"},
    )
    db.table("payment_links").create_index(["dossier_id"])
    db.table("payment_events").create(
        {"adapter": str, "event_id": str, "type": str, "received_at": str, "outcome": str},
        pk=("adapter", "event_id"),
        not_null={"type", "received_at", "outcome"},
    )
    db.table("payments").create(
        {
            "id": int,
            "dossier_id": int,
            "provider_id": int,
            "adapter": str,
            "method": str,
            "external_id": str,
            "amount_cents": int,
            "status": str,
            "reference": str,
            "review_reason": str,
            "invoice_id": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[
            ("dossier_id", "dossiers", "id"),
            ("provider_id", "providers", "id"),
            ("invoice_id", "invoices", "id"),
        ],
        not_null={
            "dossier_id",
            "provider_id",
            "adapter",
            "method",
            "amount_cents",
            "status",
            "created_at",
            "updated_at",
        },
    )
    db.table("payments").create_index(["dossier_id"])
    db.table("payments").create_index(["adapter", "external_id"], unique=True)
    db.table("payments").create_index(["status"])
    db.table("signature_codes").create(
        {
            "dossier_id": int,
            "party": str,
            "salt": str,
            "code_hash": str,
            "expires_at": str,
            "attempts": int,
            "locked": int,
            "created_at": str,
        },
        pk=("dossier_id", "party"),
        foreign_keys=[("dossier_id", "dossiers", "id")],
        not_null={"salt", "code_hash", "expires_at", "attempts", "locked", "created_at"},
    )
    db.table("signatures").create(
        {
            "id": int,
            "dossier_id": int,
            "party": str,
            "signer": str,
            "on_behalf_of": str,
            "signed_at": str,
            "document_sha256": str,
            "method": str,
            "code_check": str,
            "phone": str,
            "email": str,
        },
        pk="id",
        foreign_keys=[("dossier_id", "dossiers", "id")],
        not_null={
            "dossier_id",
            "party",
            "signer",
            "signed_at",
            "document_sha256",
            "method",
            "code_check",
        },
    )
    db.table("signatures").create_index(["dossier_id", "party"], unique=True)
    db.table("signature_reminders").create(
        {"dossier_id": int, "party": str, "day": int, "sent_at": str},
        pk=("dossier_id", "party", "day"),
        foreign_keys=[("dossier_id", "dossiers", "id")],
        not_null={"sent_at"},
    )


@migration(5)
def code_channels_and_withheld_messages(db: sqlite_utils.Database) -> None:
    """How each signature code went (sms|email); messages whose text is not kept.

    A message carrying a one-time code is stored with the code replaced; the row in
    ``outbox_withheld`` says so, and why it cannot be sent again. A staff-recorded
    payment's key now names its dossier (the same cheque number at two dossiers is
    two payments).
    """
    db.table("signature_codes").add_column("channel", str)
    db.table("outbox_withheld").create(
        {"message_id": int, "reason": str},
        pk="message_id",
        foreign_keys=[("message_id", "outbox", "id")],
        not_null={"reason"},
    )
    db.execute(
        "UPDATE payments SET external_id = method || ':' || dossier_id || ':' || reference "
        "WHERE adapter = 'manual' AND external_id IS NOT NULL AND reference IS NOT NULL"
    )


@migration(6)
def dossier_terms(db: sqlite_utils.Database) -> None:
    """The terms a client asked for (offer, price, period, commitment), kept with the dossier.

    The contract and the first invoice are drawn from them, whatever the provider does
    to its offers afterwards.
    """
    db.table("dossiers").add_column("terms", str)


@migration(7)
def provider_representative(db: sqlite_utils.Database) -> None:
    """The name of the person who signs for the provider (contracts, certificates)."""
    db.table("providers").add_column("representative", str)


@migration(8)
def service_order(db: sqlite_utils.Database) -> None:
    """A provider's services keep the order they were given in, on every engine."""
    db.table("provider_services").add_column("position", int)
    db.execute("UPDATE provider_services SET position = rowid")


@migration(9)
def held_payments(db: sqlite_utils.Database) -> None:
    """Every payment received is kept, even one that names no dossier (then without
    dossier, or even without provider), with its currency and the adapter's event id;
    held payments are resolved (applied or refunded) by staff."""
    payments = db.table("payments")
    payments.add_column("event_id", str)
    payments.add_column("currency", str, not_null_default="EUR")
    payments.add_column("resolved_at", str)
    payments.add_column("refund_reference", str)
    payments.transform(not_null={"dossier_id": False, "provider_id": False})


#: Migration 10, the same statements on both engines: an index for every filter of the
#: ``list`` commands, each ending with ``id`` so that a page, newest first, is read from
#: the index without sorting; the invoice lookup by number alone. The indexes they
#: replace were prefixes of the new ones.
LIST_INDEXES: tuple[str, ...] = (
    "DROP INDEX idx_dossiers_provider_id_status",
    "CREATE INDEX idx_dossiers_provider_id_status_id ON dossiers (provider_id, status, id)",
    "CREATE INDEX idx_dossiers_provider_id_id ON dossiers (provider_id, id)",
    "CREATE INDEX idx_dossiers_status_id ON dossiers (status, id)",
    "DROP INDEX idx_outbox_status",
    "DROP INDEX idx_outbox_dossier_id",
    "CREATE INDEX idx_outbox_status_id ON outbox (status, id)",
    "CREATE INDEX idx_outbox_dossier_id_id ON outbox (dossier_id, id)",
    "CREATE INDEX idx_outbox_provider_id_status_id ON outbox (provider_id, status, id)",
    "CREATE INDEX idx_outbox_provider_id_id ON outbox (provider_id, id)",
    "CREATE INDEX idx_invoices_number ON invoices (number)",
    "CREATE INDEX idx_invoices_provider_id_id ON invoices (provider_id, id)",
    "CREATE INDEX idx_invoices_provider_id_issue_date ON invoices (provider_id, issue_date)",
    "DROP INDEX idx_invoices_dossier_id",
    "CREATE INDEX idx_invoices_dossier_id_id ON invoices (dossier_id, id)",
    "DROP INDEX idx_payments_status",
    "CREATE INDEX idx_payments_status_id ON payments (status, id)",
    "CREATE INDEX idx_payments_provider_id_status_id ON payments (provider_id, status, id)",
    "CREATE INDEX idx_payments_provider_id_id ON payments (provider_id, id)",
    "DROP INDEX idx_payments_dossier_id",
    "CREATE INDEX idx_payments_dossier_id_id ON payments (dossier_id, id)",
)


@migration(10)
def list_indexes(db: sqlite_utils.Database) -> None:
    """Lists that page: newest first by filter, invoices found by number alone."""
    for statement in LIST_INDEXES:
        db.execute(statement)


@migration(11)
def keyed_audit_chain(db: sqlite_utils.Database) -> None:
    """From here on the audit chain and the signature codes are keyed by the secret key
    kept outside the database (:mod:`domicili.keys`).

    ``audit_chain.first_keyed_event`` is the first event whose hash is an HMAC; the
    events before it keep their SHA-256 links. Codes issued before are expired: they
    were kept as a digest the database alone can test (a new code is one command away).
    """
    db.execute("CREATE TABLE audit_chain (first_keyed_event INTEGER NOT NULL)")
    db.execute("INSERT INTO audit_chain SELECT coalesce(max(id), 0) + 1 FROM events")
    db.execute("UPDATE signature_codes SET expires_at = created_at")


#: Migration 12, the same statements on both engines: the messages still to deliver, in
#: ``id`` order, all of them and by provider, so that ``outbox deliver`` and ``sweep`` (and
#: their scoped runs) read what is waiting, not the history of what went out.
DELIVERY_INDEXES: tuple[str, ...] = (
    "CREATE INDEX idx_outbox_deliverable_id ON outbox (id) "
    "WHERE status IN ('pending', 'failed', 'sending')",
    "CREATE INDEX idx_outbox_provider_id_deliverable_id ON outbox (provider_id, id) "
    "WHERE status IN ('pending', 'failed', 'sending')",
)


@migration(12)
def delivery_indexes(db: sqlite_utils.Database) -> None:
    """Delivery finds the waiting messages without reading the ones already sent."""
    for statement in DELIVERY_INDEXES:
        db.execute(statement)


#: Migration 13, the same statements on both engines (the table itself is made by each).
AGREMENT_BACKFILL = (
    "INSERT INTO provider_agrements (provider_id, numero, prefecture, date, expires, "
    "recorded_at) SELECT id, agrement_numero, agrement_prefecture, agrement_date, "
    "agrement_expires, created_at FROM providers"
)


@migration(13)
def agrement_history(db: sqlite_utils.Database) -> None:
    """Every agrément a provider held, from its date until the one that renewed it (a
    contract keeps the one in force when it was drawn up); the RCS city and share capital
    printed on documents."""
    db.table("providers").add_column("rcs_city", str)
    db.table("providers").add_column("share_capital_cents", int)
    db.table("providers").add_column("representative_quality", str)
    db.table("provider_agrements").create(
        {
            "id": int,
            "provider_id": int,
            "numero": str,
            "prefecture": str,
            "date": str,
            "expires": str,
            "until": str,
            "recorded_at": str,
        },
        pk="id",
        foreign_keys=[("provider_id", "providers", "id")],
        not_null={"provider_id", "numero", "prefecture", "date", "expires", "recorded_at"},
    )
    db.table("provider_agrements").create_index(["provider_id", "date"])
    db.execute(AGREMENT_BACKFILL)


#: Migration 14, the same statements on both engines: what an email is sent as (its
#: HTML part, Reply-To, From) kept with it in the outbox, and the address of the person
#: who signs for a provider.
EMAIL_ENVELOPE: tuple[str, ...] = (
    "ALTER TABLE outbox ADD COLUMN html TEXT",
    "ALTER TABLE outbox ADD COLUMN reply_to TEXT",
    "ALTER TABLE outbox ADD COLUMN from_name TEXT",
    "ALTER TABLE outbox ADD COLUMN from_address TEXT",
    "ALTER TABLE providers ADD COLUMN representative_email TEXT",
)


@migration(14)
def email_envelope(db: sqlite_utils.Database) -> None:
    """Emails from the provider: HTML part, Reply-To and From in the outbox; the
    representative's own address."""
    for statement in EMAIL_ENVELOPE:
        db.execute(statement)


#: Migration 15, the same statements on both engines: a request from a client who
#: already has an open dossier, and a file already invalidated, are found by index.
DUPLICATE_INDEXES: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS idx_clients_siren ON clients (siren)",
    "CREATE INDEX IF NOT EXISTS idx_clients_lower_email ON clients (lower(email))",
    "CREATE INDEX IF NOT EXISTS idx_justificatifs_dossier_id_sha256 "
    "ON justificatifs (dossier_id, sha256)",
)


@migration(15)
def duplicate_indexes(db: sqlite_utils.Database) -> None:
    """Clients found by SIREN and by email, files of a dossier by their SHA-256."""
    for statement in DUPLICATE_INDEXES:
        db.execute(statement)


#: Migration 16, the same statement on both engines: when a message whose delivery failed
#: is tried again (the sweep waits, doubling each time; staff's ``outbox deliver`` does not).
OUTBOX_RETRY: tuple[str, ...] = ("ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT",)


@migration(16)
def outbox_retry(db: sqlite_utils.Database) -> None:
    """The time a failed message is due to be tried again."""
    for statement in OUTBOX_RETRY:
        db.execute(statement)


def billing_statements(id_column: str, integer: str) -> tuple[str, ...]:
    """Migration 17 on either engine (``id_column``: how it spells an identity key,
    ``integer``: its integer type): the running contract's billing.

    ``receivables``: each period billed to a contract in force, its invoice's content
    and number fixed as it is issued (the document made right after, ``invoice_id``),
    then how it is collected and what became of it. ``sepa_exports``: the direct-debit
    files written; ``sepa_returns``: the reject and return files applied, each once;
    ``receivable_returns``: each debit a bank sent back. A dossier whose mail service is
    suspended for non-payment says since when.
    """
    return (
        f"""CREATE TABLE sepa_exports ({id_column},
        provider_id {integer} NOT NULL REFERENCES providers (id), period TEXT NOT NULL,
        format TEXT NOT NULL, message_id TEXT NOT NULL, debits {integer} NOT NULL,
        total_cents {integer} NOT NULL, sha256 TEXT NOT NULL, created_at TEXT NOT NULL)""",
        "CREATE UNIQUE INDEX idx_sepa_exports_message_id ON sepa_exports (message_id)",
        f"""CREATE TABLE receivables ({id_column},
        provider_id {integer} NOT NULL REFERENCES providers (id),
        dossier_id {integer} NOT NULL REFERENCES dossiers (id),
        period_start TEXT NOT NULL, period_end TEXT NOT NULL, number TEXT NOT NULL,
        series TEXT NOT NULL, sequence {integer} NOT NULL, issue_date TEXT NOT NULL,
        due_date TEXT NOT NULL, amount_cents {integer} NOT NULL, collection TEXT NOT NULL,
        collection_date TEXT, mandate_reference TEXT, sequence_type TEXT,
        data TEXT NOT NULL, invoice_id {integer} REFERENCES invoices (id),
        state TEXT NOT NULL, paid_at TEXT, payment_id {integer} REFERENCES payments (id),
        return_reason TEXT, returned_at TEXT,
        export_id {integer} REFERENCES sepa_exports (id), end_to_end_id TEXT,
        presentations {integer} NOT NULL, dunning_step {integer} NOT NULL, dunning_at TEXT,
        created_at TEXT NOT NULL)""",
        """CREATE UNIQUE INDEX idx_receivables_dossier_id_period_start
        ON receivables (dossier_id, period_start)""",
        """CREATE UNIQUE INDEX idx_receivables_provider_id_number
        ON receivables (provider_id, number)""",
        "CREATE INDEX idx_receivables_invoice_id ON receivables (invoice_id)",
        "CREATE INDEX idx_receivables_state_due_date ON receivables (state, due_date)",
        "CREATE INDEX idx_receivables_export_id ON receivables (export_id)",
        """CREATE UNIQUE INDEX idx_receivables_provider_id_end_to_end_id
        ON receivables (provider_id, end_to_end_id)""",
        f"""CREATE TABLE sepa_returns ({id_column},
        provider_id {integer} REFERENCES providers (id), message_id TEXT NOT NULL,
        kind TEXT NOT NULL, sha256 TEXT NOT NULL, returns {integer} NOT NULL,
        applied_at TEXT NOT NULL)""",
        "CREATE UNIQUE INDEX idx_sepa_returns_sha256 ON sepa_returns (sha256)",
        "CREATE UNIQUE INDEX idx_sepa_returns_message_id ON sepa_returns (message_id)",
        f"""CREATE TABLE receivable_returns ({id_column},
        receivable_id {integer} NOT NULL REFERENCES receivables (id),
        return_id {integer} NOT NULL REFERENCES sepa_returns (id),
        kind TEXT NOT NULL, reason TEXT NOT NULL, returned_on TEXT)""",
        """CREATE UNIQUE INDEX idx_receivable_returns_receivable_id_return_id
        ON receivable_returns (receivable_id, return_id)""",
        "ALTER TABLE dossiers ADD COLUMN mail_suspended_at TEXT",
    )


@migration(17)
def billing(db: sqlite_utils.Database) -> None:
    """The running contract's billing: periods invoiced, collected, exported, returned."""
    for statement in billing_statements("id INTEGER PRIMARY KEY", "INTEGER"):
        db.execute(statement)


#: Migration 18, the indexes of the mandate tables (the same on both engines): a
#: reference (RUM) is the provider's for good, a dossier's mandates found by dossier.
MANDATE_INDEXES: tuple[str, ...] = (
    "CREATE UNIQUE INDEX idx_mandates_provider_id_reference ON mandates (provider_id, reference)",
    "CREATE INDEX idx_mandates_dossier_id ON mandates (dossier_id)",
    "CREATE INDEX idx_mandate_amendments_mandate_id ON mandate_amendments (mandate_id)",
    "CREATE INDEX idx_mandate_amendments_reference ON mandate_amendments (reference)",
)


@migration(18)
def sepa_mandates(db: sqlite_utils.Database) -> None:
    """SEPA direct-debit mandates with the values each amendment replaced, and the
    provider's creditor identifier (ICS)."""
    db.table("providers").add_column("creditor_identifier", str)
    db.table("mandates").create(
        {
            "id": int,
            "provider_id": int,
            "dossier_id": int,
            "reference": str,
            "signed_on": str,
            "debtor_name": str,
            "iban": str,
            "bic": str,
            "bank_name": str,
            "first_collected_on": str,
            "revoked_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("provider_id", "providers", "id"), ("dossier_id", "dossiers", "id")],
        not_null={
            "provider_id",
            "dossier_id",
            "reference",
            "signed_on",
            "debtor_name",
            "iban",
            "created_at",
        },
    )
    db.table("mandate_amendments").create(
        {
            "id": int,
            "mandate_id": int,
            "amended_at": str,
            "reference": str,
            "iban": str,
            "bic": str,
            "debtor_name": str,
            "signed_on": str,
            "changed": str,
        },
        pk="id",
        foreign_keys=[("mandate_id", "mandates", "id")],
        not_null={"mandate_id", "amended_at", "reference", "iban", "debtor_name", "signed_on"},
    )
    for statement in MANDATE_INDEXES:
        db.execute(statement)


#: Migration 19, the same statement on both engines: a provider that opted to pay VAT on
#: its debits (CGI art. 269-2-c) says so on its invoices (BT-8 in their XML).
VAT_ON_DEBITS: tuple[str, ...] = (
    "ALTER TABLE providers ADD COLUMN vat_on_debits INTEGER NOT NULL DEFAULT 0",
)


@migration(19)
def vat_on_debits(db: sqlite_utils.Database) -> None:
    """Whether a provider pays VAT on its debits rather than on receipts."""
    for statement in VAT_ON_DEBITS:
        db.execute(statement)


def cards_statements(id_column: str, integer: str) -> tuple[str, ...]:
    """Migration 20 on either engine: what a client's invoices are collected through
    besides a recurring mandate.

    ``mandates.one_off``: a one-off mandate (OOFF) collects a single invoice. ``cards``:
    the card a client saved at the payment service for the next invoices, known by the
    service's token (never its number: only its brand, last four digits and expiry), until
    it is removed. A receivable collected by card names it, and the key of the charge in
    progress (the same charge asked again after a stop is not charged twice).
    """
    return (
        "ALTER TABLE mandates ADD COLUMN one_off INTEGER NOT NULL DEFAULT 0",
        f"""CREATE TABLE cards ({id_column},
        provider_id {integer} NOT NULL REFERENCES providers (id),
        dossier_id {integer} NOT NULL REFERENCES dossiers (id),
        adapter TEXT NOT NULL, token TEXT NOT NULL, customer TEXT, brand TEXT, last4 TEXT,
        exp_month {integer}, exp_year {integer}, created_at TEXT NOT NULL,
        removed_at TEXT, removed_reason TEXT)""",
        "CREATE INDEX idx_cards_dossier_id ON cards (dossier_id)",
        "CREATE INDEX idx_cards_adapter_token ON cards (adapter, token)",
        f"ALTER TABLE receivables ADD COLUMN card_id {integer} REFERENCES cards (id)",
        "ALTER TABLE receivables ADD COLUMN charge_key TEXT",
        "CREATE INDEX idx_receivables_charge_key ON receivables (charge_key)",
    )


@migration(20)
def cards_and_one_off_mandates(db: sqlite_utils.Database) -> None:
    """Saved cards, one-off mandates, and the card charge of a receivable."""
    for statement in cards_statements("id INTEGER PRIMARY KEY", "INTEGER"):
        db.execute(statement)


def mailbox_statements(id_column: str, integer: str) -> tuple[str, ...]:
    """Migration 21 on either engine: the virtual mailbox.

    ``mailboxes``: one per dossier in force, numbered in its provider's series, with the
    client's standing rules and what the 3-month rule watches. ``mail_pieces``: each piece
    of mail from its arrival to its final action (``key``: the caller's, a retry creates
    nothing new). ``mail_history``: every step of a piece. ``mail_batches``: the forwarding
    batches, with their postage. An offer says what it includes of the mailbox
    (``mail_terms``, JSON).
    """
    return (
        f"""CREATE TABLE mailboxes ({id_column},
        provider_id {integer} NOT NULL REFERENCES providers (id),
        dossier_id {integer} NOT NULL REFERENCES dossiers (id), number TEXT NOT NULL,
        rules TEXT NOT NULL, notify TEXT NOT NULL, forward_address TEXT,
        acknowledged_at TEXT, warned_at TEXT, greffe_notice_at TEXT,
        greffe_notice_sha256 TEXT, created_at TEXT NOT NULL)""",
        "CREATE UNIQUE INDEX idx_mailboxes_dossier_id ON mailboxes (dossier_id)",
        "CREATE UNIQUE INDEX idx_mailboxes_provider_id_number ON mailboxes (provider_id, number)",
        f"""CREATE TABLE mail_batches ({id_column},
        provider_id {integer} NOT NULL REFERENCES providers (id), created_at TEXT NOT NULL,
        pieces {integer} NOT NULL, envelopes {integer} NOT NULL,
        postage_cents {integer} NOT NULL, actor TEXT)""",
        f"""CREATE TABLE mail_pieces ({id_column},
        provider_id {integer} NOT NULL REFERENCES providers (id),
        mailbox_id {integer} REFERENCES mailboxes (id),
        dossier_id {integer} REFERENCES dossiers (id), key TEXT, kind TEXT NOT NULL,
        sender TEXT NOT NULL, received_at TEXT NOT NULL, state TEXT NOT NULL,
        hold_reason TEXT, envelope_sha256 TEXT, scan_sha256 TEXT, scan_pages {integer},
        forward_to TEXT, batch_id {integer} REFERENCES mail_batches (id),
        postage_cents {integer}, destroy_on TEXT, collected_by TEXT, notified_at TEXT,
        storage_warned_at TEXT, closed_at TEXT, created_at TEXT NOT NULL)""",
        "CREATE UNIQUE INDEX idx_mail_pieces_provider_id_key ON mail_pieces (provider_id, key)",
        "CREATE INDEX idx_mail_pieces_dossier_id_state ON mail_pieces (dossier_id, state)",
        "CREATE INDEX idx_mail_pieces_state ON mail_pieces (state)",
        "CREATE INDEX idx_mail_pieces_received_at ON mail_pieces (received_at)",
        f"""CREATE TABLE mail_history ({id_column},
        piece_id {integer} NOT NULL REFERENCES mail_pieces (id), at TEXT NOT NULL,
        action TEXT NOT NULL, actor TEXT, detail TEXT NOT NULL)""",
        "CREATE INDEX idx_mail_history_piece_id ON mail_history (piece_id)",
        "ALTER TABLE offers ADD COLUMN mail_terms TEXT",
    )


@migration(21)
def mailbox(db: sqlite_utils.Database) -> None:
    """The virtual mailbox: mailboxes, pieces of mail, their history, forwarding batches."""
    for statement in mailbox_statements("id INTEGER PRIMARY KEY", "INTEGER"):
        db.execute(statement)
