"""The first payment through the facade, over the built-in gateways: staff records, the
simulated card checkout, Stripe webhooks (``tests/unit/test_payment_gateway.py`` drives
the same use cases through a scripted fake gateway).

Whatever its source, a payment is applied once: the invoice is issued, the dossier
moves to S3 and the contract goes out for signature, all in one transaction. A payment
that cannot be applied (wrong amount, dossier no longer awaiting it) is kept for
review, never lost and never applied.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domicili.adapters.payments import (
    CheckoutGateway,
    StripeGateway,
    StripeWebhooks,
    sign_stripe_payload,
)
from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import PaymentSettings, Settings
from domicili.errors import ConfigError, InvalidIdentifier, PaymentRefused
from domicili.french import format_eur
from domicili.ports import PaymentEvent
from domicili.testing import (
    RecordingNotifier,
    make_app,
    sample_answers,
    sample_pdf,
    sample_provider,
)

if TYPE_CHECKING:
    from conftest import StoreChoice, Templates, World

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "whsec_domicili_unit_tests"
CHECKOUT_URL = "https://paiement.example.fr/checkout/{token}"
PROVIDER_MOBILE = "06 98 76 54 32"
PROVIDER_SMS = "+33698765432"
CLIENT_SMS = "+33612345678"
CLIENT_EMAIL = "camille@atelier.example"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
BIC = "AGRIFRPP"


# -- helpers -----------------------------------------------------------------------------


def accepted_dossier(app: Domicili, *, seed: int = 1, **provider: Any) -> int:
    """A provider (reachable by SMS unless told otherwise) and one accepted dossier (S2)."""
    fields = {"phone": PROVIDER_MOBILE, **provider}
    added = app.add_provider(**sample_provider(seed, **fields))
    assert added.id is not None
    _client, (dossier,) = app.create_demande(sample_answers(), to=[added.id])
    assert dossier.id is not None
    kinds = [p.kind for p in app.justificatifs(dossier.id) if p.required]
    for kind in kinds:
        app.add_justificatif(dossier.id, kind, sample_pdf(f"{kind} {seed}"), f"{kind}.pdf")
    app.review(dossier.id, validate=kinds)
    app.accept(dossier.id)
    return dossier.id


def code(app: Domicili, dossier_id: int) -> str:
    return app.get_dossier(dossier_id).dossier.status.code


def due(app: Domicili, dossier_id: int) -> int:
    return app.get_dossier(dossier_id).dossier.amount_due_cents


def footprint(app: Domicili) -> tuple[object, ...]:
    """Everything a refused payment must leave as it was."""
    return (
        [d.model_dump() for d in app.list_dossiers()],
        [p.model_dump() for p in app.list_payments()],
        [i.number for i in app.list_invoices()],
        len(app.store.events()),
        len(app.outbox()),
    )


def stripe_body(
    event_id: str,
    kind: str,
    dossier_id: int | str | None,
    amount: int,
    *,
    intent: str = "pi_3PremierPaiement",
    currency: str = "eur",
    methods: tuple[str, ...] = ("card",),
    error: str | None = None,
) -> bytes:
    """A Stripe ``payment_intent.*`` event as Stripe posts it."""
    obj: dict[str, Any] = {
        "id": intent,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if kind == "succeeded" else 0,
        "currency": currency,
        "payment_method_types": list(methods),
        "metadata": {} if dossier_id is None else {"dossier_id": str(dossier_id)},
    }
    if error:
        obj["last_payment_error"] = {"message": error}
    event = {
        "id": event_id,
        "object": "event",
        "type": f"payment_intent.{kind}",
        "created": int(START.timestamp()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def post(
    app: Domicili,
    body: bytes,
    *,
    secret: str = SECRET,
    at: datetime | None = None,
) -> Any:
    """Deliver a webhook signed now (or at ``at``) with ``secret``."""
    moment = at or app.ctx.now()
    header = sign_stripe_payload(body, secret, int(moment.timestamp()))
    return app.receive_webhook(body, {"Stripe-Signature": header})


def sent(notifier: Any, template: str, channel: str | None = None) -> list[Any]:
    return [
        m
        for m in notifier.sent
        if m.template == template and (channel is None or m.channel == channel)
    ]


@dataclass
class Flow:
    """A facade over fakes on a copy of a database holding one accepted dossier."""

    app: Domicili
    clock: FixedClock
    notifier: RecordingNotifier
    dossier_id: int

    def mark(self) -> int:
        return len(self.notifier.sent)

    def since(self, mark: int) -> list[Any]:
        return self.notifier.sent[mark:]

    @property
    def due(self) -> int:
        return due(self.app, self.dossier_id)

    @property
    def status(self) -> str:
        return code(self.app, self.dossier_id)

    @property
    def provider_email(self) -> str:
        dossier = self.app.get_dossier(self.dossier_id).dossier
        return self.app.get_provider(dossier.provider_id).email


CHECKOUT = Settings(payment=PaymentSettings(checkout_url=CHECKOUT_URL))
#: An install that receives Stripe webhooks (staff-recorded payments work with any gateway).
STRIPE = Settings(payment=PaymentSettings(gateway="stripe"))


#: Makes a copy, in the folder given, of a database built once: its ``(db, files)``.
Source = Callable[[Path], tuple[str, Path]]


def build_template(db: str, files: Path, settings: Settings | None = None) -> None:
    app, _clock, _notifier = make_app(db, files=files, start=START, settings=settings)
    try:
        assert accepted_dossier(app) == 1
    finally:
        app.close()


def open_copy(source: Source, target: Path, settings: Settings | None = None) -> Flow:
    """Building an accepted dossier takes a while; copying the database does not."""
    db, files = source(target)
    app, clock, notifier = make_app(db, files=files, start=START, settings=settings)
    return Flow(app, clock, notifier, 1)


def reopen(flow: Flow, settings: Settings) -> Flow:
    """The database of ``flow`` (closed) opened again with other settings."""
    app, clock, notifier = make_app(
        flow.app.store.location, files=flow.app.data_dir, start=START, settings=settings
    )
    return Flow(app, clock, notifier, 1)


@pytest.fixture
def accepted_db(templates: Templates, store: StoreChoice) -> Source:
    return lambda root: templates.copy("payments-accepted", store, root, build_template)


@pytest.fixture
def checkout_db(templates: Templates, store: StoreChoice) -> Source:
    def build(db: str, files: Path) -> None:
        build_template(db, files, CHECKOUT)

    return lambda root: templates.copy("payments-checkout", store, root, build)


@pytest.fixture
def flow(accepted_db: Source, tmp_path: Path) -> Iterator[Flow]:
    """The accepted dossier on an install whose payment gateway is Stripe."""
    opened = open_copy(accepted_db, tmp_path / "db", STRIPE)
    try:
        yield opened
    finally:
        opened.app.close()


@pytest.fixture
def shop(checkout_db: Source, tmp_path: Path) -> Iterator[Flow]:
    """Like ``flow``, but acceptances open card-checkout links."""
    opened = open_copy(checkout_db, tmp_path / "db", CHECKOUT)
    try:
        yield opened
    finally:
        opened.app.close()


@pytest.fixture
def stripe_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DOMICILI_STRIPE_WEBHOOK_SECRET", SECRET)
    return SECRET


def emails(app: Domicili, template: str) -> list[Any]:
    """Every email of a template in the outbox (sent before or after the copy)."""
    return [m for m in app.outbox() if m.template == template and m.channel == "email"]


def link_token(app: Domicili, dossier_id: int) -> str:
    """The token of the last payment link emailed about a dossier."""
    bodies = [m.body for m in app.outbox(dossier_id=dossier_id) if m.channel == "email"]
    found = re.findall(r"/checkout/(pl_[0-9a-f]+)", "\n".join(bodies))
    assert found, "no payment link was emailed"
    return found[0]  # the outbox lists the newest first


# -- gateways are plugins ----------------------------------------------------------------


def test_builtin_payment_gateways_are_found_through_the_payments_entry_point_group() -> None:
    found = {ep.name: ep for ep in entry_points(group="domicili.payments")}
    assert {"checkout", "stripe"} <= set(found)
    assert found["checkout"].load() is CheckoutGateway
    assert found["stripe"].load() is StripeGateway


def test_the_default_gateway_is_the_simulated_checkout(world: World) -> None:
    assert world.app.payment_gateway.name == "checkout"
    assert isinstance(world.app.payment_gateway, CheckoutGateway)


class FakeEntryPoint:
    """An entry point as a third-party package would declare it."""

    def __init__(self, name: str, target: object) -> None:
        self.name, self.target = name, target

    def load(self) -> object:
        return self.target


def only_entry_points(
    monkeypatch: pytest.MonkeyPatch, group: str, points: list[FakeEntryPoint]
) -> None:
    """The installed entry points of ``group`` become ``points`` (others unchanged)."""
    import domicili.adapters

    real, wanted = domicili.adapters.installed, group

    def fake(group: str) -> Any:
        return {p.name: p for p in points} if group == wanted else real(group)

    monkeypatch.setattr(domicili.adapters, "installed", fake)


def test_load_adapter_finds_each_builtin_adapter_through_its_group() -> None:
    from domicili.adapters import load_adapter
    from domicili.adapters.notifiers import OutboxFolderNotifier
    from domicili.adapters.signatures import OtpSignature

    assert load_adapter("domicili.payments", "stripe") is StripeGateway
    assert load_adapter("domicili.payments", "checkout") is CheckoutGateway
    assert load_adapter("domicili.notifiers", "outbox") is OutboxFolderNotifier
    assert load_adapter("domicili.signatures", "otp") is OtpSignature


def test_without_package_metadata_the_builtin_adapters_are_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from domicili.adapters import load_adapter

    only_entry_points(monkeypatch, "domicili.payments", [])
    assert load_adapter("domicili.payments", "checkout") is CheckoutGateway
    assert load_adapter("domicili.payments", "stripe") is StripeGateway


def test_an_unknown_gateway_is_a_config_error_naming_the_installed_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    only_entry_points(monkeypatch, "domicili.payments", [FakeEntryPoint("paypal", object)])
    with pytest.raises(ConfigError) as refused:
        make_app(settings=Settings(payment=PaymentSettings(gateway="bitcoin")))
    assert str(refused.value) == (
        "Unknown payment gateway 'bitcoin'; installed payment gateways: checkout, paypal, stripe."
    )


def test_a_packages_gateway_is_used_under_its_own_name_never_under_a_builtin_one(
    checkout_db: Source, tmp_path: Path, stripe_secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package registers its gateways under names of its own; ``stripe`` and ``checkout``
    stay domicili's (found without scanning the installed packages)."""
    used: list[str] = []

    class MyStripe(StripeGateway):
        def parse_webhook(self, payload: bytes, headers: Any, now: datetime) -> PaymentEvent | None:
            used.append("stripe")
            return super().parse_webhook(payload, headers, now)

    class MyCheckout(CheckoutGateway):
        def simulate(
            self, token: str, dossier_id: int, amount_cents: int, *, succeed: bool
        ) -> PaymentEvent:
            used.append("checkout")
            return super().simulate(token, dossier_id, amount_cents, succeed=succeed)

    points = [
        FakeEntryPoint("checkout", MyCheckout),  # cannot take over the built-in name
        FakeEntryPoint("ma-caisse", MyCheckout),
        FakeEntryPoint("mon-stripe", MyStripe),
    ]
    only_entry_points(monkeypatch, "domicili.payments", points)
    builtin = open_copy(checkout_db, tmp_path / "builtin", CHECKOUT)
    try:
        assert type(builtin.app.payment_gateway) is CheckoutGateway
    finally:
        builtin.app.close()
    mine = Settings(payment=PaymentSettings(gateway="ma-caisse", checkout_url=CHECKOUT_URL))
    shop = open_copy(checkout_db, tmp_path / "shop", mine)
    try:
        token = link_token(shop.app, shop.dossier_id)
        assert shop.app.simulate_checkout(token, succeed=False).outcome == "failed"
    finally:
        shop.app.close()
    stripe = Settings(payment=PaymentSettings(gateway="mon-stripe", checkout_url=CHECKOUT_URL))
    hooks = reopen(shop, stripe)
    try:
        body = stripe_body("evt_plugin", "succeeded", hooks.dossier_id, hooks.due)
        assert post(hooks.app, body).outcome == "applied"
    finally:
        hooks.app.close()
    assert used == ["checkout", "stripe"]


