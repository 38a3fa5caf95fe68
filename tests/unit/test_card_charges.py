"""Charging saved cards through the facade over ``FakePayments``: the gateway is asked
once per presentation with a key of its own, a decline queued is charged again before
the first reminder, and a first payment that saves the card keeps it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import START, World
from domicili.testing import FakePayments, make_app


@pytest.fixture
def shop() -> Iterator[tuple[World, FakePayments]]:
    payments = FakePayments()
    app, clock, notifier = make_app(start=START, payments=payments)
    try:
        yield World(app, clock, notifier), payments
    finally:
        app.close()


def test_a_declined_card_is_asked_again_with_a_new_key_and_paid(
    shop: tuple[World, FakePayments],
) -> None:
    world, payments = shop
    app = world.app
    dossier_id = world.in_force()
    app.add_card(dossier_id, token="pm_fake", last4="4242")
    payments.decline("insufficient_funds", None)
    world.clock.advance(days=92)  # 2 June: the period opens, its invoice is due today
    (number,) = app.bill().issued
    assert app.charge_cards().declined == [(number, "insufficient_funds")]
    world.clock.advance(days=3)
    app.sweep()  # the reminder, and a new charge three days later
    world.clock.advance(days=3)
    assert app.charge_cards().paid == [number]
    keys = [call["key"] for name, call in payments.calls if name == "charge_card"]
    assert keys == [f"{number}-1", f"{number}-2"]
    assert app.receivable(number).state == "paid"


def test_a_first_payment_that_keeps_the_card_saves_it(shop: tuple[World, FakePayments]) -> None:
    world, payments = shop
    app = world.app
    dossier_id = world.accepted()
    (link,) = payments.links
    assert app.simulate_checkout(link.token, save_card=True).outcome == "applied"
    card = app.dossier_card(dossier_id)
    assert (card.adapter, card.token, card.last4) == ("fake", "fake_card_1", "4242")
