"""Built-in payment adapters: staff-recorded payments, a simulated checkout, Stripe webhooks.

Each turns what it receives into a :class:`~domicili.ports.PaymentEvent`; the service
layer applies events the same way whatever their source.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from datetime import datetime
from typing import Any, ClassVar

from ..errors import ConfigError, PaymentRefused
from ..ports import PaymentEvent

__all__ = [
    "METHODS",
    "CheckoutPayments",
    "ManualPayments",
    "StripeWebhooks",
    "sign_stripe_payload",
]

#: Methods staff can record, with their French label.
METHODS = {"transfer": "virement", "cheque": "chèque", "card": "carte bancaire", "cash": "espèces"}


class ManualPayments:
    """A payment received outside domicili (transfer, cheque, card terminal, cash)."""

    name = "manual"

    def event(
        self, dossier_id: int, amount_cents: int, method: str, reference: str | None = None
    ) -> PaymentEvent:
        if method not in METHODS:
            raise PaymentRefused(
                f"Unknown payment method {method!r}; use one of {', '.join(METHODS)}."
            )
        ref = reference.strip() if reference and reference.strip() else None
        return PaymentEvent(
            adapter=self.name,
            event_id=uuid.uuid4().hex,
            kind="succeeded",
            dossier_id=dossier_id,
            amount_cents=amount_cents,
            method=method,
            # The same bank reference twice is the same payment recorded twice.
            external_id=f"{method}:{ref}" if ref else None,
            reference=ref,
        )


class CheckoutPayments:
    """A simulated card checkout: a link per dossier, paid or failed on demand."""

    name = "checkout"

    def __init__(self, url_template: str) -> None:
        if "{token}" not in url_template:
            raise ConfigError(
                "payment.checkout_url must contain {token}, e.g. "
                "https://paiement.example.fr/checkout/{token}."
            )
        self.url_template = url_template

    @staticmethod
    def new_token() -> str:
        return "pl_" + uuid.uuid4().hex[:20]

    def url(self, token: str) -> str:
        return self.url_template.format(token=token)

    def event(
        self, token: str, dossier_id: int, amount_cents: int, *, succeed: bool
    ) -> PaymentEvent:
        attempt = uuid.uuid4().hex
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
        )


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
    TYPES: ClassVar[dict[str, str]] = {
        "payment_intent.succeeded": "succeeded",
        "payment_intent.payment_failed": "failed",
        "payment_intent.processing": "processing",
    }

    def __init__(self, secret: str | None = None, tolerance_seconds: int = 300) -> None:
        secret = secret or os.environ.get("DOMICILI_STRIPE_WEBHOOK_SECRET")
        if not secret:
            raise ConfigError(
                "Set DOMICILI_STRIPE_WEBHOOK_SECRET to the webhook endpoint's "
                "signing secret (whsec_…)."
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
                "Webhook refused: the Stripe-Signature header has no timestamp (t=…)."
            ) from None
        if abs(now.timestamp() - timestamp) > self.tolerance:
            raise PaymentRefused(
                f"Webhook refused: its timestamp is more than {self.tolerance // 60} minutes "
                "from now (a replay or a clock problem)."
            )
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
        ).hexdigest()
        if not any(hmac.compare_digest(expected, sig) for sig in parts.get("v1", [])):
            raise PaymentRefused(
                "Webhook refused: the signature does not match (wrong secret or altered body)."
            )

    def parse(self, payload: bytes, header: str, now: datetime) -> PaymentEvent | None:
        """The event in a verified webhook body; None for event types that do not concern us."""
        self.verify(payload, header, now)
        try:
            event: dict[str, Any] = json.loads(payload)
            kind = self.TYPES.get(event["type"])
            obj = event["data"]["object"]
            event_id = str(event["id"])
        except (ValueError, KeyError, TypeError):
            raise PaymentRefused("Webhook refused: the body is not a Stripe event.") from None
        if kind is None:
            return None
        metadata = obj.get("metadata") or {}
        try:
            dossier_id: int | None = int(metadata["dossier_id"])
        except (KeyError, ValueError, TypeError):
            dossier_id = None
        if str(obj.get("currency", "eur")).lower() != "eur":
            raise PaymentRefused(f"Webhook {event_id}: only payments in euros are handled.")
        methods = obj.get("payment_method_types") or ["card"]
        error = obj.get("last_payment_error") or {}
        return PaymentEvent(
            adapter=self.name,
            event_id=event_id,
            kind=kind,  # type: ignore[arg-type]
            dossier_id=dossier_id,
            amount_cents=int(obj.get("amount_received") or obj.get("amount") or 0),
            method=str(methods[0]),
            external_id=str(obj.get("id")),
            reference=str(obj.get("id")),
            failure_reason=error.get("message"),
            occurred_at=datetime.fromtimestamp(int(event.get("created", 0)), tz=now.tzinfo),
        )


BUILTIN: dict[str, Any] = {
    "manual": ManualPayments,
    "checkout": CheckoutPayments,
    "stripe": StripeWebhooks,
}
