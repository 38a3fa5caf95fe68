"""Saved cards charged through Stripe's API, played by an HTTP server on loopback: one
off-session PaymentIntent per charge with its idempotency key, a decline read from the
402 answer, a server error leaving the charge to be asked again with the same key, and
the webhooks that report a charge's outcome later (or the card saved at a first
payment) applied once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import pytest

from domicili.adapters.payments import sign_stripe_payload
from domicili.config import PaymentSettings, Settings

if TYPE_CHECKING:
    from conftest import World

SECRET = "whsec_test_cards"
API_KEY = "sk_test_cards"


class StripeApi(ThreadingHTTPServer):
    """Answers ``POST /v1/payment_intents`` as Stripe does: ``answers`` in turn (status,
    body), the same answer again for a key it has seen (Stripe's idempotency)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.received: list[tuple[dict[str, str], dict[str, str]]] = []
        self.by_key: dict[str, tuple[int, dict[str, Any]]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: StripeApi

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        self.server.received.append((dict(self.headers), form))
        key = self.headers.get("Idempotency-Key", "")
        if self.path != "/v1/payment_intents":
            status, body = 404, {"error": {"message": "Unrecognized request URL"}}
        elif key in self.server.by_key:
            status, body = self.server.by_key[key]
        else:
            status, body = self.server.answers.pop(0)
            if status < 500:
                self.server.by_key[key] = (status, body)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeApi]:
    monkeypatch.setenv("DOMICILI_STRIPE_API_KEY", API_KEY)
    monkeypatch.setenv("DOMICILI_STRIPE_WEBHOOK_SECRET", SECRET)
    server = StripeApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def intent(status: str, amount: int, **more: Any) -> dict[str, Any]:
    return {"id": "pi_3Q1", "object": "payment_intent", "status": status, "amount": amount, **more}


def billed(world_with: Any, stripe: StripeApi) -> tuple[World, int, str]:
    world: World = world_with(
        Settings(payment=PaymentSettings(gateway="stripe", stripe_api_url=stripe.url))
    )
    dossier_id = world.in_force()
    world.app.add_card(
        dossier_id, token="pm_1Q2w3E", customer="cus_9Z8y7X", brand="visa", last4="4242"
    )
    world.clock.advance(days=92)  # 2 June 2026
    (number,) = world.app.bill().issued
    return world, dossier_id, number


def test_a_charge_is_one_off_session_payment_intent_with_its_key(
    world_with: Any, stripe: StripeApi
) -> None:
    world, dossier_id, number = billed(world_with, stripe)
    amount = world.app.receivable(number).amount_cents
    stripe.answers.append((200, intent("succeeded", amount)))
    assert world.app.charge_cards().paid == [number]
    ((headers, form),) = stripe.received
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Idempotency-Key"] == f"{number}-1"
    assert form == {
        "amount": str(amount),
        "currency": "eur",
        "customer": "cus_9Z8y7X",
        "payment_method": "pm_1Q2w3E",
        "confirm": "true",
        "off_session": "true",
        "description": f"Facture {number}",
        "metadata[receivable_id]": str(world.app.receivable(number).id),
        "metadata[dossier_id]": str(dossier_id),
        "metadata[invoice]": number,
    }
    # Stripe's webhook about the same intent, later: nothing more.
    body = webhook(world, "evt_ok", intent("succeeded", amount), number)
    assert post(world, body).outcome == "duplicate"
    assert world.app.receivable(number).state == "paid"


def test_a_decline_comes_as_a_402_with_its_code(world_with: Any, stripe: StripeApi) -> None:
    world, _dossier_id, number = billed(world_with, stripe)
    error = {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
        "payment_intent": {"id": "pi_3Q2", "status": "requires_payment_method"},
    }
    stripe.answers.append((402, {"error": error}))
    assert world.app.charge_cards().declined == [(number, "insufficient_funds")]
    receivable = world.app.receivable(number)
    assert (receivable.state, receivable.return_reason) == ("unpaid", "insufficient_funds")


def test_a_server_error_leaves_the_charge_to_be_asked_again_with_its_key(
    world_with: Any, stripe: StripeApi
) -> None:
    world, _dossier_id, number = billed(world_with, stripe)
    amount = world.app.receivable(number).amount_cents
    stripe.answers += [(500, {"error": {"message": "boom"}}), (200, intent("succeeded", amount))]
    report = world.app.charge_cards()
    assert report.paid == []
    assert report.stopped is not None
    assert "answered 500" in report.stopped
    assert world.app.receivable(number).state == "open"
    assert world.app.charge_cards().paid == [number]
    assert [h["Idempotency-Key"] for h, _form in stripe.received] == [f"{number}-1"] * 2
    assert world.app.receivable(number).presentations == 1


def test_a_charge_under_way_is_settled_by_its_webhook(world_with: Any, stripe: StripeApi) -> None:
    world, _dossier_id, number = billed(world_with, stripe)
    amount = world.app.receivable(number).amount_cents
    stripe.answers.append((200, intent("processing", amount)))
    assert world.app.charge_cards().pending == [number]
    assert world.app.receivable(number).state == "open"
    # Asked again while under way: the same charge (its key), still under way.
    assert world.app.charge_cards().pending == [number]
    assert [h["Idempotency-Key"] for h, _form in stripe.received] == [f"{number}-1"] * 2
    pending = [p for p in world.app.list_payments() if p.status == "pending"]
    assert [p.external_id for p in pending] == ["pi_3Q1"]
    body = webhook(world, "evt_1", intent("succeeded", amount), number)
    assert post(world, body).outcome == "applied"
    assert post(world, body).outcome == "duplicate"
    paid = world.app.receivable(number)
    assert (paid.state, paid.charge_key) == ("paid", None)
    assert world.app.charge_cards().paid == []


def test_a_first_payment_that_saves_the_card_keeps_it(world_with: Any, stripe: StripeApi) -> None:
    world: World = world_with(
        Settings(payment=PaymentSettings(gateway="stripe", stripe_api_url=stripe.url))
    )
    dossier_id = world.accepted()
    due = world.app.get_dossier(dossier_id).dossier.amount_due_cents
    obj = {
        **intent("succeeded", due, amount_received=due, currency="eur"),
        "metadata": {"dossier_id": str(dossier_id)},
        "setup_future_usage": "off_session",
        "customer": "cus_9Z8y7X",
        "payment_method": {
            "id": "pm_1Q2w3E",
            "card": {"brand": "mastercard", "last4": "4444", "exp_month": 8, "exp_year": 2029},
        },
    }
    event = {
        "id": "evt_first",
        "type": "payment_intent.succeeded",
        "created": int(world.app.ctx.now().timestamp()),
        "data": {"object": obj},
    }
    assert post(world, json.dumps(event).encode()).outcome == "applied"
    card = world.app.dossier_card(dossier_id)
    assert (card.token, card.customer, card.label()) == (
        "pm_1Q2w3E",
        "cus_9Z8y7X",
        "Mastercard •••• 4444 (08/2029)",
    )


def webhook(world: World, event_id: str, obj: dict[str, Any], number: str) -> bytes:
    """A ``payment_intent.succeeded`` event about the charge of invoice ``number``."""
    metadata = {"invoice": number, "receivable_id": str(world.app.receivable(number).id)}
    return json.dumps(
        {
            "id": event_id,
            "type": "payment_intent.succeeded",
            "data": {"object": {**obj, "metadata": metadata}},
        }
    ).encode()


def post(world: World, body: bytes) -> Any:
    header = sign_stripe_payload(body, SECRET, int(world.app.ctx.now().timestamp()))
    return world.app.receive_webhook(body, {"Stripe-Signature": header})