def test_the_checkout_gateway_receives_no_webhooks(shop: Flow) -> None:
    before = footprint(shop.app)
    with pytest.raises(PaymentRefused) as refused:
        shop.app.receive_webhook(b"{}", {"Stripe-Signature": "t=1,v1=00"})
    assert str(refused.value) == "The checkout payment gateway receives no webhooks."
    assert footprint(shop.app) == before


def test_the_stripe_gateway_has_no_simulated_card_form(checkout_db: Source, tmp_path: Path) -> None:
    stripe = Settings(payment=PaymentSettings(gateway="stripe", checkout_url=CHECKOUT_URL))
    hooks = open_copy(checkout_db, tmp_path / "db", stripe)
    try:
        token = link_token(hooks.app, hooks.dossier_id)
        with pytest.raises(PaymentRefused, match="no simulated card form"):
            hooks.app.simulate_checkout(token)
        assert hooks.app.list_payments() == []
    finally:
        hooks.app.close()


def test_the_stripe_signature_header_is_found_whatever_its_case(
    flow: Flow, stripe_secret: str
) -> None:
    body = stripe_body("evt_case", "succeeded", flow.dossier_id, flow.due)
    header = sign_stripe_payload(body, SECRET, int(START.timestamp()))
    outcome = flow.app.receive_webhook(body, {"content-type": "x", "STRIPE-SIGNATURE": header})
    assert outcome.outcome == "applied"


