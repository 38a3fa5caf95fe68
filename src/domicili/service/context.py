"""What every use case needs: the store, files, adapters, clock, settings and the outbox.

A use case is a function ``f(ctx, …)`` that runs inside ``ctx.store.transaction()``,
checks, changes state, appends events and queues notifications in that same
transaction. Messages are delivered only after commit (:func:`deliver_pending`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from ..catalog import Catalog
from ..clock import Clock, iso
from ..config import Settings
from ..errors import DossierNotFound, InvalidTransition, ProviderNotFound
from ..keys import HeadAnchor, SecretKey
from ..messages import MessageRenderer
from ..models import Attachment, Client, Dossier, OutboxMessage, Provider
from ..ports import FileStore, LineItems, Notifier, PaymentGateway, SignatureMethod, Store
from ..records import GENESIS_HASH, EventLink, event_hash, to_json
from ..statuses import Status, allowed_triggers, fire

if TYPE_CHECKING:
    from ..einvoicing import EInvoicing, PendingHandOff
    from .outbox import Delivery

__all__ = ["SECRET_PLACEHOLDER", "Context"]

#: What the outbox keeps in place of a one-time code.
SECRET_PLACEHOLDER = "••••••"


@dataclass
class Context:
    """The composition of one Domicili instance, shared by every use case.

    The adapters are resolved once, when the facade is built: a use case calls the
    ports and never asks which adapter is behind them.
    """

    store: Store
    files: FileStore
    notifier: Notifier
    payments: PaymentGateway
    signatures: SignatureMethod
    clock: Clock
    settings: Settings
    #: The secret kept outside the database (HMAC of the audit chain and of the codes).
    secret: SecretKey
    #: The head of the audit chain, written beside the database's files after each commit.
    head_anchor: HeadAnchor
    catalog: Catalog = field(default_factory=Catalog)
    renderer: MessageRenderer = field(default_factory=MessageRenderer)
    #: When set, every lookup is limited to this provider's records.
    provider_scope: int | None = None
    #: Queue messages already claimed, for delivery right after commit (the facade does).
    deliver_after_commit: bool = False
    #: The delivery of the command under way (its deadline, its notifier session).
    delivery: Delivery | None = None
    #: Hands issued invoices to an e-invoicing platform's connector (None: not configured).
    einvoicing: EInvoicing | None = None
    #: Invoices issued since the last hand-off, handed once their transaction committed.
    einvoicing_pending: list[PendingHandOff] = field(default_factory=list)
    #: What adds lines to each period's invoice of a running contract.
    line_items: list[LineItems] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock.now()

    # -- lookups honouring tenancy ---------------------------------------------
    def provider(self, provider_id: int) -> Provider:
        if self.provider_scope is not None and provider_id != self.provider_scope:
            raise ProviderNotFound(provider_id)
        provider = self.store.get_provider(provider_id)
        if provider is None:
            raise ProviderNotFound(provider_id)
        return provider

    def dossier(self, dossier_id: int) -> Dossier:
        dossier = self.store.get_dossier(dossier_id, self.provider_scope)
        if dossier is None:
            raise DossierNotFound(dossier_id)
        return dossier

    def client(self, client_id: int) -> Client:
        client = self.store.get_client(client_id)
        if client is None:  # a dossier always has its client (foreign key)
            raise LookupError(f"client {client_id} missing")
        return client

    # -- state changes ---------------------------------------------------------
    def check_trigger(self, dossier: Dossier, trigger: str) -> None:
        """Refuse early, naming the status, when the table does not allow ``trigger``."""
        if trigger not in allowed_triggers(dossier.status):
            raise InvalidTransition(
                dossier.id or 0,
                dossier.status.value,
                dossier.status.label,
                trigger,
                allowed_triggers(dossier.status),
            )

    def move(self, dossier: Dossier, trigger: str, **fields: Any) -> Status:
        """Fire ``trigger`` on the status table, persist the new status and log it."""
        assert dossier.id is not None
        before = dossier.status
        self.check_trigger(dossier, trigger)
        after = fire(before, trigger)
        now = self.now()
        self.store.update_dossier(dossier.id, status=after, updated_at=now, **fields)
        self.event(
            f"dossier.{trigger}",
            dossier,
            {"from": before.code, "to": after.code, **_jsonable(fields)},
        )
        dossier.status = after
        for name, value in fields.items():
            # Read back as stored: times in UTC, whatever zone they were computed in.
            setattr(dossier, name, value.astimezone(UTC) if isinstance(value, datetime) else value)
        return after

    def event(
        self,
        type_: str,
        dossier: Dossier | None = None,
        data: dict[str, Any] | None = None,
        *,
        provider_id: int | None = None,
    ) -> int:
        at, data_json = self.now(), to_json(data or {})
        dossier_id = dossier.id if dossier else None
        provider_id = dossier.provider_id if dossier else provider_id
        prev = self.store.last_event_hash() or GENESIS_HASH
        digest = event_hash(
            prev, at, type_, dossier_id, provider_id, data_json, self.secret.chain_key
        )
        return self.store.insert_event(
            EventLink(0, at, type_, dossier_id, provider_id, data_json, prev, digest)
        )

    def notify(
        self,
        template: str,
        channel: Literal["email", "sms"],
        to: str,
        *,
        dossier: Dossier | None = None,
        provider_id: int | None = None,
        attachments: list[Attachment] | None = None,
        secret: str | None = None,
        withheld_reason: str | None = None,
        reply_to: str | None = None,
        **context: Any,
    ) -> int:
        """Render a message and queue it in the current transaction.

        A ``secret`` (a one-time code, ``{{ code }}`` in the template) is only in the text
        delivered right after commit: the outbox keeps :data:`SECRET_PLACEHOLDER` in its
        place, and should that delivery fail the message is not sent again
        (``withheld_reason`` says what to do instead). An email is from the provider,
        its replies to the provider unless ``reply_to`` says otherwise (see
        :mod:`.envelope`).
        """
        from .envelope import Envelope, envelope

        provider_id = dossier.provider_id if dossier else provider_id
        sent_as = Envelope(None, None, None, None)
        if channel == "email":
            if "provider" not in context and provider_id is not None:
                context["provider"] = self.store.get_provider(provider_id)
            sent_as = envelope(self, context.get("provider"), to, reply_to)
            context["logo_cid"] = sent_as.logo.content_id if sent_as.logo else None
        if secret is not None:
            context["code"] = SECRET_PLACEHOLDER
        rendered = self.renderer.render(template, channel, dossier=dossier, **context)
        clear = (
            None
            if secret is None
            else self.renderer.render(
                template, channel, dossier=dossier, **{**context, "code": secret}
            )
        )
        return self.store.queue_message(
            OutboxMessage.model_construct(  # fields built here, not typed by a person
                channel=channel,
                to=to,
                subject=rendered.subject,
                body=rendered.body,
                html=rendered.html,
                reply_to=sent_as.reply_to,
                from_name=sent_as.from_name,
                from_address=sent_as.from_address,
                template=template,
                dossier_id=dossier.id if dossier else None,
                provider_id=provider_id,
                status="pending",
                attempts=0,
                created_at=self.now(),
                attachments=[*(attachments or []), *([sent_as.logo] if sent_as.logo else [])],
            ),
            claim=self.deliver_after_commit,
            clear_body=clear.body if clear else None,
            clear_html=clear.html if clear else None,
            withheld_reason=withheld_reason,
        )


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in fields.items()}
