"""``sweep``: payment reminders 3 and 1 days before the deadline, expiry, reactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from domicili.clock import PARIS
from domicili.config import PaymentSettings, Settings
from domicili.errors import InvalidTransition
from domicili.statuses import Status
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import World

#: Accepted on 2 March 2026 at 10:00 in Paris: due 9 March 23:59:59 in Paris.
DEADLINE = datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC)


def reminders(world: World, dossier_id: int | None = None) -> list[str]:
    """Channels of the payment reminders sent so far (for one dossier, or all)."""
    return [
        m.channel
        for m in world.notifier.sent
        if m.template == "payment_reminder" and dossier_id in (None, m.dossier_id)
    ]


def status(world: World, dossier_id: int) -> Status:
    return world.app.get_dossier(dossier_id).dossier.status


def paris(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=PARIS)


def test_no_reminder_before_the_third_day_before_the_deadline(world: World) -> None:
    dossier_id = world.accepted()
    world.clock.set(DEADLINE - timedelta(days=4))  # 5 March, 23:59:59 in Paris
    report = world.app.sweep()
    assert report.reminders == []
    assert report.expired == []
    assert reminders(world) == []
    assert status(world, dossier_id) is Status.AWAITING_PAYMENT


def test_reminder_three_days_before_the_deadline_by_email_and_sms(world: World) -> None:
    dossier_id = world.accepted()
    world.clock.set(paris(6, 0))  # the first minute of 6 March, three days before the 9th
    mark = len(world.notifier.sent)
    assert world.app.sweep().reminders == [dossier_id]
    email, sms = world.sent_since(mark)
    assert (email.template, email.channel, sms.channel) == ("payment_reminder", "email", "sms")
    assert email.subject is not None
    assert "au plus tard le lundi 9 mars 2026" in email.subject
    assert "Il vous reste 3 jours : sans paiement au plus tard le lundi 9 mars 2026" in email.body
    assert "126,00" in sms.body
    assert "il vous reste 3 jours" in sms.body


def test_a_daily_morning_sweep_reminds_on_the_third_day_and_the_day_before(
    world: World,
) -> None:
    """Deadline 16 March: the 09:00 sweep reminds on the 13th and the 15th, expires the 17th."""
    world.clock.set(paris(9, 10))
    dossier_id = world.accepted()
    deadline = world.app.get_dossier(dossier_id).dossier.payment_due_at
    assert deadline == datetime(2026, 3, 16, 23, 59, 59, tzinfo=PARIS)
    texts: dict[int, list[str]] = {}
    for day in range(10, 18):
        world.clock.set(paris(day))
        mark = len(world.notifier.sent)
        report = world.app.sweep()
        assert report.reminders == ([dossier_id] if day in (13, 15) else [])
        assert report.expired == ([dossier_id] if day == 17 else [])
        texts[day] = [m.body for m in world.sent_since(mark) if m.template == "payment_reminder"]
    email, sms = texts[13]
    assert "Il vous reste 3 jours : sans paiement au plus tard le lundi 16 mars 2026" in email
    assert "il vous reste 3 jours" in sms
    email, sms = texts[15]
    assert "Dernier jour : demain, lundi 16 mars 2026." in email
    assert "dernier jour demain, lundi 16 mars 2026" in sms
    assert "Il reste" not in email
    days = [e.data for e in world.app.store.events(dossier_id) if e.type.endswith("reminder")]
    assert days == [{"days_before": 3}, {"days_before": 1}]


def test_an_evening_sweep_reminds_on_the_same_calendar_days(world: World) -> None:
    world.clock.set(paris(9, 10))
    dossier_id = world.accepted()  # due 16 March
    sent = []
    for day in range(10, 17):
        world.clock.set(paris(day, 23))
        if world.app.sweep().reminders == [dossier_id]:
            sent.append(day)
    assert sent == [13, 15]


def test_a_reminder_on_the_last_day_says_today(world: World) -> None:
    world.clock.set(paris(9, 10))
    dossier_id = world.accepted()
    world.clock.set(paris(16, 8))  # no sweep ran for a week
    mark = len(world.notifier.sent)
    assert world.app.sweep().reminders == [dossier_id]
    email, sms = world.sent_since(mark)
    assert "Dernier jour : aujourd’hui, lundi 16 mars 2026." in email.body
    assert "dernier jour aujourd'hui" in sms.body
    days = [e.data for e in world.app.store.events(dossier_id) if e.type.endswith("reminder")]
    assert days == [{"days_before": 1}]  # the most urgent only, the other marked done
    world.clock.set(paris(16, 20))
    assert world.app.sweep().reminders == []


def test_reminders_go_out_at_three_and_one_days_each_once(world: World) -> None:
    dossier_id = world.accepted()
    sent_per_sweep = []
    for at in (
        paris(6, 0),
        paris(6, 18),
        paris(7),
        paris(8, 0),
        paris(8, 12),
        DEADLINE - timedelta(seconds=1),
    ):
        world.clock.set(at)
        sent_per_sweep.append(len(world.app.sweep().reminders))
    assert sent_per_sweep == [1, 0, 0, 1, 0, 0]
    assert reminders(world, dossier_id) == ["email", "sms", "email", "sms"]
    last = [m for m in world.notifier.sent if m.template == "payment_reminder"][-2]
    assert "Dernier jour : demain, lundi 9 mars 2026." in last.body


def test_sweeping_twice_changes_nothing_more(world: World) -> None:
    world.accepted()
    world.clock.set(DEADLINE - timedelta(days=1))
    world.app.sweep()
    events = world.app.store.events()
    messages = world.app.outbox()
    again = world.app.sweep()
    assert (again.reminders, again.expired) == ([], [])
    assert world.app.store.events() == events
    assert world.app.outbox() == messages


def test_a_late_sweep_sends_one_reminder_not_two(world: World) -> None:
    dossier_id = world.accepted()
    world.clock.set(DEADLINE - timedelta(hours=10))  # both reminders are overdue
    assert world.app.sweep().reminders == [dossier_id]
    assert reminders(world, dossier_id) == ["email", "sms"]
    reminder_events = [
        e for e in world.app.store.events(dossier_id) if e.type == "dossier.payment_reminder"
    ]
    assert [e.data["days_before"] for e in reminder_events] == [1]
    world.clock.advance(hours=1)
    assert world.app.sweep().reminders == []
    assert reminders(world, dossier_id) == ["email", "sms"]


def test_dossier_expires_at_its_deadline_not_a_second_before(world: World) -> None:
    dossier_id = world.accepted()
    world.clock.set(DEADLINE - timedelta(seconds=1))
    assert world.app.sweep().expired == []
    assert status(world, dossier_id) is Status.AWAITING_PAYMENT
    world.clock.set(DEADLINE)
    mark = len(world.notifier.sent)
    assert world.app.sweep().expired == [dossier_id]
    assert status(world, dossier_id) is Status.EXPIRED
    assert [m.template for m in world.sent_since(mark)] == ["expired"]
    assert world.app.sweep().expired == []
    assert len(world.sent_since(mark)) == 1


def test_an_overdue_dossier_expires_without_a_last_minute_reminder(world: World) -> None:
    dossier_id = world.accepted()
    world.clock.set(DEADLINE + timedelta(days=3))
    report = world.app.sweep()
    assert (report.reminders, report.expired) == ([], [dossier_id])
    assert reminders(world) == []
    moves = [e.data for e in world.app.store.events(dossier_id) if e.type == "dossier.expire"]
    assert moves == [{"from": "S2", "to": "S8"}]


def test_reactivation_gives_a_fresh_deadline_and_fresh_reminders(world: World) -> None:
    dossier_id = world.accepted()
    for at in (DEADLINE - timedelta(days=3), DEADLINE - timedelta(days=1), DEADLINE):
        world.clock.set(at)
        world.app.sweep()
    assert len(reminders(world, dossier_id)) == 4
    world.clock.set(datetime(2026, 3, 12, 15, 0, tzinfo=UTC))
    mark = len(world.notifier.sent)
    again = world.app.reactivate(dossier_id)
    new_deadline = datetime(2026, 3, 19, 22, 59, 59, tzinfo=UTC)
    assert again.status is Status.AWAITING_PAYMENT
    assert world.app.get_dossier(dossier_id).dossier.payment_due_at == new_deadline
    (notice,) = world.sent_since(mark)
    assert notice.template == "reactivated"
    assert "jeudi 19 mars 2026" in notice.body
    for at in (new_deadline - timedelta(days=3), new_deadline - timedelta(days=1)):
        world.clock.set(at)
        assert world.app.sweep().reminders == [dossier_id]
        assert world.app.sweep().reminders == []
    assert len(reminders(world, dossier_id)) == 8
    world.clock.set(new_deadline)
    assert world.app.sweep().expired == [dossier_id]


def test_reactivation_is_only_for_expired_dossiers(world: World) -> None:
    dossier_id = world.accepted()
    with pytest.raises(InvalidTransition, match=r"is S2 \(Accepté.*allowed from here"):
        world.app.reactivate(dossier_id)


def test_sweep_leaves_dossiers_that_are_not_awaiting_payment_alone(world: World) -> None:
    (pending,) = world.demande()
    dismissed = world.accepted()
    world.app.dismiss(dismissed, "Doublon")
    world.clock.set(DEADLINE + timedelta(days=30))
    mark = len(world.notifier.sent)
    report = world.app.sweep()
    assert (report.reminders, report.expired) == ([], [])
    assert world.sent_since(mark) == []
    assert status(world, pending) is Status.PENDING_REVIEW
    assert status(world, dismissed) is Status.DISMISSED


def test_each_dossier_is_reminded_on_its_own_schedule(world: World) -> None:
    early = world.accepted()
    world.clock.advance(days=2)
    late = world.accepted()
    world.clock.set(DEADLINE - timedelta(days=3))
    assert world.app.sweep().reminders == [early]
    world.clock.set(DEADLINE - timedelta(days=1))
    assert world.app.sweep().reminders == [early, late]
    world.clock.set(DEADLINE)
    report = world.app.sweep()
    assert (report.expired, report.reminders) == ([early], [])


def test_reminder_schedule_follows_the_settings() -> None:
    settings = Settings(payment=PaymentSettings(reminder_days=[5]))
    app, clock, notifier = make_app(settings=settings)
    with app:
        provider = app.add_provider(**sample_provider(1))
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        assert dossier.id is not None
        kinds = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
        for kind in kinds:
            app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
        app.review(dossier.id, validate=kinds)
        app.accept(dossier.id)
        clock.set(DEADLINE - timedelta(days=6))  # 3 March, 23:59:59 in Paris
        assert app.sweep().reminders == []
        clock.set(paris(4, 0))
        assert app.sweep().reminders == [dossier.id]
        clock.set(DEADLINE - timedelta(days=1))
        assert app.sweep().reminders == []
    assert [m.channel for m in notifier.sent if m.template == "payment_reminder"] == [
        "email",
        "sms",
    ]
