"""Built-in payment gateways: ``checkout`` (a simulated card checkout, the default) and
``stripe`` (Stripe webhooks), over one base that records staff payments and makes
card-payment links from ``[payment] checkout_url``.

Each turns what it receives into a :class:`~domicili.ports.PaymentEvent`; the service
layer applies events the same way whatever their source. ``[payment] gateway`` names
the one an install uses (entry-point group ``domicili.payments``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..cards import CardDetails
from ..errors import ConfigError, PaymentRefused
from ..french import PAYMENT_METHODS
from ..i18n import _
from ..money import MAX_CENTS
from ..ports import PaymentEvent

if TYPE_CHECKING:
    from typing import Self

    from ..cards import Card
    from ..config import PaymentSettings
    from ..models import Receivable
    from ..ports import PaymentGatewayFactory

Kind = Literal["succeeded", "failed", "processing"]

__all__ = [
    "BUILTIN",
    "MANUAL",
    "METHODS",
    "CheckoutGateway",
    "LinkGateway",
    "StripeGateway",
    "StripeWebhooks",
    "sign_stripe_payload",
]

#: Methods staff can record, with their French label.
METHODS = {m: PAYMENT_METHODS[m] for m in ("transfer", "cheque", "card", "cash")}
#: Where Stripe's API is (``[payment] stripe_api_url`` points elsewhere, e.g. a test server).
STRIPE_API = "https://api.stripe.com"
#: The source of staff-recorded payments, whatever the gateway: the same bank reference
#: is recognised as the same payment before and after the gateway changes.
MANUAL = "manual"


class LinkGateway:
    """What every built-in gateway shares: payments staff record, and links.

    A link is a token in the address of ``payment.checkout_url`` (``{token}`` is
    replaced); without that setting no link is opened. Webhooks and the simulated card
    form are refused unless a subclass takes them.
    """

    name = "links"

    def __init__(self, checkout_url: str | None = None) -> None:
        if checkout_url is not None and "{token}" not in checkout_url:
            raise ConfigError(
                _(
                    "payment.checkout_url must contain {token}, e.g. "
                    "https://paiement.example.fr/checkout/{token}."
                ),
                field="payment.checkout_url",
                value=checkout_url,
            )
        self.checkout_url = checkout_url

    @classmethod
    def from_config(cls, settings: PaymentSettings) -> Self:
        return cls(settings.checkout_url)

    def manual_payment(
        self, dossier_id: int, amount_cents: int, method: str, reference: str | None
    ) -> PaymentEvent:
        if method not in METHODS:
            raise PaymentRefused(
                _("Unknown payment method {method}; use one of {listed}.").format(
                    method=repr(method), listed=", ".join(METHODS)
                )
            )
        _check_amount(amount_cents)
        ref = reference.strip() if reference and reference.strip() else None
        return PaymentEvent(
            adapter=MANUAL,
            event_id=uuid.uuid4().hex,
            kind="succeeded",
            dossier_id=dossier_id,
            amount_cents=amount_cents,
            method=method,
            # The same bank reference twice for a dossier is the same payment recorded twice;
            # another dossier's payer may well use the same cheque or transfer number.
            external_id=f"{method}:{dossier_id}:{ref}" if ref else None,
            reference=ref,
        )

    def open_link(self, dossier_id: int, amount_cents: int) -> str | None:
        return None if self.checkout_url is None else "pl_" + uuid.uuid4().hex[:20]

    def link_url(self, token: str) -> str | None:
        return None if self.checkout_url is None else self.checkout_url.format(token=token)

    def parse_webhook(
        self, payload: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        raise PaymentRefused(
            _("The {name} payment gateway receives no webhooks.").format(name=self.name)
        )

    def simulate(
        self,
        token: str,
        dossier_id: int,
        amount_cents: int,
        *,
        succeed: bool,
        save_card: bool = False,
    ) -> PaymentEvent:
        raise PaymentRefused(
            _(
                "The {name} payment gateway has no simulated card form; its links are "
                "paid at the payment service."
            ).format(name=self.name)
        )


class CheckoutGateway(LinkGateway):
    """The default: staff payments and a simulated card checkout, paid or failed on demand.

    A client may save its card as it pays (``save_card``); the simulated service then
    charges it for the next invoices. Like a payment service's test cards, a card whose
    token names a decline code (``card_insufficient_funds``, ``card_expired_card``,
    ``card_declined``…) is declined with that code; any other is charged.
    """

    name = "checkout"

    def simulate(
        self,
        token: str,
        dossier_id: int,
        amount_cents: int,
        *,
        succeed: bool,
        save_card: bool = False,
    ) -> PaymentEvent:
        _check_amount(amount_cents)
        attempt = uuid.uuid4().hex
        card = None
        if succeed and save_card:
            card = CardDetails(
                token=f"card_sim_{attempt[:16]}",
                brand="visa",
                last4="4242",
                exp_month=12,
                exp_year=datetime.now(UTC).year + 4,
            )
        return PaymentEvent(
            adapter=self.name,
            event_id=attempt,
            kind="succeeded" if succeed else "failed",
            dossier_id=dossier_id,
            amount_cents=amount_cents,
            method="card",
            external_id=token if succeed else f"{token}:{attempt}",
            reference=token,
            failure_reason=None if succeed else "carte refusée par la banque",
            card=card,
        )

    def charge_card(
        self, card: Card, amount_cents: int, *, key: str, receivable: Receivable
    ) -> PaymentEvent:
        _check_amount(amount_cents)
        decline = next((code for code in SIMULATED_DECLINES if code in card.token), None)
        if decline is None and "declined" in card.token:
            decline = "card_declined"
        return PaymentEvent(
            adapter=self.name,
            # The same key asks for the same charge: the same event, applied once.
            event_id=f"charge:{key}",
            kind="failed" if decline else "succeeded",
            dossier_id=receivable.dossier_id,
            amount_cents=amount_cents,
            method="card",
            external_id=f"ch_{key}",
            reference=receivable.number,
            failure_reason=decline,
            receivable_id=receivable.id,
        )


#: The decline codes a simulated card's token may name, most specific first.
SIMULATED_DECLINES = (
    "insufficient_funds",
    "expired_card",
    "lost_card",
    "stolen_card",
    "fraudulent",
    "try_again_later",
    "processing_error",
    "authentication_required",
)


class StripeGateway(LinkGateway):
    """Staff payments, links, and Stripe ``payment_intent.*`` webhooks (:class:`StripeWebhooks`).

    The signing secret is read from ``DOMICILI_STRIPE_WEBHOOK_SECRET`` when a webhook
    arrives, so that commands that receive none work without it.
    """

    name = "stripe"
    HEADER = "stripe-signature"

    def __init__(
        self,
        checkout_url: str | None = None,
        *,
        secret: str | None = None,
        api_url: str = STRIPE_API,
        timeout: float = 20,
    ) -> None:
        super().__init__(checkout_url)
        self.secret = secret
        self.api_url, self.timeout = api_url.rstrip("/"), timeout

    @classmethod
    def from_config(cls, settings: PaymentSettings) -> Self:
        return cls(settings.checkout_url, api_url=settings.stripe_api_url)

    def charge_card(
        self, card: Card, amount_cents: int, *, key: str, receivable: Receivable
    ) -> PaymentEvent:
        """A PaymentIntent confirmed off-session on the saved payment method, with
        ``Idempotency-Key: key`` (Stripe answers a repeated key with the same charge).
        The API key comes from ``DOMICILI_STRIPE_API_KEY``."""
        from .stripe_api import charge

        _check_amount(amount_cents)
        answer = charge(
            self.api_url,
            card,
            amount_cents,
            key=key,
            metadata={
                "receivable_id": str(receivable.id),
                "dossier_id": str(receivable.dossier_id),
                "invoice": receivable.number,
            },
            description=f"Facture {receivable.number}",
            timeout=self.timeout,
        )
        return PaymentEvent(
            adapter=self.name,
            event_id=f"charge:{key}:{answer.status}",
            kind=answer.kind,
            dossier_id=receivable.dossier_id,
            amount_cents=amount_cents,
            method="card",
            external_id=answer.intent_id or f"charge:{key}",
            reference=receivable.number,
            failure_reason=answer.decline_code,
            receivable_id=receivable.id,
        )

    def parse_webhook(
        self, payload: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        header = next((v for k, v in headers.items() if k.lower() == self.HEADER), "")
        return StripeWebhooks(self.secret).parse(payload, header, now)


def sign_stripe_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header for ``payload`` (for tests and local tools)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeWebhooks:
    """Stripe ``payment_intent.*`` webhook events, signature checked.

    The scheme: header ``Stripe-Signature: t=TIMESTAMP,v1=HEX[,v1=HEX…]`` where HEX is
    the HMAC-SHA256 of ``TIMESTAMP.BODY`` with the endpoint secret; compared in
    constant time, refused when older (or newer) than the tolerance. The secret comes
    from ``DOMICILI_STRIPE_WEBHOOK_SECRET``. The dossier is ``metadata.dossier_id``.
    """

    name = "stripe"
    TYPES: ClassVar[dict[str, Kind]] = {
        "payment_intent.succeeded": "succeeded",
        "payment_intent.payment_failed": "failed",
        "payment_intent.processing": "processing",
    }

    def __init__(self, secret: str | None = None, tolerance_seconds: int = 300) -> None:
        secret = secret or os.environ.get("DOMICILI_STRIPE_WEBHOOK_SECRET")
        if not secret:
            raise ConfigError(
                _(
                    "Set DOMICILI_STRIPE_WEBHOOK_SECRET to the webhook endpoint's signing "
                    "secret (whsec_…)."
                )
            )
        self.secret = secret
        self.tolerance = tolerance_seconds

    def verify(self, payload: bytes, header: str, now: datetime) -> None:
        parts: dict[str, list[str]] = {}
        for item in header.split(","):
            key, sep, value = item.strip().partition("=")
            if sep:
                parts.setdefault(key, []).append(value)
        try:
            timestamp = int(parts["t"][0])
        except (KeyError, ValueError):
            raise PaymentRefused(
                _("Webhook refused: the Stripe-Signature header has no timestamp (t=…).")
            ) from None
        if abs(now.timestamp() - timestamp) > self.tolerance:
            raise PaymentRefused(
                _(
                    "Webhook refused: its timestamp is more than {count} minutes from now (a "
                    "replay or a clock problem)."
                ).format(count=self.tolerance // 60)
            )
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
        ).hexdigest()
        if not any(hmac.compare_digest(expected, sig) for sig in parts.get("v1", [])):
            raise PaymentRefused(
                _("Webhook refused: the signature does not match (wrong secret or altered body).")
            )

    def parse(self, payload: bytes, header: str, now: datetime) -> PaymentEvent | None:
        """The event in a verified webhook body; None for event types that do not concern us.

        A correctly signed body is still read field by field: whatever its shape, it
        makes an event, is ignored, or is refused with :class:`PaymentRefused`.
        """
        self.verify(payload, header, now)
        try:
            event = json.loads(payload)
        except (ValueError, RecursionError):  # not JSON (or absurdly nested)
            event = None
        data = event.get("data") if isinstance(event, dict) else None
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(event, dict) or not isinstance(event.get("type"), str) or obj is None:
            raise PaymentRefused(_("Webhook refused: the body is not a Stripe event."))
        event_id = _text(event.get("id"))
        if event_id is None:
            raise PaymentRefused(_("Webhook refused: the event has no usable id."))
        kind = self.TYPES.get(event["type"])
        if kind is None:
            return None
        if not isinstance(obj, dict):
            raise PaymentRefused(
                _("Webhook {event_id} refused: data.object is not an object.").format(
                    event_id=event_id
                )
            )
        return self._payment_event(event_id, kind, event.get("created"), obj, now)

    def _payment_event(
        self,
        event_id: str,
        kind: Kind,
        created: object,
        obj: dict[str, Any],
        now: datetime,
    ) -> PaymentEvent:
        def refused(what: str) -> PaymentRefused:
            return PaymentRefused(f"Webhook {event_id} refused: {what}.")

        intent = _text(obj.get("id"))
        if intent is None:
            raise refused(_("the payment intent has no usable id"))
        metadata = obj.get("metadata")
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            raise refused(_("its metadata is not an object"))
        currency = obj.get("currency", "eur")
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii()):
            raise refused(_("its currency is not a currency code"))
        if not currency.isalpha():
            raise refused(_("its currency is not a currency code"))
        amounts = [obj.get("amount_received"), obj.get("amount")]
        if not all(a is None or _whole(a, MAX_CENTS) for a in amounts):
            raise refused(_("its amount is not a whole number of cents within reason"))
        methods = obj.get("payment_method_types") or ["card"]
        if not isinstance(methods, list) or not all(_text(m) for m in methods):
            raise refused(_("its payment_method_types is not a list of names"))
        error = obj.get("last_payment_error")
        if error is None:
            error = {}
        if not isinstance(error, dict):
            raise refused(_("its last_payment_error is not an object"))
        reason = error.get("message")
        if reason is not None and _text(reason) is None:
            raise refused(_("its failure message is not text"))
        occurred_at = None
        if created is not None:
            if not isinstance(created, int) or not _whole(created, LAST_TIMESTAMP):
                raise refused(_("its creation time is not a Unix timestamp"))
            occurred_at = datetime.fromtimestamp(created, tz=now.tzinfo)
        return PaymentEvent(
            adapter=self.name,
            event_id=event_id,
            kind=kind,
            dossier_id=_dossier_id(metadata.get("dossier_id")),
            receivable_id=_dossier_id(metadata.get("receivable_id")),
            card=_saved_card(obj) if kind == "succeeded" else None,
            amount_cents=next((a for a in amounts if a), 0),
            method=methods[0],
            external_id=intent,
            reference=intent,
            failure_reason=reason,
            occurred_at=occurred_at,
            # Another currency is not refused: the money was received, it is held.
            currency=currency.upper(),
        )


#: Bounds of what a webhook may carry: the year 9999, SQLite integers (amounts: MAX_CENTS).
LAST_TIMESTAMP = 253_402_300_799
MAX_ID = 2**63 - 1


def _check_amount(amount_cents: int) -> None:
    """Every adapter reports amounts from 0 to :data:`~domicili.money.MAX_CENTS`."""
    if not _whole(amount_cents, MAX_CENTS):
        raise PaymentRefused(
            _(
                "{amount_cents} cents is not an amount domicili handles (from 0 to {MAX_CENTS})."
            ).format(amount_cents=amount_cents, MAX_CENTS=MAX_CENTS),
            amount_cents=amount_cents if isinstance(amount_cents, int) else None,
        )


def _text(value: object) -> str | None:
    """``value`` when it is non-empty text that can be stored, else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON
        return None
    return value


