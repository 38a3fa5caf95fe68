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
    dossier_id = world.in_force()  # quarterly (the provider's implicit offer), from 2 March
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
    dossier_id = world.in_force()
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
    dossier_id = world.in_force()
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


def june_invoice(world: World) -> tuple[int, str]:
    """A contract in force whose June invoice (due 2 June, by transfer) is issued."""
    dossier_id = world.in_force()
    world.clock.advance(days=92)  # 2 June 2026
    (number,) = world.app.bill().issued
    return dossier_id, number


def dunned(world: World, mark: int) -> list[tuple[str, str]]:
    dunning = ("invoice_reminder", "mail_suspended", "termination_open")
    return [(m.template, m.to) for m in world.sent_since(mark) if m.template in dunning]


def test_an_unpaid_invoice_is_reminded_then_suspends_the_mail_then_the_provider_is_told(
    world: World,
) -> None:
    app = world.app
    dossier_id, number = june_invoice(world)
    client = app.get_dossier(dossier_id).client.email
    provider = app.get_provider(app.get_dossier(dossier_id).dossier.provider_id).email
    mark = len(world.notifier.sent)
    app.sweep()
    assert dunned(world, mark) == []  # due today
    world.clock.advance(days=3)
    assert app.sweep().dunning["reminded"] == [number]
    assert dunned(world, mark) == [("invoice_reminder", client)]
    reminder = world.sent_since(mark)[-1].body
    assert "L441-10" in reminder
    assert "40 €" in reminder
    app.sweep()
    assert len(dunned(world, mark)) == 1  # each step once

    world.clock.advance(days=7)  # 10 days late
    assert app.sweep().dunning["reminded"] == [number]
    world.clock.advance(days=5)  # 15 days late
    report = app.sweep().dunning
    assert (report["reminded"], report["suspended"]) == ([], [dossier_id])
    details = app.get_dossier(dossier_id)
    assert details.dossier.mail_suspended_at is not None
    world.clock.advance(days=15)
    assert app.sweep().dunning["termination_open"] == [dossier_id]
    assert dunned(world, mark)[-1] == ("termination_open", provider)
    assert app.receivable(number).dunning_step == 4

    paid = app.record_invoice_paid(number, reference="VIR-77")
    assert paid.state == "paid"
    assert app.get_dossier(dossier_id).dossier.mail_suspended_at is None
    types = [e.type for e in app.get_dossier(dossier_id).events]
    assert types[-2:] == ["invoice.paid", "dossier.mail_resumed"]
    with pytest.raises(Refused, match=f"Invoice {number} is already paid"):
        app.record_invoice_paid(number)
    mark = len(world.notifier.sent)
    world.clock.advance(days=10)
    app.sweep()
    assert dunned(world, mark) == []  # a paid invoice is chased no more


def test_a_late_sweep_does_every_step_missed_but_sends_one_reminder(world: World) -> None:
    app = world.app
    _dossier_id, number = june_invoice(world)
    mark = len(world.notifier.sent)
    world.clock.advance(days=12)
    assert app.sweep().dunning["reminded"] == [number]
    assert [t for t, _to in dunned(world, mark)] == ["invoice_reminder"]
    assert app.receivable(number).dunning_step == 2


def test_a_period_already_paid_is_never_blocked(world: World) -> None:
    app = world.app
    dossier_id, june = june_invoice(world)
    world.clock.advance(days=91)  # 1 September: June is still unpaid
    (september,) = app.bill("2026-09").issued
    app.record_invoice_paid(september)  # the current period is paid
    world.clock.advance(days=1)
    report = app.sweep().dunning
    assert report["suspended"] == []
    assert app.get_dossier(dossier_id).dossier.mail_suspended_at is None
    assert app.receivable(june).dunning_step == 4  # the other steps came


def test_a_dunning_policy_cannot_retry_a_debit_the_debtor_refused() -> None:
    from pydantic import ValidationError

    from domicili.config import Settings

    with pytest.raises(ValidationError, match="MD06: a debit returned for this reason"):
        Settings.model_validate({"dunning": {"retry_reasons": ["AM04", "md06"]}})


class MailOverage:
    """Bills each letter beyond the offer's, as the mailbox counts them."""

    def __init__(self, letters: int) -> None:
        self.letters, self.asked = letters, []

    def lines(self, dossier: object, start: date, end: date, vat_rate_bp: int) -> list[object]:
        from domicili.documents import InvoiceLine

        self.asked.append((start, end))
        return [
            InvoiceLine(
                description="Courrier au-delà de l’offre",
                quantity=self.letters,
                unit_price_ht_cents=50,
                vat_rate_bp=vat_rate_bp,
            )
        ]


def test_a_line_item_hook_adds_its_lines_to_the_period_invoice(world: World) -> None:
    from domicili.ports import LineItems

    app = world.app
    dossier_id = world.in_force()
    overage = MailOverage(letters=12)
    assert isinstance(overage, LineItems)
    app.add_line_items(overage)
    world.clock.advance(days=92)
    (number,) = app.bill().issued
    assert overage.asked == [(date(2026, 6, 2), date(2026, 9, 1))]
    invoice = app.list_invoices(dossier_id=dossier_id)[0]
    assert invoice.number == number
    (_period, extra) = invoice.data["lines"]
    assert (extra["description"], extra["quantity"]) == ("Courrier au-delà de l’offre", 12)
    assert invoice.total_ht_cents == 10500 + 12 * 50
