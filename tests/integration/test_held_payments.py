"""No payment out of sight: every verified payment that cannot be applied is held, listed,
told to the provider or the operator, and resolved once by staff (apply or refund).

On both stores, through correctly signed Stripe webhooks and staff-recorded payments,
on a copy of a database holding two providers with one accepted dossier (S2) each.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.adapters.payments import sign_stripe_payload
from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import PaymentSettings, Settings
from domicili.errors import PaymentNotFound, PaymentRefused
from domicili.french import format_eur
from domicili.testing import (
    RecordingNotifier,
    make_app,
    sample_answers,
    sample_pdf,
    sample_provider,
)

if TYPE_CHECKING:
    from conftest import StoreChoice, Templates

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "whsec_domicili_held_tests"
OPERATOR = "paiements@exploitant.example"
STRIPE = Settings(payment=PaymentSettings(gateway="stripe", operator_email=OPERATOR))
NO_OPERATOR = Settings(payment=PaymentSettings(gateway="stripe"))


def build(db: str, files: Path) -> None:
    """Providers 1 and 2, each with one accepted dossier (1 and 2), awaiting payment."""
    app, _clock, _notifier = make_app(db, files=files, start=START)
    try:
        for seed in (1, 2):
            provider = app.add_provider(**sample_provider(seed, phone="06 98 76 54 3" + str(seed)))
            assert provider.id is not None
            _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id])
            assert dossier.id == seed
            kinds = [p.kind for p in app.justificatifs(seed) if p.required]
            for kind in kinds:
                app.add_justificatif(seed, kind, sample_pdf(f"{kind} {seed}"), f"{kind}.pdf")
            app.review(seed, validate=kinds)
            app.accept(seed)
    finally:
        app.close()


@dataclass
class Cabinet:
    """The database copy, opened unscoped; ``session(provider)`` opens scoped ones."""

    db: str
    files: Path
    app: Domicili
    clock: FixedClock
    notifier: RecordingNotifier
    opened: list[Domicili]

    def session(
        self, provider: int | None, settings: Settings = STRIPE
    ) -> tuple[Domicili, RecordingNotifier]:
        app, _clock, notifier = make_app(
            self.db, files=self.files, start=START, settings=settings, provider=provider
        )
        self.opened.append(app)
        return app, notifier

    def due(self, dossier_id: int) -> int:
        return self.app.get_dossier(dossier_id).dossier.amount_due_cents

    def status(self, dossier_id: int) -> str:
        return self.app.get_dossier(dossier_id).dossier.status.code

    def events(self, type_: str) -> list[Any]:
        return [e for e in self.app.store.events() if e.type == type_]


@pytest.fixture
def cabinet(
    templates: Templates, store: StoreChoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cabinet]:
    monkeypatch.setenv("DOMICILI_STRIPE_WEBHOOK_SECRET", SECRET)
    db, files = templates.copy("held-two-providers", store, tmp_path / "db", build)
    app, clock, notifier = make_app(db, files=files, start=START, settings=STRIPE)
    made = Cabinet(db, files, app, clock, notifier, [])
    try:
        yield made
    finally:
        for other in made.opened:
            other.close()
        app.close()


def stripe_body(
    event_id: str, dossier_id: int | None, amount: int, *, currency: str = "eur"
) -> bytes:
    """A ``payment_intent.succeeded`` event as Stripe posts it (intent ``pi_<event id>``)."""
    metadata = {} if dossier_id is None else {"dossier_id": str(dossier_id)}
    obj = {
        "id": f"pi_{event_id}",
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "currency": currency,
        "payment_method_types": ["card"],
        "metadata": metadata,
    }
    event = {
        "id": event_id,
        "type": "payment_intent.succeeded",
        "created": int(START.timestamp()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def post(app: Domicili, body: bytes) -> Any:
    """The webhook, signed with the endpoint's secret now, as Stripe would send it."""
    header = sign_stripe_payload(body, SECRET, int(app.ctx.now().timestamp()))
    return app.receive_webhook(body, {"Stripe-Signature": header})


@dataclass(frozen=True)
class Case:
    """A payment that cannot be applied: who receives it, what it names, what is kept."""

    scope: int | None
    dossier: int | None
    amount: str  # "due" or "short"
    currency: str
    reason: str
    kept_for: tuple[int | None, int | None]  # (provider_id, dossier_id) of the held payment
    told: str  # template of the email, to whom: "operator" or "provider N"