def test_a_checkout_url_without_its_token_is_refused_when_the_facade_is_built() -> None:
    settings = Settings(payment=PaymentSettings(checkout_url="https://paiement.example.fr/"))
    with pytest.raises(ConfigError, match=r"must contain \{token\}"):
        make_app(settings=settings)


# -- a succeeded first payment -----------------------------------------------------------


def test_a_recorded_transfer_issues_a_paid_invoice_and_moves_the_dossier_to_s3(
    flow: Flow,
) -> None:
    app, dossier_id = flow.app, flow.dossier_id
    outcome = app.record_payment(dossier_id, method="transfer", reference="VIR-2026-0042")
    assert outcome.outcome == "applied"
    assert outcome.invoice_number == "F2026-000001"
    assert flow.status == "S3"
    (invoice,) = app.list_invoices(dossier_id=dossier_id)
    assert invoice.number == "F2026-000001"
    assert invoice.total_ttc_cents == flow.due
    assert invoice.data["paid_on"] == "2026-03-02"
    assert invoice.data["payment_means_text"] == "virement"
    (payment,) = app.list_payments(dossier_id=dossier_id)
    assert (payment.status, payment.adapter, payment.method) == ("succeeded", "manual", "transfer")
    assert payment.invoice_id == invoice.id
    assert payment.reference == "VIR-2026-0042"
    assert app.get_dossier(dossier_id).dossier.start_date == START.date()


def test_the_contract_sent_is_stored_and_its_sha256_kept_on_the_dossier(flow: Flow) -> None:
    flow.app.record_payment(flow.dossier_id, method="cheque")
    dossier = flow.app.get_dossier(flow.dossier_id).dossier
    assert dossier.contract_sha256 is not None
    assert dossier.contract_sent_at == START
    pdf = flow.app.ctx.files.read(dossier.contract_sha256)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == dossier.contract_sha256


def test_paying_emails_the_contract_to_both_and_the_invoice_to_the_client(flow: Flow) -> None:
    app = flow.app
    mark = flow.mark()
    app.record_payment(flow.dossier_id, method="card")
    sha = app.get_dossier(flow.dossier_id).dossier.contract_sha256
    assert sha is not None
    mails = {m.to: m for m in flow.since(mark) if m.template == "contract_to_sign"}
    assert set(mails) == {CLIENT_EMAIL, flow.provider_email}
    client_files = {a.filename: a.sha256 for a in mails[CLIENT_EMAIL].attachments}
    assert client_files == {
        "contrat-D-000001.pdf": sha,
        "facture-F2026-000001.pdf": app.get_invoice("F2026-000001").pdf_sha256,
    }
    assert [(a.filename, a.sha256) for a in mails[flow.provider_email].attachments] == [
        ("contrat-D-000001.pdf", sha)
    ]
    reference = f"SIG-D-000001-{sha[:12].upper()}"
    for message in mails.values():
        assert reference in message.body
        assert sha in message.body


def test_paying_texts_a_six_digit_code_to_the_mobile_of_each_party(flow: Flow) -> None:
    mark = flow.mark()
    flow.app.record_payment(flow.dossier_id, method="cash")
    sms = [m for m in flow.since(mark) if m.channel == "sms"]
    assert sorted(m.to for m in sms) == sorted([CLIENT_SMS, PROVIDER_SMS])
    assert {m.template for m in sms} == {"signature_code"}
    for message in sms:
        assert re.search(r"de signature du contrat D-000001 est \d{6}\.", message.body), (
            message.body
        )
        assert message.dossier_id == flow.dossier_id


def test_a_party_without_a_mobile_gets_its_code_in_the_contract_email(world: World) -> None:
    app = world.app
    dossier_id = accepted_dossier(app, phone="01 42 00 00 00")
    mark = len(world.notifier.sent)
    app.record_payment(dossier_id, method="transfer")
    provider_email = app.get_provider(app.get_dossier(dossier_id).dossier.provider_id).email
    assert [m.to for m in world.sent_since(mark) if m.channel == "sms"] == [CLIENT_SMS]
    (email,) = [m for m in world.sent_since(mark) if m.to == provider_email]
    assert re.search(r"Code de signature : \d{6}", email.body), email.body
    (client_email,) = [
        m for m in world.sent_since(mark) if m.to == CLIENT_EMAIL and m.channel == "email"
    ]
    assert "Code de signature" not in client_email.body


