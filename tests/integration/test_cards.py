"""Invoices of the running contract charged to the card a client saved, on both stores:
announced on the invoice, charged on their day once (even asked twice), declined and
charged again when the code allows it, never after a card lost or expired; and the
one-off SEPA mandate that collects a single invoice."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import facturx
import pytest
from lxml import etree
from test_invoicing import pdf_text

from documents.einvoicing_rules import blocking_failures
from domicili.config import Settings
from domicili.errors import AdapterError, CardNotFound, MandateRefused, Refused

if TYPE_CHECKING:
    from conftest import World
    from domicili.cards import Card
    from domicili.models import Receivable
    from domicili.ports import PaymentEvent


def carded(world: World, token: str = "pm_card_visa") -> tuple[int, str]:
    """A contract in force with a saved card, its June invoice issued on 2 June."""
    dossier_id = world.in_force()
    world.app.add_card(
        dossier_id, token=token, customer="cus_42", brand="visa", last4="4242", expires=(12, 2030)
    )
    world.clock.advance(days=92)  # 2 June 2026
    (number,) = world.app.bill().issued
    return dossier_id, number


def test_the_invoice_announces_the_card_and_is_charged_on_its_day_once(world: World) -> None:
    app = world.app
    dossier_id, number = carded(world)
    receivable = app.receivable(number)
    assert (receivable.collection, receivable.collection_date) == ("card", date(2026, 6, 2))
    pdf = app.invoice_pdf(number)
    text = pdf_text(pdf)
    assert (
        "Montant débité le 02/06/2026 sur la carte Visa •••• 4242 (12/2030) enregistrée par le "
        "client." in text
    )
    assert "IBAN :" not in text  # nothing to transfer
    xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]
    assert blocking_failures(xml) == []
    means = etree.fromstring(xml).find(".//{*}SpecifiedTradeSettlementPaymentMeans")
    assert means is not None
    assert means.findtext("{*}TypeCode") == "48"  # bank card
    assert means.findtext("{*}ApplicableTradeSettlementFinancialCard/{*}ID") == "4242"
    email = next(m for m in world.notifier.sent if m.template == "invoice_issued")
    assert "débité le 02/06/2026 sur la carte Visa •••• 4242 (12/2030)" in email.body

    report = app.charge_cards()
    assert report.paid == [number]
    paid = app.receivable(number)
    assert paid.state == "paid"
    assert paid.charge_key is None
    assert paid.presentations == 1
    (payment,) = [p for p in app.list_payments(dossier_id=dossier_id) if p.method == "card"]
    assert (payment.status, payment.amount_cents) == ("succeeded", paid.amount_cents)
    assert app.charge_cards().paid == []  # nothing charged twice
    assert app.verify_audit().ok


def test_an_invoice_is_charged_only_once_its_day_has_come(world: World) -> None:
    app = world.app
    dossier_id = world.in_force()
    app.add_card(dossier_id, token="pm_card_visa", last4="4242", expires=(12, 2030))
    world.clock.advance(days=89)  # 30 May: June's invoice issued in advance
    (number,) = app.bill("2026-06").issued
    assert app.receivable(number).collection_date == date(2026, 6, 2)
    assert app.charge_cards().paid == []
    world.clock.advance(days=3)
    assert app.charge_cards().paid == [number]


def test_a_declined_card_is_charged_again_before_the_reminder_when_the_code_allows(
    world: World,
) -> None:
    app = world.app
    dossier_id, number = carded(world, token="pm_card_insufficient_funds")
    report = app.charge_cards()
    assert report.declined == [(number, "insufficient_funds")]
    declined = app.receivable(number)
    assert (declined.state, declined.return_reason) == ("unpaid", "insufficient_funds")
    assert declined.charge_key is None

    world.clock.advance(days=3)  # the first reminder: charged again three days later
    app.sweep()
    reminder = [m for m in world.notifier.sent if m.template == "invoice_reminder"][-1]
    assert "Le paiement par carte de la facture" in reminder.body
    assert "a été refusé par votre banque" in reminder.body
    assert "de nouveau le paiement sur votre carte le 08/06/2026" in reminder.body
    again = app.receivable(number)
    assert (again.state, again.collection_date) == ("open", date(2026, 6, 8))

    # The client saves another card meanwhile: the new charge goes to it.
    app.add_card(dossier_id, token="pm_card_mastercard", brand="mastercard", last4="4444")
    world.clock.advance(days=3)
    swept = app.sweep()
    assert swept.cards is not None
    assert swept.cards.paid == [number]
    paid = app.receivable(number)
    assert (paid.state, paid.presentations) == ("paid", 2)
    assert app.dossier_card(dossier_id).last4 == "4444"


def test_a_card_declined_as_expired_is_never_charged_again(world: World) -> None:
    app = world.app
    _dossier_id, number = carded(world, token="pm_card_expired_card")
    assert app.charge_cards().declined == [(number, "expired_card")]
    world.clock.advance(days=3)
    app.sweep()
    reminder = [m for m in world.notifier.sent if m.template == "invoice_reminder"][-1]
    assert "de nouveau" not in reminder.body
    assert app.receivable(number).state == "unpaid"  # the client pays by transfer now
    world.clock.advance(days=4)
    assert app.charge_cards().paid == []


def test_a_card_removed_leaves_the_invoice_to_a_transfer(world: World) -> None:
    app = world.app
    dossier_id, number = carded(world)
    removed = app.remove_card(dossier_id)
    assert removed.removed_at is not None
    with pytest.raises(CardNotFound):
        app.remove_card(dossier_id)
    report = app.charge_cards()
    assert (report.paid, report.to_transfer) == ([], [number])
    receivable = app.receivable(number)
    assert (receivable.collection, receivable.state) == ("transfer", "open")
    world.clock.advance(days=92)  # 2 September: its invoice, no card any more
    (september,) = app.bill().issued
    assert app.receivable(september).collection == "transfer"


def test_a_card_is_refused_for_a_contract_not_in_force_or_expired(world: World) -> None:
    app = world.app
    (dossier_id,) = world.demande()
    with pytest.raises(Refused, match="contract in force"):
        app.add_card(dossier_id, token="pm_card_visa")
    in_force = world.in_force()
    with pytest.raises(Refused, match="has expired"):
        app.add_card(in_force, token="pm_card_visa", last4="4242", expires=(1, 2026))
    with pytest.raises(CardNotFound):
        app.dossier_card(in_force)  # nothing was kept


class Flaky:
    """The configured gateway, unreachable for its first ``down`` charges."""

    def __init__(self, gateway: Any, down: int) -> None:
        self.gateway, self.down = gateway, down
        self.name = gateway.name
        self.keys: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gateway, name)

    def charge_card(
        self, card: Card, amount_cents: int, *, key: str, receivable: Receivable
    ) -> PaymentEvent:
        self.keys.append(key)
        if len(self.keys) <= self.down:
            raise AdapterError("the payment service did not answer", reason="timeout")
        event: PaymentEvent = self.gateway.charge_card(
            card, amount_cents, key=key, receivable=receivable
        )
        return event


def test_a_charge_the_service_did_not_answer_is_asked_again_with_its_key(world: World) -> None:
    app = world.app
    _dossier_id, number = carded(world)
    flaky = Flaky(app.ctx.payments, down=1)
    app.ctx.payments = flaky
    report = app.charge_cards()
    assert report.paid == []
    assert report.stopped is not None
    waiting = app.receivable(number)
    assert (waiting.state, waiting.charge_key) == ("open", f"{number}-1")
    assert app.charge_cards().paid == [number]
    assert flaky.keys == [f"{number}-1", f"{number}-1"]  # the same charge, asked twice
    assert app.receivable(number).presentations == 1


def test_a_card_saved_at_the_first_payment_pays_the_next_invoices(world_with: Any) -> None:
    settings = Settings()
    settings.payment.checkout_url = "https://paiement.example.fr/checkout/{token}"
    world = world_with(settings)
    app = world.app
    dossier_id = world.accepted()
    link = app.get_dossier(dossier_id).payment_link
    assert link is not None
    outcome = app.simulate_checkout(link.rsplit("/", 1)[1], save_card=True)
    assert outcome.outcome == "applied"
    card = app.dossier_card(dossier_id)
    assert (card.adapter, card.last4, card.active) == ("checkout", "4242", True)
    assert "card.saved" in [e.type for e in app.get_dossier(dossier_id).events]


def test_a_one_off_mandate_collects_one_invoice_then_the_next_is_a_transfer(
    world: World, tmp_path: Path
) -> None:
    app = world.app
    provider_id = world.provider()
    app.update_provider(provider_id, creditor_identifier="FR72ZZZ123456")
    dossier_id = world.in_force(provider_id)
    mandate = app.add_mandate(
        dossier_id,
        iban="DE89 3704 0044 0532 0130 00",
        reference="RUM-PONCTUEL-1",
        signed_on=date(2026, 3, 2),
        one_off=True,
    )
    assert (mandate.one_off, mandate.sequence) == (True, "OOFF")
    with pytest.raises(MandateRefused, match="revoke it before"):
        app.add_mandate(
            dossier_id,
            iban="DE89 3704 0044 0532 0130 00",
            reference="RUM-PONCTUEL-1",
            signed_on=date(2026, 3, 2),
        )
    world.clock.advance(days=92)  # 2 June
    (june,) = app.bill().issued
    assert (app.receivable(june).collection, app.receivable(june).sequence_type) == (
        "sepa",
        "OOFF",
    )
    out = tmp_path / "debits.xml"
    app.export_direct_debits("2026-06", out.write_bytes)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
    assert etree.fromstring(out.read_bytes()).findtext(".//p:SeqTp", namespaces=ns) == "OOFF"
    world.clock.advance(days=14)  # 16 June: collected, the mandate is used
    app.sweep()
    assert app.receivable(june).state == "paid"
    used = app.find_mandate("RUM-PONCTUEL-1")
    assert used.spent
    assert not used.active
    assert app.active_mandate(dossier_id) is None
    with pytest.raises(MandateRefused, match="was used on 16/06/2026"):
        app.revoke_mandate("RUM-PONCTUEL-1")
    world.clock.advance(days=78)  # September's invoice: by transfer
    (september,) = app.bill().issued
    assert app.receivable(september).collection == "transfer"