CASES = {
    "unknown dossier": Case(
        None, 999, "due", "eur", "dossier 999 does not exist", (None, None), "operator"
    ),
    "no dossier reference": Case(
        None, None, "due", "eur", "no dossier is named", (None, None), "operator"
    ),
    "another provider's dossier": Case(
        2,
        1,
        "due",
        "eur",
        "dossier 1 is not one of this provider's",
        (2, None),
        "provider 2",
    ),
    "another currency": Case(
        None, 1, "due", "usd", "paid in USD, not in euros", (1, 1), "provider 1"
    ),
    "wrong amount": Case(None, 1, "short", "eur", "received but", (1, 1), "provider 1"),
    "dossier not awaiting payment": Case(
        None, 1, "due", "eur", "the dossier is S7", (1, 1), "provider 1"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_signed_webhook_that_cannot_be_applied_is_held_listed_and_told(
    cabinet: Cabinet, case: Case
) -> None:
    if case.reason.startswith("the dossier is S7"):
        cabinet.app.dismiss(1, "Doute sur l'origine des fonds")
    amount = cabinet.due(1) - (600 if case.amount == "short" else 0)
    app, notifier = cabinet.session(case.scope)
    body = stripe_body("evt_held_1", case.dossier, amount, currency=case.currency)

    outcome = post(app, body)

    assert outcome.outcome == "held"
    assert outcome.payment_id is not None
    assert f"kept as held payment {outcome.payment_id} for review" in outcome.message
    (held,) = app.list_payments(status="held")
    assert (held.id, held.provider_id, held.dossier_id) == (outcome.payment_id, *case.kept_for)
    assert (held.adapter, held.external_id, held.event_id) == (
        "stripe",
        "pi_evt_held_1",
        "evt_held_1",
    )
    assert (held.amount_cents, held.currency) == (amount, case.currency.upper())
    assert held.review_reason is not None
    assert case.reason in held.review_reason
    (logged,) = [e for e in cabinet.events("payment.held") if e.data["payment_id"] == held.id]
    assert (logged.data["event_id"], logged.data["amount_cents"]) == ("evt_held_1", amount)
    assert logged.provider_id == case.kept_for[0]
    expected = (
        OPERATOR if case.told == "operator" else f"contact{case.told[-1]}@domiciliation.example"
    )
    assert outcome.notified == expected
    template = "payment_unmatched" if case.kept_for[1] is None else "payment_held"
    (email,) = [m for m in notifier.sent if m.template == template]
    assert email.to == expected
    assert f"conservé sous le n° {held.id} pour examen" in email.body
    assert f"domicili payment apply {held.id}" in email.body
    assert [cabinet.status(1), cabinet.status(2)] == [
        "S7" if case.reason.startswith("the dossier is S7") else "S2",
        "S2",
    ]
    assert cabinet.app.list_invoices() == []
    assert cabinet.app.verify_audit().ok


def test_a_held_webhook_replayed_is_kept_once(cabinet: Cabinet) -> None:
    body = stripe_body("evt_twice", None, 12600)
    assert post(cabinet.app, body).outcome == "held"
    assert post(cabinet.app, body).outcome == "duplicate"
    assert len(cabinet.app.list_payments(status="held")) == 1
    assert len([m for m in cabinet.notifier.sent if m.template == "payment_unmatched"]) == 1


def test_without_an_operator_address_a_payment_of_nobody_is_listed_and_nobody_told(
    cabinet: Cabinet,
) -> None:
    app, notifier = cabinet.session(None, NO_OPERATOR)
    outcome = post(app, stripe_body("evt_nobody", None, 12600))
    assert (outcome.outcome, outcome.notified) == ("held", None)
    assert outcome.message.endswith(
        "no operator address is configured (payment.operator_email), so nobody was told."
    )
    assert [p.id for p in app.list_payments(status="held")] == [outcome.payment_id]
    assert [m for m in notifier.sent if m.template == "payment_unmatched"] == []
    assert [m for m in app.outbox() if m.template == "payment_unmatched"] == []


@pytest.mark.parametrize("status", ["S7", "S8", "S3"])
def test_a_recorded_payment_on_a_dossier_not_awaiting_payment_is_held_and_told(
    cabinet: Cabinet, status: str
) -> None:
    app = cabinet.app
    if status == "S7":
        app.dismiss(1, "Doute sur l'origine des fonds")
    elif status == "S8":
        cabinet.clock.advance(days=8)
        assert 1 in app.sweep().expired
    else:
        assert app.record_payment(1, method="transfer").outcome == "applied"
    outcome = app.record_payment(1, method="cheque", reference="CHQ-0042")
    assert (outcome.outcome, outcome.dossier_id) == ("held", 1)
    assert outcome.notified == "contact1@domiciliation.example"
    (held,) = app.list_payments(status="held")
    assert (held.adapter, held.method, held.reference) == ("manual", "cheque", "CHQ-0042")
    assert held.currency == "EUR"
    assert cabinet.status(1) == status
    assert len(app.list_invoices()) == (1 if status == "S3" else 0)
    assert [e.data["payment_id"] for e in cabinet.events("payment.held")] == [held.id]


def test_a_recorded_payment_of_another_amount_is_refused_and_nothing_kept(
    cabinet: Cabinet, dump: Any
) -> None:
    before = dump(cabinet.db)
    with pytest.raises(PaymentRefused, match="does not match"):
        cabinet.app.record_payment(1, method="transfer", amount_cents=100)
    assert dump(cabinet.db) == before


# -- who sees what ----------------------------------------------------------------------


def hold_one_of_each(cabinet: Cabinet) -> dict[str, int]:
    """A held payment of nobody (operator), of provider 1 (dossier 1) and of provider 2."""
    nobody = post(cabinet.app, stripe_body("evt_nobody", None, 12600)).payment_id
    short = cabinet.due(1) - 100
    first = post(cabinet.app, stripe_body("evt_short", 1, short)).payment_id
    second_app, _ = cabinet.session(2)
    second = post(second_app, stripe_body("evt_misrouted", 1, cabinet.due(1))).payment_id
    return {"nobody": nobody, "provider 1": first, "provider 2": second}


def test_held_payments_are_listed_to_the_sessions_that_may_see_them(cabinet: Cabinet) -> None:
    ids = hold_one_of_each(cabinet)
    unscoped = [p.id for p in cabinet.app.list_payments(status="held")]
    assert unscoped == sorted(ids.values(), reverse=True)  # newest first
    for provider in (1, 2):
        app, _ = cabinet.session(provider)
        assert [p.id for p in app.list_payments(status="held")] == [ids[f"provider {provider}"]]
        assert [p.id for p in app.list_payments()] == [ids[f"provider {provider}"]]


def test_a_scoped_session_can_resolve_neither_the_operators_nor_another_providers(
    cabinet: Cabinet, dump: Any
) -> None:
    ids = hold_one_of_each(cabinet)
    app, _ = cabinet.session(1)
    before = dump(cabinet.db)
    for name in ("nobody", "provider 2"):
        with pytest.raises(PaymentNotFound, match=f"Payment {ids[name]} not found"):
            app.apply_held_payment(ids[name], 1)
        with pytest.raises(PaymentNotFound):
            app.refund_held_payment(ids[name], "RMB-1")
    assert dump(cabinet.db) == before


# -- resolution --------------------------------------------------------------------------


def test_applying_a_held_payment_has_the_effects_of_a_payment(cabinet: Cabinet) -> None:
    app = cabinet.app
    held = post(app, stripe_body("evt_nometa", None, cabinet.due(1))).payment_id
    assert held is not None
    mark = len(cabinet.notifier.sent)

    outcome = app.apply_held_payment(held, 1)

    assert (outcome.outcome, outcome.dossier_id, outcome.payment_id) == ("applied", 1, held)
    assert outcome.invoice_number == "F2026-000001"
    assert outcome.message == (
        f"Held payment {held} applied to dossier 1: invoice F2026-000001 issued, contract "
        "sent to both parties for signature."
    )
    assert cabinet.status(1) == "S3"
    (invoice,) = app.list_invoices(dossier_id=1)
    assert invoice.number == outcome.invoice_number
    (payment,) = app.list_payments(dossier_id=1)
    assert (payment.id, payment.status, payment.invoice_id) == (held, "succeeded", invoice.id)
    assert (payment.provider_id, payment.resolved_at) == (1, START)
    assert app.list_payments(status="held") == []
    sent = {m.template for m in cabinet.notifier.sent[mark:]}
    assert "contract_to_sign" in sent
    types = [e.type for e in app.store.events()]
    assert types.index("payment.applied") < types.index("dossier.pay")
    assert app.verify_audit().ok


def test_a_provider_applies_its_own_held_payment_in_its_scoped_session(cabinet: Cabinet) -> None:
    app, _ = cabinet.session(2)
    held = post(app, stripe_body("evt_nometa", None, cabinet.due(2))).payment_id
    assert held is not None
    assert app.apply_held_payment(held, 2).outcome == "applied"
    assert cabinet.status(2) == "S3"
    assert [i.dossier_id for i in app.list_invoices()] == [2]


REFUSED_APPLIES = {
    "amount": ("evt_short", 1, "short", "eur", 1, "received but"),
    "currency": ("evt_usd", 1, "due", "usd", 1, "paid in USD, not in euros"),
    "dossier not awaiting payment": ("evt_nometa", None, "due", "eur", 1, "the dossier is S7"),
    "another provider's dossier": ("evt_p1", 1, "short", "eur", 2, "received for provider 1"),
}


@pytest.mark.parametrize("case", REFUSED_APPLIES.values(), ids=REFUSED_APPLIES.keys())
def test_a_held_payment_is_applied_only_where_it_pays_what_is_due(
    cabinet: Cabinet, dump: Any, case: tuple[str, int | None, str, str, int, str]
) -> None:
    event_id, named, amount, currency, target, words = case
    cents = cabinet.due(1) - (100 if amount == "short" else 0)
    held = post(cabinet.app, stripe_body(event_id, named, cents, currency=currency)).payment_id
    if words.startswith("the dossier is S7"):
        cabinet.app.dismiss(1, "Doute sur l'origine des fonds")
    before = dump(cabinet.db)
    with pytest.raises(PaymentRefused) as refused:
        cabinet.app.apply_held_payment(held, target)
    assert f"Payment {held}" in str(refused.value)
    assert words in str(refused.value)
    assert str(refused.value).endswith("nothing changed.")
    assert dump(cabinet.db) == before
    if words == "received but":  # both figures
        assert format_eur(cents) in str(refused.value)
        assert format_eur(cabinet.due(1)) in str(refused.value)


def test_refunding_a_held_payment_marks_it_with_the_banks_reference(cabinet: Cabinet) -> None:
    app = cabinet.app
    held = post(app, stripe_body("evt_nobody", 999, 12600)).payment_id
    assert held is not None
    refunded = app.refund_held_payment(held, "  RMB-2026-0007 ")
    assert (refunded.id, refunded.status) == (held, "refunded")
    assert (refunded.refund_reference, refunded.resolved_at) == ("RMB-2026-0007", START)
    assert app.list_payments(status="held") == []
    assert [p.id for p in app.list_payments(status="refunded")] == [held]
    (logged,) = cabinet.events("payment.refunded")
    assert (logged.data["payment_id"], logged.data["reference"]) == (held, "RMB-2026-0007")
    assert cabinet.status(1) == "S2"
    assert app.list_invoices() == []
    assert app.verify_audit().ok


def test_a_refund_without_a_reference_is_refused(cabinet: Cabinet, dump: Any) -> None:
    held = post(cabinet.app, stripe_body("evt_nobody", None, 12600)).payment_id
    assert held is not None
    before = dump(cabinet.db)
    with pytest.raises(ValueError, match="reference of the refund is required"):
        cabinet.app.refund_held_payment(held, "   ")
    assert dump(cabinet.db) == before


APPLIED = "was already applied to dossier 1 on 02/03/2026; nothing changed."
REFUNDED = "was already refunded on 02/03/2026 (bank reference RMB-1); nothing changed."


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        ("apply", "apply", APPLIED),
        ("apply", "refund", APPLIED),
        ("refund", "refund", REFUNDED),
        ("refund", "apply", REFUNDED),
    ],
)
def test_a_held_payment_is_resolved_once(
    cabinet: Cabinet, dump: Any, first: str, second: str, words: str
) -> None:
    app = cabinet.app
    held = post(app, stripe_body("evt_nometa", None, cabinet.due(1))).payment_id
    assert held is not None

    def resolve(how: str) -> object:
        return (
            app.apply_held_payment(held, 1)
            if how == "apply"
            else app.refund_held_payment(held, "RMB-1")
        )

    resolve(first)
    before = dump(cabinet.db)
    with pytest.raises(PaymentRefused) as refused:
        resolve(second)
    assert str(refused.value) == f"Payment {held} {words}"
    assert refused.value.payment_id == held
    assert dump(cabinet.db) == before


