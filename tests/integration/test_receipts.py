"""The payments received in a month (encaissements), each with the invoice it settled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from test_invoicing import START, accepted, add_provider

from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.errors import InvalidInput
from domicili.testing import make_app


@pytest.fixture
def opened() -> Iterator[tuple[Domicili, FixedClock]]:
    app, clock, _notifier = make_app(start=START)
    with app:
        yield app, clock


def test_the_payments_of_a_month_are_listed_with_their_invoices(
    opened: tuple[Domicili, FixedClock],
) -> None:
    app, clock = opened
    provider = add_provider(app)
    march_1, march_2, april = (accepted(app, provider, seed=seed) for seed in (0, 1, 2))
    app.record_payment(march_1, method="transfer")
    clock.set(datetime(2026, 3, 31, 21, 30, tzinfo=UTC))  # 31 March, 23:30 in Paris
    app.record_payment(march_2, method="card")
    clock.set(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))  # 1 April, 00:30 in Paris
    app.record_payment(april, method="cheque")

    march = app.receipts(year=2026, month=3)

    assert [(r.received_on.isoformat(), r.means) for r in march] == [
        ("2026-03-02", "virement"),
        ("2026-03-31", "carte bancaire"),
    ]
    for receipt in march:
        invoice = app.get_invoice(receipt.invoice_number)
        assert (receipt.ht_cents, receipt.vat_cents, receipt.ttc_cents) == (
            invoice.total_ht_cents,
            invoice.total_vat_cents,
            invoice.total_ttc_cents,
        )
        assert receipt.client == invoice.data["buyer"]["name"]
    assert [r.means for r in app.receipts(year=2026, month=4)] == ["chèque"]
    assert app.receipts(year=2026, month=2) == []


def test_a_month_that_is_not_one_is_refused(opened: tuple[Domicili, FixedClock]) -> None:
    app, _clock = opened
    with pytest.raises(InvalidInput, match="a month is 1 to 12"):
        app.receipts(year=2026, month=13)
