"""The ``Domicili`` facade: the public API and the one composition root.

Everything the CLI does is one call here, and an embedding application calls the
same methods::

    from domicili import Domicili

    with Domicili("domicili.db") as app:
        provider = app.add_provider(name="Domiciliation Lumière", siren="732829320", …)
        client, dossiers = app.create_demande("demande.yaml", to=[provider.id])
        app.review(dossiers[0].id, validate=["identite", "justificatif_domicile"])
        app.accept(dossiers[0].id)

Every state-changing call commits one transaction, then delivers the messages it
queued through the configured notifier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from . import einvoicing
from ._bootstrap import compose, remove_scratch
from ._cards import Cards
from ._directory import Directory
from ._mailroom import Mailroom
from ._mandates import Mandates
from .clock import Clock
from .config import Settings, load_settings
from .errors import DomiciliError
from .messages import MessageRenderer
from .ports import Notifier, PaymentGateway, SignatureMethod, Store

if TYPE_CHECKING:
    from .answers import DemandeAnswers
    from .documents.data import InvoiceLine
    from .models import (
        Client,
        Dossier,
        Invoice,
        JustificatifRevision,
        OutboxMessage,
        Payment,
        Receivable,
        Signature,
    )
    from .ports import LineItems, PaymentEvent
    from .service import (
        audit,
        billing,
        collection,
        dossiers,
        held,
        invoices,
        outbox,
        paperwork,
        payments,
        pieces,
        receipts,
        receivables,
        signatures,
        sweep,
        views,
    )
    from .service.audit import AuditReport
    from .service.billing import BillingReport
    from .service.collection import DebitExport, ReturnsReport
    from .service.invoices import ExportReport
    from .service.outbox import DeliveryReport
    from .service.payments import PaymentOutcome
    from .service.pieces import PieceView
    from .service.receipts import Receipt
    from .service.sweep import SweepReport
    from .service.views import DatabaseInfo, DossierDetails, DossierEntry
    from .statuses import Status
else:
    # Each use case's module is imported on its first call: listing dossiers does not
    # load payments, invoices or signatures (see benchmarks/bench_startup.py).
    from ._deferred import DeferredModule

    audit = DeferredModule("domicili.service.audit")
    billing = DeferredModule("domicili.service.billing")
    collection = DeferredModule("domicili.service.collection")
    dossiers = DeferredModule("domicili.service.dossiers")
    held = DeferredModule("domicili.service.held")
    invoices = DeferredModule("domicili.service.invoices")
    outbox = DeferredModule("domicili.service.outbox")
    paperwork = DeferredModule("domicili.service.paperwork")
    payments = DeferredModule("domicili.service.payments")
    pieces = DeferredModule("domicili.service.pieces")
    receivables = DeferredModule("domicili.service.receivables")
    receipts = DeferredModule("domicili.service.receipts")
    signatures = DeferredModule("domicili.service.signatures")
    sweep = DeferredModule("domicili.service.sweep")
    views = DeferredModule("domicili.service.views")

__all__ = ["Domicili"]

P = ParamSpec("P")
T = TypeVar("T")


class Domicili(Directory, Mandates, Cards, Mailroom):
    """One provider back office (or a whole directory) over one database.

    Each method is one call into the service layer; the directory's calls (providers,
    offers, search) come from :class:`~domicili._directory.Directory`, the SEPA
    mandates' from :class:`~domicili._mandates.Mandates`, the saved cards' from
    :class:`~domicili._cards.Cards`, the mailbox's from :class:`~domicili._mailroom.Mailroom`.

    :param db: path of the SQLite file (``":memory:"`` for a throw-away one), or a
        ``postgresql://user@host:5432/name`` URL of a PostgreSQL database.
    :param files: folder of the stored files (justificatifs, documents, outbox);
        default ``<db>-files`` beside a SQLite file; required with a database URL.
    :param provider: when set, every call is scoped to this provider's records.
    :param clock: the time source (default: ``DOMICILI_NOW`` if set, else real time).
    :param notifier: delivers messages (default: the one named in settings).
    :param payments: the payment gateway (default: ``[payment] gateway`` of the settings).
    :param signature_method: makes and checks signature codes (default: ``[signature] method``).
    :param create: create the database when the file does not exist.
    """

    def __init__(
        self,
        db: str | Path = "domicili.db",
        *,
        files: str | Path | None = None,
        settings: Settings | None = None,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        payments: PaymentGateway | None = None,
        signature_method: SignatureMethod | None = None,
        provider: int | None = None,
        create: bool = True,
        auto_deliver: bool = True,
    ) -> None:
        self.settings = settings or load_settings()
        built = compose(
            db,
            files=files,
            settings=self.settings,
            clock=clock,
            notifier=notifier,
            payments=payments,
            signature_method=signature_method,
            provider=provider,
            create=create,
            auto_deliver=auto_deliver,
        )
        self.ctx = built.ctx
        self.data_dir, self.outbox_dir = built.data_dir, built.outbox_dir
        self.auto_deliver = auto_deliver
        #: What the last state-changing call delivered, and what stayed queued (and why).
        self.last_delivery: DeliveryReport | None = None
        self._scratch = built.scratch
        if provider is not None:
            try:
                self.ctx.provider(provider)  # fail early on an unknown --provider
            except DomiciliError:
                self.close()
                raise

    # -- lifecycle --------------------------------------------------------------
    def close(self) -> None:
        self.ctx.store.close()
        self.ctx.head_anchor.close()
        remove_scratch(self._scratch)

    def __enter__(self) -> Domicili:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def payment_gateway(self) -> PaymentGateway:
        """The payment gateway in use (``payment_gateway.name``: ``checkout``, ``stripe``…)."""
        return self.ctx.payments

    def _changing(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a use case, then deliver the messages its committed transactions queued,
        within the delivery deadline; :attr:`last_delivery` tells what went out."""
        with outbox.delivery(self.ctx) as run:
            self.last_delivery = run.report
            try:
                result = fn(*args, **kwargs)
            finally:
                if self.auto_deliver:
                    outbox.deliver_committed(self.ctx)
        # The invoices it issued, to the e-invoicing platform once committed.
        einvoicing.hand_off_committed(self.ctx)
        return result

    def info(self) -> DatabaseInfo:
        """Where the database and its files are, its schema version, dossiers by status."""
        return views.database_info(self.ctx, files=self.data_dir, outbox=self.outbox_dir)

    # -- requests and dossiers ----------------------------------------------------
    def create_demande(
        self,
        answers: DemandeAnswers | dict[str, Any] | str | Path,
        to: Iterable[int],
        documents: dict[str, tuple[bytes, str]] | None = None,
        *,
        force: bool = False,
    ) -> tuple[Client, list[Dossier]]:
        """Send one questionnaire to several providers: one client, one dossier each (S1).

        ``answers`` is a :class:`DemandeAnswers`, a dict of the same shape, or the path
        of an answers file. ``documents`` maps a kind to ``(bytes, file name)`` and
        replaces the files named in the answers. A client who already has an open
        dossier with one of the providers is refused (:class:`DuplicateRequest`, naming
        it) unless ``force``.
        """
        return self._changing(
            dossiers.create_demande, self.ctx, answers, to, documents, force=force
        )

    def list_dossiers(
        self,
        status: Status | str | None = None,
        limit: int | None = None,
        *,
        before: int | None = None,
        search: str | None = None,
    ) -> list[Dossier]:
        """Dossiers, newest first; ``status`` as a :class:`Status`, a name or an S-code;
        ``before`` an id: only the dossiers below it (the page after one ending there);
        ``search``: only those whose client's name, email or SIREN, or whose reference,
        holds the text."""
        return list(self.iter_dossiers(status, limit, before=before, search=search))

    def iter_dossiers(
        self,
        status: Status | str | None = None,
        limit: int | None = None,
        *,
        before: int | None = None,
        search: str | None = None,
    ) -> Iterator[Dossier]:
        """:meth:`list_dossiers` read from the database as the caller consumes it (in
        batches: memory stays flat however many dossiers there are)."""
        return views.list_dossiers(self.ctx, status, limit=limit, before=before, search=search)

    def iter_dossier_entries(
        self,
        status: Status | str | None = None,
        limit: int | None = None,
        *,
        before: int | None = None,
        search: str | None = None,
    ) -> Iterator[DossierEntry]:
        """:meth:`iter_dossiers`, each dossier with its client's and provider's names."""
        return views.list_dossier_entries(
            self.ctx, status, limit=limit, before=before, search=search
        )

    @staticmethod
    def dossier_id(reference: str | int) -> int:
        """The number of the dossier a reference names: ``"D-000007"`` (any case) or
        ``"7"`` → 7; :class:`~domicili.errors.InvalidInput` for anything else."""
        return views.dossier_id(reference)

    def get_dossier(self, dossier_id: int) -> DossierDetails:
        return views.dossier_details(self.ctx, dossier_id)

    def accept(self, dossier_id: int) -> Dossier:
        return self._changing(dossiers.accept, self.ctx, dossier_id)

    def dismiss(self, dossier_id: int, reason: str) -> Dossier:
        return self._changing(dossiers.dismiss, self.ctx, dossier_id, reason)

    def reactivate(self, dossier_id: int) -> Dossier:
        return self._changing(dossiers.reactivate, self.ctx, dossier_id)

    # -- justificatifs ------------------------------------------------------------
    def add_justificatif(
        self, dossier_id: int, kind: str, file: str | Path | bytes, filename: str | None = None
    ) -> PieceView:
        """Attach a PDF, JPEG or PNG (a path, or bytes with their file name)."""
        return self._changing(pieces.add_justificatif, self.ctx, dossier_id, kind, file, filename)

    def justificatif_file(
        self, dossier_id: int, kind: str, revision: int | None = None
    ) -> tuple[JustificatifRevision, bytes]:
        """A piece's file as received (latest revision unless one is named), to review it."""
        return pieces.piece_file(self.ctx, dossier_id, kind, revision)

    def check_justificatif_file(self, path: str | Path) -> str:
        """The content type of a file a client means to send (PDF, JPEG or PNG, within the
        size limit), or :class:`~domicili.JustificatifRejected` saying why not: checked
        before a request is sent, as the request itself will check it."""
        return pieces.check_piece_file(self.ctx, path)

    def justificatifs(self, dossier_id: int) -> list[PieceView]:
        """Every applicable piece of a dossier with its current state."""
        return pieces.dossier_pieces(self.ctx, dossier_id)

    def review(
        self,
        dossier_id: int,
        *,
        validate: Iterable[str] = (),
        invalidate: dict[str, str] | None = None,
        seen: dict[str, int] | None = None,
    ) -> list[PieceView]:
        """One review save; the client receives one recap listing every piece.

        ``seen`` (kind → revision opened) refuses the save if a newer file arrived.
        """
        return self._changing(
            pieces.review,
            self.ctx,
            dossier_id,
            validate=list(validate),
            invalidate=invalidate,
            seen=seen,
        )

    # -- payments and signatures ------------------------------------------------
    def record_payment(
        self,
        dossier_id: int,
        *,
        method: str,
        amount_cents: int | None = None,
        reference: str | None = None,
    ) -> PaymentOutcome:
        """Staff record a transfer, cheque, card or cash payment (default: the amount due)."""
        return self._changing(
            payments.record_manual,
            self.ctx,
            dossier_id,
            method=method,
            amount_cents=amount_cents,
            reference=reference,
        )

    def simulate_checkout(
        self, token: str, *, succeed: bool = True, save_card: bool = False
    ) -> PaymentOutcome:
        """Pay (or fail) a simulated card-checkout link, as a client would; ``save_card``:
        the client keeps the card for its next invoices."""
        return self._changing(
            payments.simulate_checkout, self.ctx, token, succeed=succeed, save_card=save_card
        )

    def receive_webhook(self, payload: bytes, headers: Mapping[str, str]) -> PaymentOutcome:
        """Verify and apply a notification posted by the payment gateway's service (the
        request's body and headers, as received); answer it 200 unless this raises."""
        return self._changing(payments.receive_webhook, self.ctx, payload, headers)

    def handle_stripe_webhook(self, payload: bytes, signature_header: str) -> PaymentOutcome:
        """:meth:`receive_webhook` for Stripe, given its ``Stripe-Signature`` header alone
        (``[payment] gateway = "stripe"``)."""
        return self.receive_webhook(payload, {"Stripe-Signature": signature_header})

    def handle_payment_event(self, event: PaymentEvent) -> PaymentOutcome:
        """Apply an event from any payment adapter (idempotent by ``event.event_id``)."""
        return self._changing(payments.handle_payment_event, self.ctx, event)

    def list_payments(
        self,
        *,
        status: str | None = None,
        dossier_id: int | None = None,
        limit: int | None = None,
        before: int | None = None,
    ) -> list[Payment]:
        """Payments of this session, newest first; ``status="held"`` lists those kept for
        review (a session without a provider also sees those that match no provider);
        ``before`` an id: only the payments below it."""
        return list(
            self.iter_payments(status=status, dossier_id=dossier_id, limit=limit, before=before)
        )

    def iter_payments(
        self,
        *,
        status: str | None = None,
        dossier_id: int | None = None,
        limit: int | None = None,
        before: int | None = None,
    ) -> Iterator[Payment]:
        """:meth:`list_payments` read from the database as the caller consumes it."""
        return payments.list_payments(
            self.ctx, status=status, dossier_id=dossier_id, limit=limit, before=before
        )

    def apply_held_payment(self, payment_id: int, dossier_id: int) -> PaymentOutcome:
        """Apply a held payment to a dossier awaiting exactly that amount in euros, with
        every effect of a payment (invoice issued, contract sent for signature)."""
        return self._changing(held.apply_held, self.ctx, payment_id, dossier_id)

    def refund_held_payment(self, payment_id: int, reference: str) -> Payment:
        """Mark a held payment refunded by the bank (``reference``: the bank's); no money
        moves in domicili."""
        return self._changing(held.refund_held, self.ctx, payment_id, reference)

    def sign(
        self, dossier_id: int, party: str, code: str, *, document_sha256: str | None = None
    ) -> Signature:
        """Record a party's signature (``client`` or ``provider``) with its one-time code."""
        return self._changing(
            signatures.sign,
            self.ctx,
            dossier_id,
            party,
            code,
            document_sha256=document_sha256,
        )

    def resend_code(self, dossier_id: int, party: str) -> None:
        """Send a party a new signature code (after expiry or lock)."""
        self._changing(signatures.resend_code, self.ctx, dossier_id, party)

    def signatures(self, dossier_id: int) -> list[Signature]:
        return views.signatures(self.ctx, dossier_id)

    def signed_contract(self, dossier_id: int) -> bytes:
        """The contract with its signature certificate (once both parties signed)."""
        return paperwork.signed_contract(self.ctx, dossier_id)

    # -- documents and invoices -------------------------------------------------
    def render_contract(self, dossier_id: int) -> bytes:
        """The contrat de domiciliation as PDF (from acceptance on)."""
        return paperwork.render_contract(self.ctx, dossier_id)

    def render_attestation(self, dossier_id: int) -> bytes:
        """The attestation de domiciliation as PDF, only while the domiciliation is in force."""
        return paperwork.render_attestation(self.ctx, dossier_id)

    def issue_invoice(
        self,
        dossier_id: int,
        *,
        period_start: date,
        paid: bool = False,
        lines: list[InvoiceLine] | None = None,
    ) -> Invoice:
        """Issue the next invoice of a dossier (numbered in the provider's series)."""
        return self._changing(
            invoices.issue_invoice,
            self.ctx,
            dossier_id,
            period_start=period_start,
            paid=paid,
            lines=lines,
        )

    def list_invoices(
        self,
        *,
        year: int | None = None,
        month: int | None = None,
        dossier_id: int | None = None,
        limit: int | None = None,
        before: int | None = None,
    ) -> list[Invoice]:
        """Invoices and credit notes, newest first; ``before`` an id: only those below it."""
        return list(
            self.iter_invoices(
                year=year, month=month, dossier_id=dossier_id, limit=limit, before=before
            )
        )

    def iter_invoices(
        self,
        *,
        year: int | None = None,
        month: int | None = None,
        dossier_id: int | None = None,
        limit: int | None = None,
        before: int | None = None,
    ) -> Iterator[Invoice]:
        """:meth:`list_invoices` read from the database as the caller consumes it."""
        return invoices.list_invoices(
            self.ctx, year=year, month=month, dossier_id=dossier_id, limit=limit, before=before
        )

    def get_invoice(self, number: str) -> Invoice:
        return invoices.find_invoice(self.ctx, number)

    def invoice_pdf(self, number: str) -> bytes:
        """The Factur-X PDF exactly as issued."""
        return invoices.invoice_pdf(self.ctx, number)

    def credit_note(self, number: str, reason: str) -> Invoice:
        """Cancel an invoice with a credit note (avoir) in the same series."""
        return self._changing(invoices.credit_note, self.ctx, number, reason)

    def hand_off_invoice(self, number: str) -> Invoice:
        """Hand an issued invoice or credit note to the e-invoicing platform again
        (``[einvoicing]``); a document the platform already has is not written twice."""
        return einvoicing.hand_off_invoice(self.ctx, number)

    def export_invoices(
        self, folder: str | Path, *, year: int, month: int | None = None
    ) -> ExportReport:
        """Every invoice PDF of a year or month, and a CSV summary, into ``folder``."""
        return invoices.export(self.ctx, Path(folder), year=year, month=month)

    # -- the running contract ---------------------------------------------------
    def bill(
        self,
        period: str | None = None,
        *,
        documents: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> BillingReport:
        """Issue the invoices of the month ``period`` (``YYYY-MM``; None: this one) to
        every contract in force, then make and send their documents (unless
        ``documents`` is False: the next run, or :meth:`make_invoice_documents`, does).
        Safe to run again or after a stop: nothing is issued twice, nothing skipped."""
        return self._changing(
            billing.run,
            self.ctx,
            period=period,
            documents=documents,
            progress=progress,
            after_each=outbox.deliver_committed,
        )

    def record_invoice_paid(
        self,
        number: str,
        *,
        method: str = "transfer",
        reference: str | None = None,
        on: date | None = None,
    ) -> Receivable:
        """Record the payment of invoice ``number`` of a running contract (a transfer,
        a cheque…): its dunning stops, the mail service resumes if nothing else holds it."""
        return self._changing(
            receivables.record_paid, self.ctx, number, method=method, reference=reference, on=on
        )

    def receivable(self, number: str) -> Receivable:
        """Invoice ``number`` of a running contract: how it is paid and what became of it."""
        return receivables.find_receivable(self.ctx, number)

    def iter_receivables(
        self,
        *,
        dossier_id: int | None = None,
        unpaid: bool = False,
        limit: int | None = None,
        before: int | None = None,
    ) -> Iterator[Receivable]:
        """The invoices of the running contracts, newest first; ``unpaid``: still owed."""
        return receivables.list_receivables(
            self.ctx, dossier_id=dossier_id, unpaid=unpaid, limit=limit, before=before
        )

    def export_direct_debits(
        self,
        period: str,
        write: Callable[[bytes], None],
        *,
        format: str | None = None,
    ) -> DebitExport:
        """The SEPA debits to collect in the month ``period`` (``YYYY-MM``) of the
        provider in scope (or the only one with some) as one pain.008 file, checked
        against its schema and handed to ``write`` (``pain.008.001.08`` unless
        ``format`` or ``[billing] sepa_format`` says ``pain.008.001.02``)."""
        return self._changing(collection.export_debits, self.ctx, period, write, format=format)

    def apply_sepa_returns(self, data: bytes) -> ReturnsReport:
        """Apply a bank's rejects (pain.002) or returns (camt.054): each invoice named is
        unpaid with the bank's reason; the whole file, or nothing; never twice."""
        return self._changing(collection.apply_returns, self.ctx, data)

    def add_line_items(self, source: LineItems) -> None:
        """Add ``source``'s lines to the invoice of each period issued from now on: see
        :class:`~domicili.ports.LineItems`. The mailbox's fees (the offer's
        :class:`~domicili.models.MailTerms`) are there already, without asking."""
        self.ctx.line_items.append(source)

    def count_contracts_in_force(self) -> int:
        """How many contracts are in force: what a billing run looks at."""
        return billing.count_in_force(self.ctx)

    def make_invoice_documents(self) -> int:
        """Make and send the documents of the invoices issued without one yet."""
        return self._changing(billing.make_documents, self.ctx, after_each=outbox.deliver_committed)

    def receipts(self, *, year: int, month: int) -> list[Receipt]:
        """The payments received in a month (Paris dates), each with the invoice it
        settled and its VAT, oldest first: the encaissements of services taxed on receipt."""
        return receipts.receipts(self.ctx, year=year, month=month)

    # -- periodic work, outbox, audit -------------------------------------------
    def sweep(self) -> SweepReport:
        """Reminders and expiry, then a retry of every message still waiting."""
        return self._changing(sweep.run, self.ctx)

    def deliver(self) -> DeliveryReport:
        """Deliver (again) every message not sent yet (in a scoped session: the
        provider's), until the delivery deadline; the rest stays queued."""
        return self._changing(outbox.deliver_pending, self.ctx)

    def outbox(
        self,
        *,
        dossier_id: int | None = None,
        status: str | None = None,
        given_up: bool = False,
        limit: int | None = None,
        before: int | None = None,
    ) -> list[OutboxMessage]:
        """Queued and delivered messages, newest first (of one dossier when named);
        ``before`` an id: only the messages below it; ``given_up``: only the failed ones
        no delivery tries again (:meth:`retry_message` queues one again)."""
        return list(
            self.iter_outbox(
                dossier_id=dossier_id, status=status, given_up=given_up, limit=limit, before=before
            )
        )

    def iter_outbox(
        self,
        *,
        dossier_id: int | None = None,
        status: str | None = None,
        given_up: bool = False,
        limit: int | None = None,
        before: int | None = None,
    ) -> Iterator[OutboxMessage]:
        """:meth:`outbox` read from the database as the caller consumes it."""
        return outbox.list_messages(
            self.ctx,
            dossier_id=dossier_id,
            status=status,
            given_up=given_up,
            limit=limit,
            before=before,
        )

    def retry_message(self, message_id: int) -> OutboxMessage:
        """Send a failed message again now, its attempts counted from zero (an audit
        event); :attr:`last_delivery` tells whether it went. Refused for a message
        already delivered or one whose one-time code is not kept."""
        return self._changing(outbox.retry_message, self.ctx, message_id)

    def verify_audit(self, *, expected_head: str | None = None) -> AuditReport:
        """Check the log (its key, its anchored head, and ``expected_head``, a head
        ``audit_head`` gave earlier as ``ID:HASH``) and every record against it."""
        return audit.verify(self.ctx, expected_head=expected_head)

    def audit_head(self) -> dict[str, object]:
        """The last event (id, hash, time) to keep outside, and the head anchored beside
        the database's files."""
        return audit.head(self.ctx)

    @property
    def renderer(self) -> MessageRenderer:
        return self.ctx.renderer
