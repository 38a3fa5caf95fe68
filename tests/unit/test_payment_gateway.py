"""The payment use cases over a scripted gateway, and gateways as plugins.

The service layer calls whatever gateway the facade was built with: ``FakePayments``
here, a built-in one or a third party's found through ``domicili.payments``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from domicili.adapters import load_payment_gateway, load_signature_method
from domicili.app import Domicili
from domicili.config import PaymentSettings, Settings, SignatureSettings
from domicili.errors import ConfigError, PaymentRefused
from domicili.files import FileStore as FolderFileStore
from domicili.ports import FileStore, PaymentEvent, PaymentGateway
from domicili.testing import (
    FakePayments,
    OpenedLink,
    RecordingNotifier,
    make_app,
    sample_answers,
    sample_pdf,
    sample_provider,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Shop:
    app: Domicili
    notifier: RecordingNotifier
    payments: FakePayments
    dossier_id: int

    @property
    def due(self) -> int:
        return self.app.get_dossier(self.dossier_id).dossier.amount_due_cents

    @property
    def owed(self) -> dict[str, object]:
        """What the gateway is told of the dossier in every call."""
        return {"dossier_id": self.dossier_id, "amount_cents": self.due}

    @property
    def status(self) -> str:
        return self.app.get_dossier(self.dossier_id).dossier.status.code

    def footprint(self) -> tuple[object, ...]:
        return (
            [p.model_dump() for p in self.app.list_payments()],
            [i.number for i in self.app.list_invoices()],
            self.status,
            len(self.app.store.events()),
        )


def accept_one(app: Domicili) -> int:
    provider = app.add_provider(**sample_provider(1))
    assert provider.id is not None
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id])
    assert dossier.id is not None
    kinds = [p.kind for p in app.justificatifs(dossier.id) if p.required]
    for kind in kinds:
        app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier.id, validate=kinds)
    app.accept(dossier.id)
    return dossier.id


@contextmanager
def open_shop(payments: FakePayments) -> Iterator[Shop]:
    app, _clock, notifier = make_app(start=START, payments=payments)
    try:
        yield Shop(app, notifier, payments, accept_one(app))
    finally:
        app.close()


@pytest.fixture
def shop() -> Iterator[Shop]:
    """One accepted dossier (S2) on a facade built over a scripted gateway."""
    with open_shop(FakePayments()) as opened:
        yield opened


# -- links ----------------------------------------------------------------------------


def test_acceptance_opens_a_link_for_the_amount_due_and_emails_its_address(shop: Shop) -> None:
    assert shop.payments.links == [OpenedLink("fake_1", shop.dossier_id, shop.due)]
    (accepted,) = [
        m for m in shop.notifier.sent if m.template == "accepted" and m.channel == "email"
    ]
    assert "Payer en ligne par carte bancaire : https://paiement.example.test/fake_1" in (
        accepted.body
    )


def test_a_gateway_that_takes_no_online_payment_opens_no_link() -> None:
    with open_shop(FakePayments(online=False)) as offline:
        assert [name for name, _args in offline.payments.calls] == ["open_link"]
        assert offline.payments.links == []
        (accepted,) = [
            m for m in offline.notifier.sent if m.template == "accepted" and m.channel == "email"
        ]
        assert "Payer en ligne" not in accepted.body


def test_a_simulated_payment_asks_the_gateway_with_the_links_dossier_and_amount(
    shop: Shop,
) -> None:
    outcome = shop.app.simulate_checkout(" fake_1 ", succeed=True)
    assert outcome.outcome == "applied"
    assert shop.payments.calls[-1] == (
        "simulate",
        {**shop.owed, "token": "fake_1", "succeed": True},
    )
    (payment,) = shop.app.list_payments()
    assert (payment.adapter, payment.reference) == ("fake", "fake_1")
    assert shop.status == "S3"


# -- staff payments -------------------------------------------------------------------


def test_a_recorded_payment_is_made_by_the_gateway_then_applied(shop: Shop) -> None:
    outcome = shop.app.record_payment(shop.dossier_id, method="cheque", reference="CHQ-1")
    assert outcome.outcome == "applied"
    called = ("manual_payment", {**shop.owed, "method": "cheque", "reference": "CHQ-1"})
    assert shop.payments.calls[-1] == called
    assert shop.app.list_invoices()[0].data["payment_means_text"] == "chèque"


def test_a_recorded_payment_of_another_amount_never_reaches_the_gateway(shop: Shop) -> None:
    with pytest.raises(PaymentRefused, match="does not match"):
        shop.app.record_payment(shop.dossier_id, method="cash", amount_cents=shop.due - 1)
    assert "manual_payment" not in [name for name, _args in shop.payments.calls]


# -- webhooks -------------------------------------------------------------------------


def test_a_scripted_webhook_event_is_applied_with_the_request_handed_over(shop: Shop) -> None:
    shop.payments.script(shop.payments.event(shop.dossier_id, shop.due, external_id="pay_1"))
    outcome = shop.app.receive_webhook(b'{"id": 1}', {"X-Signature": "abc"})
    assert (outcome.outcome, outcome.dossier_id) == ("applied", shop.dossier_id)
    assert shop.payments.calls[-1] == (
        "parse_webhook",
        {"payload": b'{"id": 1}', "headers": {"X-Signature": "abc"}},
    )
    assert shop.status == "S3"
    assert [link.status for link in [shop.app.store.payment_link("fake_1")] if link] == ["closed"]


def test_the_same_webhook_event_twice_is_applied_once(shop: Shop) -> None:
    event = shop.payments.event(shop.dossier_id, shop.due, external_id="pay_1")
    shop.payments.script(event, event)
    outcomes = [shop.app.receive_webhook(b"", {}).outcome for _ in range(2)]
    assert outcomes == ["applied", "duplicate"]
    assert len(shop.app.list_invoices()) == 1


def test_a_webhook_of_an_unused_event_type_changes_nothing(shop: Shop) -> None:
    before = shop.footprint()
    shop.payments.script(None)
    outcome = shop.app.receive_webhook(b"", {})
    assert (outcome.outcome, outcome.message) == (
        "ignored",
        "Event type not used by domicili; nothing changed.",
    )
    assert shop.footprint() == before


def test_a_webhook_the_gateway_refuses_changes_nothing(shop: Shop) -> None:
    before = shop.footprint()
    shop.payments.script(PaymentRefused("Webhook refused: the signature does not match."))
    with pytest.raises(PaymentRefused, match="signature does not match"):
        shop.app.receive_webhook(b"", {})
    assert shop.footprint() == before


def test_processing_then_failed_then_succeeded_events_make_one_payment(shop: Shop) -> None:
    fake, due = shop.payments, shop.due
    shop.payments.script(
        fake.event(shop.dossier_id, due, kind="processing", external_id="pay_9"),
        fake.event(shop.dossier_id, due, kind="failed", external_id="pay_9"),
        fake.event(shop.dossier_id, due, external_id="pay_9"),
    )
    outcomes = [shop.app.receive_webhook(b"", {}).outcome for _ in range(3)]
    assert outcomes == ["pending", "failed", "applied"]
    assert [p.status for p in shop.app.list_payments()] == ["succeeded"]


# -- gateways as plugins --------------------------------------------------------------


class PaypalGateway:
    """A third party's gateway, as its package would write it."""

    name = "paypal"

    def __init__(self, settings: PaymentSettings) -> None:
        self.settings = settings

    @classmethod
    def from_config(cls, settings: PaymentSettings) -> PaypalGateway:
        return cls(settings)

    def manual_payment(
        self, dossier_id: int, amount_cents: int, method: str, reference: str | None
    ) -> PaymentEvent:
        return PaymentEvent(
            "paypal", f"m-{reference}", "succeeded", dossier_id, amount_cents, method
        )

    def open_link(self, dossier_id: int, amount_cents: int) -> str | None:
        return None

    def link_url(self, token: str) -> str | None:
        return None

    def parse_webhook(self, payload: bytes, headers: Any, now: datetime) -> PaymentEvent | None:
        return None

    def simulate(
        self, token: str, dossier_id: int, amount_cents: int, *, succeed: bool
    ) -> PaymentEvent:
        raise PaymentRefused("PayPal has no simulated form.")


