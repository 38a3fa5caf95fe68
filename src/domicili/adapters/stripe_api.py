"""The one call domicili makes to Stripe's API: charge a saved card off-session.

``POST /v1/payment_intents`` with ``confirm=true`` and ``off_session=true`` on the
customer's saved payment method, form-encoded as Stripe takes it, authenticated by the
secret key in ``DOMICILI_STRIPE_API_KEY`` and made idempotent by ``Idempotency-Key``.
Stripe answers a charge with the PaymentIntent (``succeeded``, ``processing``…), a
decline with HTTP 402 and the error (its ``decline_code``, the intent it made). Any
other answer, or none, is the service unavailable: the charge is asked again later
with the same key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from ..errors import AdapterError, ConfigError
from ..i18n import _

if TYPE_CHECKING:
    from ..cards import Card

__all__ = ["API_KEY", "ChargeAnswer", "charge"]

#: The environment variable holding Stripe's secret API key (``sk_live_…``).
API_KEY = "DOMICILI_STRIPE_API_KEY"

#: A PaymentIntent's status → what it means for the charge.
_KINDS: dict[str, Literal["succeeded", "failed", "processing"]] = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_capture": "processing",
    "requires_action": "failed",
    "requires_payment_method": "failed",
    "canceled": "failed",
}


@dataclass(frozen=True)
class ChargeAnswer:
    """What Stripe said of one charge."""

    kind: Literal["succeeded", "failed", "processing"]
    status: str
    intent_id: str | None
    decline_code: str | None = None


def charge(
    api_url: str,
    card: Card,
    amount_cents: int,
    *,
    key: str,
    metadata: dict[str, str],
    description: str,
    timeout: float,
) -> ChargeAnswer:
    """Charge ``amount_cents`` euro cents to ``card``; see the module's description."""
    from urllib import error, request

    secret = os.environ.get(API_KEY)
    if not secret:
        raise ConfigError(
            _("Set {name} to the Stripe secret key (sk_…) to charge saved cards.").format(
                name=API_KEY
            )
        )
    fields = {
        "amount": str(amount_cents),
        "currency": "eur",
        "payment_method": card.token,
        "confirm": "true",
        "off_session": "true",
        "description": description,
        **{f"metadata[{k}]": v for k, v in metadata.items()},
    }
    if card.customer:
        fields["customer"] = card.customer
    post = request.Request(
        f"{api_url}/v1/payment_intents",
        data=urlencode(fields).encode(),
        headers={
            "Authorization": f"Bearer {secret}",
            "Idempotency-Key": key,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with request.urlopen(post, timeout=timeout) as answer:
            status, body = int(answer.status), answer.read()
    except error.HTTPError as exc:
        status, body = int(exc.code), exc.read()
    except (OSError, ValueError) as exc:
        reason = _("the payment service {url} did not answer ({exc})").format(
            url=api_url, exc=getattr(exc, "reason", exc)
        )
        raise _unavailable(reason) from exc
    return _answer(status, body)


def _answer(status: int, body: bytes) -> ChargeAnswer:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _unavailable(
            _("the payment service answered {status} without a JSON body").format(status=status)
        )
    if status == 200:
        return _intent(data, status)
    problem = data.get("error")
    if status == 402 and isinstance(problem, dict):
        intent = problem.get("payment_intent")
        code = problem.get("decline_code") or problem.get("code")
        return ChargeAnswer(
            "failed",
            str(intent.get("status", "declined")) if isinstance(intent, dict) else "declined",
            _text(intent.get("id")) if isinstance(intent, dict) else None,
            _text(code) or "card_declined",
        )
    message = problem.get("message") if isinstance(problem, dict) else None
    raise _unavailable(
        _("the payment service answered {status}{detail}").format(
            status=status, detail=f" ({message})" if isinstance(message, str) else ""
        )
    )


def _intent(data: dict[str, Any], status: int) -> ChargeAnswer:
    state = data.get("status")
    kind = _KINDS.get(state) if isinstance(state, str) else None
    if kind is None:
        raise _unavailable(
            _("the payment service answered {status} with no known payment status").format(
                status=status
            )
        )
    code = None
    if kind == "failed":
        error = data.get("last_payment_error")
        if isinstance(error, dict):
            code = _text(error.get("decline_code") or error.get("code"))
        if code is None:
            code = "authentication_required" if state == "requires_action" else "card_declined"
    return ChargeAnswer(kind, str(state), _text(data.get("id")), code)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value and len(value) <= 255 else None


def _unavailable(reason: str) -> AdapterError:
    return AdapterError(
        _("The card was not charged: {reason}; the charge is asked again later.").format(
            reason=reason
        ),
        reason=reason,
    )