def test_payment_invoice_status_and_messages_are_one_transaction(
    flow: Flow, stripe_secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while sending the contract leaves no payment, no invoice, no message —
    and the same webhook event, delivered again, is then applied."""
    import domicili.documents

    app = flow.app
    before = footprint(app)
    mark = flow.mark()

    def broken(*_args: Any, **_kwargs: Any) -> bytes:
        raise RuntimeError("the contract renderer broke")

    body = stripe_body("evt_atomic", "succeeded", flow.dossier_id, flow.due)
    with monkeypatch.context() as patch:
        patch.setattr(domicili.documents, "render_contract", broken)
        with pytest.raises(RuntimeError, match="renderer broke"):
            post(app, body)
    assert footprint(app) == before
    assert flow.since(mark) == []

    assert post(app, body).outcome == "applied"
    assert flow.status == "S3"
    assert len(app.list_invoices(dossier_id=flow.dossier_id)) == 1


# -- amounts that do not match -----------------------------------------------------------


def test_a_recorded_payment_of_another_amount_is_refused_with_both_figures(flow: Flow) -> None:
    before = footprint(flow.app)
    with pytest.raises(PaymentRefused) as refused:
        flow.app.record_payment(flow.dossier_id, method="transfer", amount_cents=flow.due - 100)
    message = str(refused.value)
    assert format_eur(flow.due - 100) in message
    assert format_eur(flow.due) in message
    assert "nothing was recorded" in message
    assert footprint(flow.app) == before


def test_a_refused_recorded_payment_leaves_the_database_as_it_was(flow: Flow, dump: Any) -> None:
    before = dump(flow.app.store.location)
    with pytest.raises(PaymentRefused):
        flow.app.record_payment(flow.dossier_id, method="cheque", amount_cents=flow.due + 1)
    assert dump(flow.app.store.location) == before


def test_an_unknown_payment_method_is_refused_and_nothing_recorded(flow: Flow) -> None:
    before = footprint(flow.app)
    with pytest.raises(PaymentRefused, match="Unknown payment method 'bitcoin'"):
        flow.app.record_payment(flow.dossier_id, method="bitcoin")
    assert footprint(flow.app) == before


def test_a_webhook_of_another_amount_is_held_with_both_figures_and_the_provider_told(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    short = flow.due - 600
    outcome = post(app, stripe_body("evt_short", "succeeded", flow.dossier_id, short))
    assert outcome.outcome == "held"
    (payment,) = app.list_payments(status="held")
    assert payment.amount_cents == short
    assert payment.review_reason is not None
    assert format_eur(short) in payment.review_reason
    assert format_eur(flow.due) in payment.review_reason
    assert flow.status == "S2"
    assert app.list_invoices(dossier_id=flow.dossier_id) == []
    (told,) = sent(flow.notifier, "payment_held")
    assert told.to == flow.provider_email
    assert format_eur(short) in told.body
    assert format_eur(flow.due) in told.body


def test_a_checkout_payment_of_another_amount_is_held_not_applied(shop: Flow) -> None:
    app = shop.app
    token = link_token(app, shop.dossier_id)
    event = CheckoutGateway(CHECKOUT_URL).simulate(
        token, shop.dossier_id, shop.due * 2, succeed=True
    )
    assert app.handle_payment_event(event).outcome == "held"
    assert [p.status for p in app.list_payments(dossier_id=shop.dossier_id)] == ["held"]
    assert shop.status == "S2"
    assert app.list_invoices() == []
    assert len(sent(shop.notifier, "payment_held")) == 1


ENGLISH = ("the dossier", "received", " is due", "already paid", "sepa_debit", "card")


@pytest.mark.parametrize(
    ("situation", "method", "label", "reason"),
    [
        ("short", "sepa_debit", "prélèvement SEPA", "{received} reçus alors que {due} sont dus"),
        ("dismissed", "card", "carte bancaire", "le dossier est au statut S7 (Classé sans suite)"),
        ("paid", "ideal", "autre moyen de paiement", "le dossier est déjà payé (S3"),
    ],
)
def test_the_held_payment_email_is_in_french_with_the_method_in_words(
    flow: Flow, stripe_secret: str, situation: str, method: str, label: str, reason: str
) -> None:
    app = flow.app
    amount = flow.due - 600 if situation == "short" else flow.due
    if situation == "dismissed":
        app.dismiss(flow.dossier_id, "Doute sur l'origine des fonds")
    if situation == "paid":
        app.record_payment(flow.dossier_id, method="transfer")
    methods = (method,)
    body = stripe_body("evt_held", "succeeded", flow.dossier_id, amount, methods=methods)
    outcome = post(app, body)
    assert outcome.outcome == "held"
    (told,) = sent(flow.notifier, "payment_held")
    expected = reason.format(received=format_eur(amount), due=format_eur(flow.due))
    assert f"n’a pas été appliqué : {expected}" in told.body
    assert f"Montant reçu : {format_eur(amount)} ({label}, référence" in told.body
    for english in ENGLISH:
        assert english not in told.body
    assert outcome.message.startswith("Payment not applied: ")  # the CLI speaks English


def test_the_client_is_told_of_a_refused_payment_in_french_not_in_the_adapters_words(
    flow: Flow, stripe_secret: str
) -> None:
    declined = "Your card was declined."
    body = stripe_body("evt_ko", "payment_failed", flow.dossier_id, flow.due, error=declined)
    assert post(flow.app, body).outcome == "failed"
    (email,) = sent(flow.notifier, "payment_failed", "email")
    assert declined not in email.body
    assert "n’a pas abouti : votre banque a refusé le paiement." in email.body
    (payment,) = flow.app.list_payments()
    assert payment.review_reason == declined  # staff keep the adapter's own words


def test_a_failure_without_a_reason_tells_the_client_only_that_it_did_not_go_through(
    flow: Flow, stripe_secret: str
) -> None:
    body = stripe_body("evt_ko", "payment_failed", flow.dossier_id, flow.due)
    assert post(flow.app, body).outcome == "failed"
    (email,) = sent(flow.notifier, "payment_failed", "email")
    assert "pour la domiciliation D-000001\nn’a pas abouti.\n" in email.body


# -- payments a dossier cannot take ------------------------------------------------------


def test_a_payment_on_an_expired_dossier_is_held_for_review_never_applied(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    flow.clock.advance(days=8)
    assert app.sweep().expired == [flow.dossier_id]
    manual = app.record_payment(flow.dossier_id, method="transfer")
    webhook = post(app, stripe_body("evt_late", "succeeded", flow.dossier_id, flow.due))
    assert (manual.outcome, webhook.outcome) == ("held", "held")
    assert "S8" in manual.message
    assert flow.status == "S8"
    assert app.list_invoices() == []
    held = app.list_payments(status="held")
    assert len(held) == 2
    assert all("S8" in (p.review_reason or "") for p in held)
    assert len(sent(flow.notifier, "payment_held")) == 2


def test_a_payment_on_a_dismissed_dossier_is_held_for_review_never_applied(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    app.dismiss(flow.dossier_id, "Doute sur l'origine des fonds")
    outcome = post(app, stripe_body("evt_s7", "succeeded", flow.dossier_id, flow.due))
    assert outcome.outcome == "held"
    assert flow.status == "S7"
    (payment,) = app.list_payments(dossier_id=flow.dossier_id)
    assert payment.status == "held"
    assert "S7" in (payment.review_reason or "")
    assert app.list_invoices() == []
    assert not sent(flow.notifier, "contract_to_sign")


def test_a_second_payment_on_a_paid_dossier_is_held(flow: Flow) -> None:
    app = flow.app
    app.record_payment(flow.dossier_id, method="transfer", reference="VIR-1")
    again = app.record_payment(flow.dossier_id, method="cheque", reference="CHQ-77")
    assert again.outcome == "held"
    assert "already paid" in again.message
    assert [p.status for p in app.list_payments(dossier_id=flow.dossier_id)] == [
        "held",
        "succeeded",
    ]
    assert len(app.list_invoices(dossier_id=flow.dossier_id)) == 1
    assert flow.status == "S3"


@pytest.mark.parametrize(
    ("triggers", "code"),
    [(["sign", "schedule_termination"], "S5"), (["sign", "terminate"], "S6")],
    ids=["termination scheduled", "terminated"],
)
def test_a_payment_on_a_dossier_paid_long_ago_is_held_as_already_paid(
    flow: Flow, triggers: list[str], code: str
) -> None:
    app = flow.app
    app.record_payment(flow.dossier_id, method="transfer", reference="VIR-1")
    with app.store.transaction():  # no use case ends a contract yet: the table's own triggers
        dossier = app.ctx.dossier(flow.dossier_id)
        for trigger in triggers:
            app.ctx.move(dossier, trigger)
    assert flow.status == code

    again = app.record_payment(flow.dossier_id, method="cheque", reference="CHQ-78")

    assert again.outcome == "held"
    assert "already paid" in again.message
    assert len(app.list_invoices(dossier_id=flow.dossier_id)) == 1


def test_the_same_bank_reference_recorded_twice_is_one_payment(flow: Flow) -> None:
    app = flow.app
    app.record_payment(flow.dossier_id, method="transfer", reference="VIR-2026-0042")
    again = app.record_payment(flow.dossier_id, method="transfer", reference=" VIR-2026-0042 ")
    assert again.outcome == "duplicate"
    assert len(app.list_payments()) == 1
    assert len(app.list_invoices()) == 1


def scoped_to(app: Domicili, dossier_id: int) -> Domicili:
    """A facade on the same database and settings, scoped to the provider of ``dossier_id``."""
    provider = app.get_dossier(dossier_id).dossier.provider_id
    scoped, _clock, _notifier = make_app(
        app.store.location,
        files=app.data_dir,
        start=START,
        settings=app.settings,
        provider=provider,
    )
    return scoped


def test_the_same_cheque_number_at_two_providers_is_two_payments(file_world: World) -> None:
    """A cheque or transfer reference is the payer's, not unique across dossiers."""
    app = file_world.app
    first, second = accepted_dossier(app, seed=1), accepted_dossier(app, seed=2)
    assert app.record_payment(first, method="cheque", reference="0000123").outcome == "applied"
    other = scoped_to(app, second)
    try:
        theirs = other.record_payment(second, method="cheque", reference="0000123")
        again = other.record_payment(second, method="cheque", reference="0000123")
    finally:
        other.close()
    assert theirs.outcome == "applied"
    assert [p.status for p in app.list_payments(dossier_id=second)] == ["succeeded"]
    assert len(app.list_invoices()) == 2
    assert code(app, second) == "S3"
    assert (again.outcome, again.payment_id) == ("duplicate", theirs.payment_id)
    assert again.message == (
        f"Payment {theirs.payment_id} is already recorded (succeeded); nothing changed."
    )


def test_a_payment_recorded_for_another_dossier_is_not_named_in_the_refusal(
    tmp_path: Path, stripe_secret: str
) -> None:
    app, _clock, _notifier = make_app(tmp_path / "domicili.db", start=START, settings=STRIPE)
    try:
        refused_without_naming_the_other_dossier(app)
    finally:
        app.close()


def refused_without_naming_the_other_dossier(app: Domicili) -> None:
    first, second = accepted_dossier(app, seed=1), accepted_dossier(app, seed=2)
    paid = post(app, stripe_body("evt_1", "succeeded", first, due(app, first), intent="pi_X"))
    assert paid.outcome == "applied"
    other = scoped_to(app, second)
    try:
        body = stripe_body("evt_2", "succeeded", second, due(app, second), intent="pi_X")
        outcome = post(other, body)
    finally:
        other.close()
    assert (outcome.outcome, outcome.dossier_id, outcome.payment_id) == ("duplicate", second, None)
    assert outcome.message == (
        "This payment is already recorded for another dossier; nothing changed."
    )
    assert code(app, second) == "S2"
    assert app.list_payments(dossier_id=second) == []


def test_a_webhook_naming_no_known_dossier_is_held_with_no_dossier(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    for event_id, dossier in (("evt_nobody", 999), ("evt_nometa", None)):
        body = stripe_body(event_id, "succeeded", dossier, flow.due, intent=f"pi_{event_id}")
        outcome = post(app, body)
        assert (outcome.outcome, outcome.dossier_id, outcome.notified) == ("held", None, None)
    held = app.list_payments(status="held")
    assert [(p.external_id, p.dossier_id, p.provider_id) for p in held] == [
        ("pi_evt_nometa", None, None),  # newest first
        ("pi_evt_nobody", None, None),
    ]
    assert [p.review_reason for p in held] == ["no dossier is named", "dossier 999 does not exist"]
    kept = [e for e in app.store.events() if e.type == "payment.held"]
    assert [e.data["event_id"] for e in kept] == ["evt_nobody", "evt_nometa"]
    assert flow.status == "S2"


# -- Stripe signatures -------------------------------------------------------------------


def test_a_webhook_signed_with_another_secret_is_refused_and_changes_nothing(
    flow: Flow, stripe_secret: str
) -> None:
    before = footprint(flow.app)
    body = stripe_body("evt_forged", "succeeded", flow.dossier_id, flow.due)
    with pytest.raises(PaymentRefused, match="signature does not match"):
        post(flow.app, body, secret="whsec_not_the_right_one")
    assert footprint(flow.app) == before


def test_a_webhook_whose_body_was_altered_after_signing_is_refused(
    flow: Flow, stripe_secret: str
) -> None:
    body = stripe_body("evt_x", "succeeded", flow.dossier_id, 100)
    header = sign_stripe_payload(body, SECRET, int(START.timestamp()))
    altered = body.replace(b'"amount": 100', f'"amount": {flow.due}'.encode())
    assert altered != body
    with pytest.raises(PaymentRefused, match="signature does not match"):
        flow.app.handle_stripe_webhook(altered, header)
    assert flow.app.list_payments() == []


def test_webhook_timestamps_are_accepted_up_to_five_minutes_from_now(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    for event_id, offset in (("evt_old", -301), ("evt_future", 301)):
        with pytest.raises(PaymentRefused, match="more than 5 minutes"):
            post(
                app,
                stripe_body(event_id, "processing", flow.dossier_id, flow.due),
                at=START + timedelta(seconds=offset),
            )
    assert app.list_payments() == []
    edge = post(
        app,
        stripe_body("evt_edge", "processing", flow.dossier_id, flow.due),
        at=START - timedelta(seconds=300),
    )
    assert edge.outcome == "pending"


def test_a_webhook_without_a_timestamp_is_refused(flow: Flow, stripe_secret: str) -> None:
    body = stripe_body("evt_t", "succeeded", flow.dossier_id, flow.due)
    mac = sign_stripe_payload(body, SECRET, int(START.timestamp())).split(",")[1]
    with pytest.raises(PaymentRefused, match="no timestamp"):
        flow.app.handle_stripe_webhook(body, mac)
    assert flow.app.list_payments() == []


def test_one_matching_v1_signature_among_several_is_enough(flow: Flow, stripe_secret: str) -> None:
    body = stripe_body("evt_rolled", "succeeded", flow.dossier_id, flow.due)
    now = int(START.timestamp())
    good = sign_stripe_payload(body, SECRET, now).split("v1=")[1]
    stale = sign_stripe_payload(body, "whsec_previous_secret", now).split("v1=")[1]
    header = f"t={now},v1={stale},v1={good}"
    assert flow.app.handle_stripe_webhook(body, header).outcome == "applied"


def test_webhooks_need_the_signing_secret_from_the_environment(flow: Flow) -> None:
    body = stripe_body("evt_nosecret", "succeeded", flow.dossier_id, flow.due)
    with pytest.raises(ConfigError, match="DOMICILI_STRIPE_WEBHOOK_SECRET"):
        post(flow.app, body)
    assert flow.app.list_payments() == []


def test_event_types_other_than_payment_intents_are_ignored(flow: Flow, stripe_secret: str) -> None:
    body = json.loads(stripe_body("evt_refund", "succeeded", flow.dossier_id, flow.due))
    body["type"] = "charge.refunded"
    outcome = post(flow.app, json.dumps(body).encode())
    assert outcome.outcome == "ignored"
    assert flow.app.list_payments() == []
    assert flow.status == "S2"


def test_a_webhook_in_another_currency_is_held_with_its_currency(
    flow: Flow, stripe_secret: str
) -> None:
    body = stripe_body("evt_usd", "succeeded", flow.dossier_id, flow.due, currency="usd")
    outcome = post(flow.app, body)
    assert (outcome.outcome, outcome.dossier_id) == ("held", flow.dossier_id)
    (payment,) = flow.app.list_payments(status="held")
    assert (payment.currency, payment.amount_cents) == ("USD", flow.due)
    assert payment.review_reason == "paid in USD, not in euros"
    assert flow.status == "S2"
    assert flow.app.list_invoices() == []


def test_a_body_that_is_not_a_stripe_event_is_refused(flow: Flow, stripe_secret: str) -> None:
    with pytest.raises(PaymentRefused, match="not a Stripe event"):
        post(flow.app, b'{"hello": "world"}')


def parse_signed(payload: bytes) -> PaymentEvent | None:
    """What the Stripe adapter makes of ``payload``, correctly signed now."""
    header = sign_stripe_payload(payload, SECRET, int(START.timestamp()))
    return StripeWebhooks(SECRET).parse(payload, header, START)


def with_field(path: tuple[str, ...], value: object, kind: str = "succeeded") -> bytes:
    """A well-formed event whose field at ``path`` is replaced by ``value``."""
    event = json.loads(stripe_body("evt_odd", kind, 1, 12600))
    *parents, last = path
    target = event
    for key in parents:
        target = target[key]
    target[last] = value
    return json.dumps(event).encode()


OBJECT = ("data", "object")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("data",), None),
        (("data",), ["object"]),
        (OBJECT, [1, 2]),
        (OBJECT, "pi_3PremierPaiement"),
        (("id",), ["evt_odd"]),
        (("id",), ""),
        (("type",), 42),
        ((*OBJECT, "id"), {"id": "pi_1"}),
        ((*OBJECT, "id"), None),
        ((*OBJECT, "amount"), "12600"),
        ((*OBJECT, "amount_received"), "12600"),
        ((*OBJECT, "amount_received"), 126.0),
        ((*OBJECT, "amount_received"), True),
        ((*OBJECT, "amount_received"), -12600),
        ((*OBJECT, "amount_received"), 10**30),
        ((*OBJECT, "metadata"), ["dossier_id", "1"]),
        ((*OBJECT, "metadata"), "dossier 1"),
        ((*OBJECT, "currency"), ["eur"]),
        ((*OBJECT, "payment_method_types"), "card"),
        ((*OBJECT, "payment_method_types"), [{"type": "card"}]),
        ((*OBJECT, "last_payment_error"), "declined"),
        ((*OBJECT, "last_payment_error"), {"message": ["declined"]}),
        (("created",), "2026-03-02"),
        (("created",), 1.5e9),
        (("created",), 10**20),
        (("created",), -(10**20)),
        (("id",), "evt_\ud800"),
    ],
)
def test_a_well_signed_webhook_of_an_odd_shape_is_refused_in_one_sentence(
    path: tuple[str, ...], value: object
) -> None:
    with pytest.raises(PaymentRefused) as refused:
        parse_signed(with_field(path, value))
    message = str(refused.value)
    assert re.fullmatch(r"Webhook [^\n]*\.", message), message