def _whole(value: object, upper: int) -> bool:
    """Whether ``value`` is a whole number from 0 to ``upper`` (JSON true is not 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= upper


def _saved_card(intent: dict[str, Any]) -> CardDetails | None:
    """The card a client saved as it paid (``setup_future_usage`` set, with the customer
    it is attached to), named as the intent has it: its brand, last digits and expiry
    when the payment method is expanded in it."""
    usage = intent.get("setup_future_usage")
    method = intent.get("payment_method")
    customer = _text(intent.get("customer"))
    if usage not in ("off_session", "on_session") or customer is None:
        return None
    token = _text(method.get("id")) if isinstance(method, dict) else _text(method)
    if token is None:
        return None
    card = method.get("card") if isinstance(method, dict) else None
    card = card if isinstance(card, dict) else {}
    last4 = _text(card.get("last4"))
    month, year = card.get("exp_month"), card.get("exp_year")
    return CardDetails(
        token=token,
        customer=customer,
        brand=_text(card.get("brand")),
        last4=last4 if last4 and len(last4) == 4 and last4.isdigit() else None,
        exp_month=month if isinstance(month, int) and _whole(month, 12) and month else None,
        exp_year=year if isinstance(year, int) and _whole(year, 2100) and year >= 2000 else None,
    )


def _dossier_id(value: object) -> int | None:
    """The dossier named in the metadata; None when absent or not a dossier number."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 19 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_ID else None


BUILTIN: dict[str, PaymentGatewayFactory] = {
    "checkout": CheckoutGateway,
    "stripe": StripeGateway,
}