def test_a_payment_that_was_never_held_cannot_be_applied_or_refunded(cabinet: Cabinet) -> None:
    paid = cabinet.app.record_payment(1, method="transfer").payment_id
    assert paid is not None
    with pytest.raises(PaymentRefused, match=f"Payment {paid} is succeeded, not held"):
        cabinet.app.refund_held_payment(paid, "RMB-1")


# -- an older database ---------------------------------------------------------------------


def test_a_held_payment_recorded_before_schema_9_is_kept_and_can_be_resolved(
    store: StoreChoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 9 keeps every payment as it was (in euros) and lets it be resolved."""
    from domicili.store.migrations import MIGRATIONS
    from domicili.store.postgres import PostgresStore
    from domicili.store.postgres_schema import PG_MIGRATIONS
    from domicili.store.sqlite import SQLiteStore

    db, files = store.unmigrated()
    # Schema 8, with the provider and outbox tables and columns of migrations 13, 14 and
    # 16, the dossier column of 17 and the provider column of 18 that the code writing
    # this database needs.
    later = (13, 14, 16, 17, 18)
    before_9 = [m for m in MIGRATIONS if m.number <= 8 or m.number in later]
    pg_before_9 = [m for m in PG_MIGRATIONS if m.number <= 8 or m.number in later]
    with monkeypatch.context() as old:
        old.setattr(SQLiteStore, "_migrations", lambda self: before_9)
        old.setattr(PostgresStore, "_migrations", lambda self: pg_before_9)
        build(db, files or Path(db + "-files"))
        app, _clock, _notifier = make_app(db, files=files, start=START)
        try:
            recorded = app.store.execute("SELECT id FROM migrations ORDER BY id")
            assert [row[0] for row in recorded] == [*range(1, 9), *later]
            app.store.execute(
                "INSERT INTO payments (dossier_id, provider_id, adapter, method, external_id, "
                "amount_cents, status, reference, review_reason, created_at, updated_at) "
                "VALUES (1, 1, 'manual', 'cheque', 'cheque:1:77', ?, 'held', '77', "
                "'the dossier is S8 Expiré', ?, ?)",
                (app.get_dossier(1).dossier.amount_due_cents, START.isoformat(), START.isoformat()),
            )
        finally:
            app.close()
    app, _clock, _notifier = make_app(db, files=files, start=START)
    try:
        assert app.store.schema_version() == MIGRATIONS[-1].number
        (kept,) = app.list_payments(status="held")
        assert (kept.dossier_id, kept.provider_id, kept.currency) == (1, 1, "EUR")
        assert (kept.event_id, kept.resolved_at, kept.refund_reference) == (None, None, None)
        assert kept.id is not None
        assert app.apply_held_payment(kept.id, 1).outcome == "applied"
    finally:
        app.close()


def test_a_payment_in_progress_succeeds_even_when_its_last_event_names_no_dossier(
    cabinet: Cabinet,
) -> None:
    processing = json.loads(stripe_body("evt_sepa_1", 1, cabinet.due(1)))
    processing["type"] = "payment_intent.processing"
    assert post(cabinet.app, json.dumps(processing).encode()).outcome == "pending"
    done = json.loads(stripe_body("evt_sepa_2", None, cabinet.due(1)))
    done["data"]["object"]["id"] = "pi_evt_sepa_1"  # the same payment intent
    outcome = post(cabinet.app, json.dumps(done).encode())
    assert (outcome.outcome, outcome.dossier_id) == ("applied", 1)
    assert [p.status for p in cabinet.app.list_payments()] == ["succeeded"]


def test_a_payment_held_on_an_expired_dossier_is_applied_once_it_is_reactivated(
    cabinet: Cabinet,
) -> None:
    app = cabinet.app
    cabinet.clock.advance(days=8)
    assert 1 in app.sweep().expired
    held = app.record_payment(1, method="transfer", reference="VIR-LATE").payment_id
    assert held is not None
    with pytest.raises(PaymentRefused, match="the dossier is S8"):
        app.apply_held_payment(held, 1)
    app.reactivate(1)
    outcome = app.apply_held_payment(held, 1)
    assert (outcome.outcome, cabinet.status(1)) == ("applied", "S3")
    (payment,) = app.list_payments(dossier_id=1)
    assert (payment.reference, payment.status) == ("VIR-LATE", "succeeded")
