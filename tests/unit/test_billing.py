"""Recurring billing through the facade over fakes: each period of a contract in force
invoiced once, in advance, from the end of the first paid period."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from domicili.errors import InvalidInput, Refused
from domicili.service.billing import month_bounds, periods_due

if TYPE_CHECKING:
    from conftest import World


def test_periods_follow_the_first_day_of_the_domiciliation() -> None:
    # Started on 31 January, billed monthly: the period ends the day before the same
    # day of the next month, clamped to the month's last day.
    assert periods_due(date(2026, 1, 31), 1, date(2026, 2, 27), date(2026, 4, 30)) == [
        (date(2026, 2, 28), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 4, 30), date(2026, 5, 30)),
    ]
    quarterly = periods_due(date(2026, 3, 2), 3, date(2026, 6, 1), date(2026, 8, 31))
    assert quarterly == [(date(2026, 6, 2), date(2026, 9, 1))]  # September's is not due
    assert periods_due(date(2026, 3, 2), 12, date(2027, 3, 1), date(2026, 12, 31)) == []


def test_a_month_is_written_yyyy_mm_and_at_most_one_ahead() -> None:
    today = date(2026, 3, 2)
    assert month_bounds(None, today) == (date(2026, 3, 1), date(2026, 3, 31))
    assert month_bounds("2026-04", today) == (date(2026, 4, 1), date(2026, 4, 30))
    with pytest.raises(InvalidInput, match=r"'avril' is not a month such as 2026-04\."):
        month_bounds("avril", today)
    with pytest.raises(Refused, match="2026-05 is too far ahead"):
        month_bounds("2026-05", today)


def test_a_contract_gets_one_invoice_per_period_and_a_second_run_nothing(
    world: World,
) -> None:
    app = world.app
    dossier_id = world.signed()  # quarterly (the provider's implicit offer), from 2 March
    first = app.list_invoices(dossier_id=dossier_id)
    assert len(first) == 1  # the first payment's: 2 March to 1 June
    assert app.bill("2026-04").issued == []  # paid already

    world.clock.advance(days=89)  # 30 May: June may be billed in advance
    report = app.bill("2026-06")
    (number,) = report.issued
    assert report.documents == 1
    (june, _march) = app.list_invoices(dossier_id=dossier_id)
    assert june.number == number
    assert (june.period_start, june.period_end) == (date(2026, 6, 2), date(2026, 9, 1))
    assert june.issue_date == date(2026, 5, 30)
    assert june.total_ttc_cents == first[0].total_ttc_cents  # no setup fee again
    emails = [m for m in world.notifier.sent if m.template == "invoice_issued"]
    assert [m.attachments[0].filename for m in emails] == [f"facture-{number}.pdf"]
    assert "du 02/06/2026 au 01/09/2026" in emails[0].body
    assert "au plus tard le 02/06/2026" in emails[0].body

    again = app.bill("2026-06")
    assert (again.issued, again.documents) == ([], 0)
    assert len(app.list_invoices(dossier_id=dossier_id)) == 2
    assert app.verify_audit().ok


def test_a_late_run_bills_every_period_missed_without_a_gap(world: World) -> None:
    app = world.app
    dossier_id = world.signed()
    world.clock.advance(days=200)  # 18 September: June's and September's are due
    report = app.bill()
    assert len(report.issued) == 2
    periods = [(i.period_start, i.period_end) for i in app.list_invoices(dossier_id=dossier_id)]
    assert periods[:2] == [
        (date(2026, 9, 2), date(2026, 12, 1)),
        (date(2026, 6, 2), date(2026, 9, 1)),
    ]


def test_a_run_that_stopped_before_the_documents_is_finished_by_the_next(
    world: World,
) -> None:
    app = world.app
    dossier_id = world.signed()
    world.clock.advance(days=92)
    issued = app.bill(documents=False).issued
    assert len(issued) == 1
    assert len(app.list_invoices(dossier_id=dossier_id)) == 1  # the document is not made
    assert app.verify_audit().ok  # the number is handed out, not lost
    report = app.bill()
    assert (report.issued, report.documents) == ([], 1)
    assert app.list_invoices(dossier_id=dossier_id)[0].number == issued[0]


def test_contracts_not_in_force_are_not_billed(world: World) -> None:
    app = world.app
    world.accepted()  # awaiting its first payment
    world.clock.advance(days=92)
    assert app.bill().issued == []