class HalfGateway:
    """A gateway that forgot most of the port."""

    name = "half"

    @classmethod
    def from_config(cls, settings: PaymentSettings) -> HalfGateway:
        return cls()

    def manual_payment(self) -> None: ...


class FakeEntryPoint:
    def __init__(self, name: str, target: object) -> None:
        self.name, self.target = name, target

    def load(self) -> object:
        return self.target


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Packages registering ``paypal``, ``half`` and ``bare`` in ``domicili.payments``."""
    import domicili.adapters

    real = domicili.adapters.installed
    points = [
        FakeEntryPoint("paypal", PaypalGateway),
        FakeEntryPoint("half", HalfGateway),
        FakeEntryPoint("bare", object()),
    ]

    def installed(group: str) -> Any:
        if group != "domicili.payments":
            return real(group)
        return {**real(group), **{p.name: p for p in points}}

    monkeypatch.setattr(domicili.adapters, "installed", installed)


def gateway(name: str) -> Settings:
    return Settings(payment=PaymentSettings(gateway=name, deadline_days=10))


@pytest.mark.usefixtures("registered")
def test_a_third_party_gateway_registered_as_an_entry_point_is_the_one_used() -> None:
    app, _clock, _notifier = make_app(start=START, settings=gateway("paypal"))
    try:
        used = app.payment_gateway
        assert isinstance(used, PaypalGateway)
        assert used.settings.deadline_days == 10  # built from the [payment] settings
        dossier_id = accept_one(app)
        outcome = app.record_payment(dossier_id, method="transfer", reference="R1")
        assert outcome.outcome == "applied"
        assert [p.adapter for p in app.list_payments()] == ["paypal"]
    finally:
        app.close()


@pytest.mark.usefixtures("registered")
def test_a_gateway_that_lacks_part_of_the_port_is_a_sentence_naming_what_is_missing() -> None:
    with pytest.raises(ConfigError) as refused:
        load_payment_gateway(gateway("half").payment)
    assert str(refused.value) == (
        "The payment gateway 'half' does not implement PaymentGateway: it has no "
        "open_link, link_url, parse_webhook, simulate."
    )


@pytest.mark.usefixtures("registered")
def test_an_entry_point_that_builds_nothing_is_a_sentence_naming_from_config() -> None:
    with pytest.raises(ConfigError) as refused:
        make_app(settings=gateway("bare"))
    assert str(refused.value) == (
        "The payment gateway 'bare' registered in domicili.payments does not implement "
        "PaymentGatewayFactory: it has no from_config."
    )


def test_the_builtin_adapters_satisfy_their_ports() -> None:
    for name in ("checkout", "stripe"):
        assert isinstance(load_payment_gateway(gateway(name).payment), PaymentGateway)
    otp = load_signature_method(SignatureSettings(code_minutes=7, max_attempts=3))
    assert (otp.lifetime_minutes, otp.max_attempts) == (7, 3)
    assert isinstance(FolderFileStore("unused"), FileStore)
    assert isinstance(FakePayments(), PaymentGateway)


# -- the signature method, given to the facade ------------------------------------------


class FixedCode:
    """Always the same code: a signature method an integrator passes in."""

    label = "Code fixe (tests)"
    lifetime_minutes = 15
    max_attempts = 2

    def new_code(self) -> str:
        return "424242"

    def digest(self, code: str, salt: str) -> str:
        return f"{salt}:{code}"

    def matches(self, code: str, salt: str, digest: str) -> bool:
        return digest == f"{salt}:{code.strip()}"


def test_a_signature_method_given_to_the_facade_makes_and_checks_the_codes() -> None:
    app, _clock, notifier = make_app(start=START, signature_method=FixedCode())
    try:
        dossier_id = accept_one(app)
        app.record_payment(dossier_id, method="transfer")
        # The client's code by SMS; the provider's (no mobile) in its contract email.
        carrying = [(m.template, m.channel) for m in notifier.sent if "424242" in m.body]
        assert sorted(carrying) == [("contract_to_sign", "email"), ("signature_code", "sms")]
        signature = app.sign(dossier_id, "client", "424242")
        assert signature.method == "Code fixe (tests)"
    finally:
        app.close()