def test_an_odd_failure_reason_or_an_absent_creation_time_is_no_reason_to_refuse() -> None:
    event = parse_signed(with_field(("created",), None, "payment_failed"))
    assert event is not None
    assert event.occurred_at is None
    event = parse_signed(with_field((*OBJECT, "last_payment_error"), None, "payment_failed"))
    assert event is not None
    assert event.failure_reason is None


#: Any JSON document.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
FIELDS = [
    ("id",),
    ("type",),
    ("created",),
    ("data",),
    OBJECT,
    *[
        (*OBJECT, name)
        for name in (
            "id",
            "amount",
            "amount_received",
            "currency",
            "payment_method_types",
            "metadata",
            "last_payment_error",
        )
    ],
]


@st.composite
def stripe_like(draw: st.DrawFn) -> object:
    """A Stripe event of a drawn type with some of its fields replaced by any JSON."""
    kind = draw(st.sampled_from(["succeeded", "payment_failed", "processing", "refunded"]))
    event = json.loads(stripe_body("evt_any", kind, 1, 12600, error="Your card was declined."))
    for path in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        target = event
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[path[-1]] = draw(JSON)
    return event


@settings(max_examples=400, deadline=None)
@given(body=st.one_of(JSON, stripe_like()))
def test_any_well_signed_json_body_is_an_event_ignored_or_refused_never_an_error(
    body: object,
) -> None:
    outcome: PaymentEvent | PaymentRefused | None
    try:
        outcome = parse_signed(json.dumps(body).encode())
    except PaymentRefused as refused:
        outcome = refused
    if isinstance(outcome, PaymentRefused):
        assert re.fullmatch(r"Webhook [^\n]*\.", str(outcome)), outcome
    elif outcome is not None:
        assert isinstance(outcome, PaymentEvent)
        assert outcome.amount_cents >= 0
        assert outcome.event_id
        assert outcome.external_id
        assert outcome.dossier_id is None or 0 < outcome.dossier_id < 2**63


# -- exactly once ------------------------------------------------------------------------


def test_the_same_stripe_event_replayed_100_times_is_applied_once(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    body = stripe_body("evt_replayed", "succeeded", flow.dossier_id, flow.due)
    outcomes = [post(app, body).outcome for _ in range(100)]
    assert outcomes[0] == "applied"
    assert set(outcomes[1:]) == {"duplicate"}
    (payment,) = app.list_payments()
    assert payment.status == "succeeded"
    assert len(app.list_invoices(dossier_id=flow.dossier_id)) == 1
    assert len(sent(flow.notifier, "contract_to_sign")) == 2
    assert flow.status == "S3"


def test_succeeded_arriving_before_processing_makes_one_payment_and_one_invoice(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    first = post(app, stripe_body("evt_2", "succeeded", flow.dossier_id, flow.due))
    assert first.outcome == "applied"
    late = post(app, stripe_body("evt_1", "processing", flow.dossier_id, flow.due))
    assert late.outcome == "duplicate"
    (payment,) = app.list_payments()
    assert payment.status == "succeeded"
    assert len(app.list_invoices()) == 1
    assert flow.status == "S3"


def test_a_failure_after_success_for_the_same_intent_changes_nothing(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    post(app, stripe_body("evt_ok", "succeeded", flow.dossier_id, flow.due))
    mark = flow.mark()
    failed = stripe_body("evt_ko", "payment_failed", flow.dossier_id, flow.due, error="Refusée")
    assert post(app, failed).outcome == "duplicate"
    (payment,) = app.list_payments()
    assert payment.status == "succeeded"
    assert len(app.list_invoices()) == 1
    assert flow.status == "S3"
    assert flow.since(mark) == []


def test_a_sepa_debit_stays_pending_until_it_is_confirmed(flow: Flow, stripe_secret: str) -> None:
    app = flow.app
    mark = flow.mark()
    sepa = ("sepa_debit",)
    processing = stripe_body("evt_p", "processing", flow.dossier_id, flow.due, methods=sepa)
    assert post(app, processing).outcome == "pending"
    (pending,) = app.list_payments()
    assert (pending.status, pending.method, pending.amount_cents) == (
        "pending",
        "sepa_debit",
        flow.due,
    )
    assert flow.status == "S2"
    assert app.list_invoices() == []
    assert flow.since(mark) == []

    confirmed = stripe_body("evt_s", "succeeded", flow.dossier_id, flow.due, methods=sepa)
    assert post(app, confirmed).outcome == "applied"
    (applied,) = app.list_payments()
    assert (applied.id, applied.status) == (pending.id, "succeeded")
    assert len(app.list_invoices()) == 1
    assert flow.status == "S3"


def test_a_processing_event_arriving_after_the_failure_leaves_the_payment_failed(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    post(app, stripe_body("evt_2", "payment_failed", flow.dossier_id, flow.due))
    late = post(app, stripe_body("evt_1", "processing", flow.dossier_id, flow.due))
    assert late.outcome == "duplicate"
    assert [p.status for p in app.list_payments()] == ["failed"]
    assert flow.status == "S2"


def test_a_replayed_failure_tells_the_client_only_once(flow: Flow, stripe_secret: str) -> None:
    body = stripe_body("evt_ko", "payment_failed", flow.dossier_id, flow.due, error="Refusée")
    outcomes = [post(flow.app, body).outcome for _ in range(3)]
    assert outcomes == ["failed", "duplicate", "duplicate"]
    assert len(sent(flow.notifier, "payment_failed", "email")) == 1
    assert len(sent(flow.notifier, "payment_failed", "sms")) == 1


def test_a_failed_attempt_then_a_retry_that_succeeds_is_one_payment(
    flow: Flow, stripe_secret: str
) -> None:
    app = flow.app
    failed = post(app, stripe_body("evt_f", "payment_failed", flow.dossier_id, flow.due))
    assert failed.outcome == "failed"
    assert post(app, stripe_body("evt_s", "succeeded", flow.dossier_id, flow.due)).outcome == (
        "applied"
    )
    assert [p.status for p in app.list_payments()] == ["succeeded"]
    assert flow.status == "S3"


KINDS = {"processing": "processing", "failed": "payment_failed", "succeeded": "succeeded"}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=5),
    amount_matches=st.booleans(),
    data=st.data(),
)
def test_any_order_and_replay_of_events_for_one_intent_yields_at_most_one_invoice(
    accepted_db: Source,
    monkeypatch: pytest.MonkeyPatch,
    kinds: list[str],
    amount_matches: bool,
    data: st.DataObject,
) -> None:
    monkeypatch.setenv("DOMICILI_STRIPE_WEBHOOK_SECRET", SECRET)
    with tempfile.TemporaryDirectory() as scratch:
        flow = open_copy(accepted_db, Path(scratch) / "db", STRIPE)
        try:
            amount = flow.due if amount_matches else flow.due + 500
            bodies = [
                stripe_body(f"evt_{i}", KINDS[kind], flow.dossier_id, amount)
                for i, kind in enumerate(kinds)
            ]
            replays = data.draw(st.lists(st.sampled_from(bodies), max_size=4), label="replays")
            for body in data.draw(st.permutations(bodies + replays), label="order"):
                post(flow.app, body)

            applies = "succeeded" in kinds and amount_matches
            invoices = flow.app.list_invoices(dossier_id=flow.dossier_id)
            assert len(invoices) <= 1
            assert len(invoices) == int(applies)
            assert flow.status == ("S3" if applies else "S2")
            (payment,) = flow.app.list_payments(dossier_id=flow.dossier_id)
            if "succeeded" in kinds:
                assert payment.status == ("succeeded" if amount_matches else "held")
            else:
                assert payment.status == ("failed" if "failed" in kinds else "pending")
        finally:
            flow.app.close()


# -- card checkout -----------------------------------------------------------------------


def test_the_acceptance_email_carries_a_payment_link_and_the_amount_due(shop: Flow) -> None:
    (accepted,) = emails(shop.app, "accepted")
    token = link_token(shop.app, shop.dossier_id)
    assert CHECKOUT_URL.format(token=token) in accepted.body
    assert format_eur(shop.due) in accepted.body


def test_a_simulated_checkout_success_applies_the_payment_and_closes_the_link(
    shop: Flow,
) -> None:
    app = shop.app
    token = link_token(app, shop.dossier_id)
    outcome = app.simulate_checkout(token, succeed=True)
    assert outcome.outcome == "applied"
    assert shop.status == "S3"
    (payment,) = app.list_payments()
    assert (payment.adapter, payment.method, payment.reference) == ("checkout", "card", token)
    assert app.list_invoices()[0].data["payment_means_text"] == "carte bancaire"
    with pytest.raises(PaymentRefused, match="is paid"):
        app.simulate_checkout(token, succeed=True)
    assert len(app.list_payments()) == 1


def test_a_failed_checkout_keeps_the_link_open_for_a_retry(shop: Flow) -> None:
    app = shop.app
    token = link_token(app, shop.dossier_id)
    assert app.simulate_checkout(token, succeed=False).outcome == "failed"
    assert shop.status == "S2"
    assert app.simulate_checkout(token, succeed=True).outcome == "applied"
    assert [p.status for p in app.list_payments()] == ["succeeded", "failed"]
    assert shop.status == "S3"


def test_an_unknown_or_replaced_payment_link_takes_no_payment(shop: Flow) -> None:
    app = shop.app
    first = link_token(app, shop.dossier_id)
    with pytest.raises(PaymentRefused, match="No payment link pl_inconnu"):
        app.simulate_checkout("pl_inconnu")
    shop.clock.advance(days=8)
    app.sweep()
    app.reactivate(shop.dossier_id)
    second = link_token(app, shop.dossier_id)
    assert second != first
    with pytest.raises(PaymentRefused, match="expired"):
        app.simulate_checkout(first)
    assert app.list_payments() == []
    assert app.simulate_checkout(second).outcome == "applied"


def test_the_link_of_an_expired_dossier_takes_no_payment(shop: Flow) -> None:
    token = link_token(shop.app, shop.dossier_id)
    shop.clock.advance(days=8)
    shop.app.sweep()
    with pytest.raises(PaymentRefused, match="expired"):
        shop.app.simulate_checkout(token)
    assert shop.status == "S8"
    assert shop.app.list_payments() == []


def test_the_link_of_a_dismissed_dossier_takes_no_payment(shop: Flow) -> None:
    token = link_token(shop.app, shop.dossier_id)
    shop.app.dismiss(shop.dossier_id, "Capacité atteinte")
    with pytest.raises(PaymentRefused, match="closed"):
        shop.app.simulate_checkout(token)
    assert shop.app.list_payments() == []


# -- failed payments ---------------------------------------------------------------------


def test_a_failed_payment_tells_the_client_at_once_by_email_and_sms_how_to_retry(
    shop: Flow,
) -> None:
    token = link_token(shop.app, shop.dossier_id)
    mark = shop.mark()
    shop.app.simulate_checkout(token, succeed=False)
    told = shop.since(mark)
    assert sorted((m.template, m.channel, m.to) for m in told) == [
        ("payment_failed", "email", CLIENT_EMAIL),
        ("payment_failed", "sms", CLIENT_SMS),
    ]
    email = next(m for m in told if m.channel == "email")
    assert CHECKOUT_URL.format(token=token) in email.body
    assert "n’a pas abouti : votre banque a refusé le paiement." in email.body
    assert "lundi 9 mars 2026" in email.body
    sms = next(m for m in told if m.channel == "sms")
    assert "Réessayez avant le lundi 9 mars 2026" in sms.body


def test_a_failed_payment_does_not_stop_the_deadline(flow: Flow, stripe_secret: str) -> None:
    app = flow.app
    deadline = app.get_dossier(flow.dossier_id).dossier.payment_due_at
    assert deadline is not None
    post(app, stripe_body("evt_ko", "payment_failed", flow.dossier_id, flow.due))
    assert app.get_dossier(flow.dossier_id).dossier.payment_due_at == deadline
    flow.clock.set(deadline - timedelta(minutes=1))
    assert app.sweep().expired == []
    flow.clock.set(deadline + timedelta(seconds=1))
    assert app.sweep().expired == [flow.dossier_id]
    assert flow.status == "S8"


# -- how to pay --------------------------------------------------------------------------


def test_without_a_link_the_acceptance_gives_the_provider_bank_details(world: World) -> None:
    app = world.app
    provider = app.add_provider(**sample_provider(5, phone=PROVIDER_MOBILE))
    assert provider.id is not None
    updated = app.update_provider(provider.id, iban=IBAN, bic=BIC)
    assert (updated.iban, updated.bic) == (IBAN.replace(" ", ""), BIC)
    (dossier_id,) = world.demande(provider.id)
    world.ready(dossier_id)
    app.accept(dossier_id)
    (accepted,) = sent(world.notifier, "accepted", "email")
    assert format_eur(due(app, dossier_id)) in accepted.body
    assert f"IBAN {IBAN}" in accepted.body  # grouped by four, as people read it
    assert f"BIC {BIC}" in accepted.body
    assert "Référence à indiquer : D-000001" in accepted.body
    assert "Payer en ligne" not in accepted.body


def test_with_a_link_and_bank_details_the_acceptance_gives_both() -> None:
    app, _clock, notifier = make_app(start=START, settings=CHECKOUT)
    try:
        dossier_id = accepted_dossier(app, iban=IBAN, bic=BIC)
        (accepted,) = sent(notifier, "accepted", "email")
        assert CHECKOUT_URL.format(token=link_token(app, dossier_id)) in accepted.body
        assert "Ou par virement" in accepted.body
        assert IBAN in accepted.body
    finally:
        app.close()


def test_without_link_or_bank_details_a_message_says_whom_to_contact(flow: Flow) -> None:
    """An acceptance needs a way to pay (tests/integration/test_way_to_pay.py); a dossier
    whose provider's links were switched off since is reminded whom to contact."""
    from domicili.service.dossiers import payment_instructions

    details = flow.app.get_dossier(flow.dossier_id)
    provider = details.provider.model_copy(update={"iban": None})
    assert payment_instructions(provider, details.dossier, None) == (
        f"Pour régler, contactez {provider.name} ({provider.email}) "
        f"en rappelant la référence {details.dossier.reference}."
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("iban", "FR76 3000 6000 0112 3456 7890 188"),
        ("iban", "XX00 1234"),
        ("bic", "AGRI"),
    ],
)
def test_invalid_bank_details_are_refused_and_the_provider_unchanged(
    world: World, field: str, value: str
) -> None:
    app = world.app
    provider_id = world.provider()
    before = app.get_provider(provider_id)
    with pytest.raises(InvalidIdentifier, match=f"not a valid {field.upper()}"):
        app.update_provider(provider_id, **{field: value})
    assert app.get_provider(provider_id) == before


# -- any adapter -------------------------------------------------------------------------


def test_any_adapter_event_is_applied_the_same_way_and_once(flow: Flow) -> None:
    app = flow.app
    event = PaymentEvent(
        adapter="releve-bancaire",
        event_id="releve-2026-03-02-0001",
        kind="succeeded",
        dossier_id=flow.dossier_id,
        amount_cents=flow.due,
        method="transfer",
        external_id="VIR-88",
        reference="VIR-88",
    )
    assert app.handle_payment_event(event).outcome == "applied"
    assert app.handle_payment_event(event).outcome == "duplicate"
    (payment,) = app.list_payments()
    assert (payment.adapter, payment.status) == ("releve-bancaire", "succeeded")
    assert len(app.list_invoices()) == 1


def test_an_event_replayed_is_ignored_even_when_it_names_no_payment_id(flow: Flow) -> None:
    """Without an external id only the event id tells a replay from a second payment."""
    event = PaymentEvent(
        adapter="releve-bancaire",
        event_id="releve-2026-03-02-0002",
        kind="succeeded",
        dossier_id=flow.dossier_id,
        amount_cents=flow.due,
        method="cash",
    )
    assert flow.app.handle_payment_event(event).outcome == "applied"
    mark = flow.mark()
    assert flow.app.handle_payment_event(event).outcome == "duplicate"
    assert [p.status for p in flow.app.list_payments()] == ["succeeded"]
    assert flow.since(mark) == []


def test_held_payments_are_listed_for_review(flow: Flow) -> None:
    app = flow.app
    app.record_payment(flow.dossier_id, method="transfer")
    app.record_payment(flow.dossier_id, method="cash")
    assert [p.method for p in app.list_payments(status="held")] == ["cash"]
    assert [p.method for p in app.list_payments(status="succeeded")] == ["transfer"]
    assert len(app.list_payments(dossier_id=flow.dossier_id)) == 2


def test_an_event_for_another_providers_dossier_is_held_where_it_arrived(
    flow: Flow, stripe_secret: str
) -> None:
    other = flow.app.add_provider(**sample_provider(42))
    assert other.id is not None
    scoped, _clock, _notifier = make_app(
        flow.app.store.location,
        files=flow.app.data_dir,
        start=START,
        settings=STRIPE,
        provider=other.id,
    )
    try:
        body = stripe_body("evt_elsewhere", "succeeded", flow.dossier_id, flow.due)
        outcome = post(scoped, body)  # not this provider's dossier
        assert (outcome.outcome, outcome.dossier_id) == ("held", None)
        (held,) = scoped.list_payments(status="held")
    finally:
        scoped.close()
    assert (held.provider_id, held.dossier_id) == (other.id, None)
    assert held.review_reason == f"dossier {flow.dossier_id} is not one of this provider's"
    assert post(flow.app, body).outcome == "duplicate"  # the same event: kept once
    assert flow.status == "S2"
