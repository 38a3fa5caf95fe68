"""Outbox delivery: after commit, retried on failure, each message delivered once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from domicili.app import Domicili
from domicili.clock import FixedClock
from domicili.config import Settings
from domicili.errors import MissingJustificatifs
from domicili.models import OutboxMessage
from domicili.testing import (
    FailingNotifier,
    new_database,
    sample_answers,
    sample_pdf,
    sample_provider,
)

if TYPE_CHECKING:
    from conftest import World

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

KINDS = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]


class RaisingNotifier:
    """A third-party notifier that fails with its own exception type."""

    def __init__(self) -> None:
        self.calls = 0

    def deliver(self, message: OutboxMessage) -> None:
        self.calls += 1
        raise RuntimeError("provider SDK exploded")


def app_with(
    notifier: object, *, auto_deliver: bool = True, clock: FixedClock | None = None
) -> Domicili:
    db, files = new_database()
    return Domicili(
        db,
        files=files,
        settings=Settings(),
        clock=clock or FixedClock(START),
        notifier=notifier,  # type: ignore[arg-type]
        auto_deliver=auto_deliver,
    )


def dossier_ready(app: Domicili) -> int:
    provider = app.add_provider(**sample_provider(1))
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
    assert dossier.id is not None
    for kind in KINDS:
        app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier.id, validate=KINDS)
    return dossier.id


def test_every_message_is_delivered_right_after_the_change_commits(world: World) -> None:
    (dossier_id,) = world.demande()
    delivered = {m.id for m in world.notifier.sent}
    queued = world.app.outbox()
    assert {m.id for m in queued} == delivered
    assert {m.status for m in queued} == {"sent"}
    assert all(m.dossier_id == dossier_id for m in queued)


def test_a_failed_delivery_keeps_the_message_queued_and_a_retry_sends_it_once() -> None:
    notifier = FailingNotifier(failures=0)
    app = app_with(notifier)
    with app:
        dossier_id = dossier_ready(app)
        notifier.failures = 1  # the acceptance email fails once
        accepted = app.accept(dossier_id)  # the decision itself stands
        assert accepted.status.code == "S2"
        email = next(
            m
            for m in app.outbox(dossier_id=dossier_id)
            if m.template == "accepted" and m.channel == "email"
        )
        assert email.status != "sent"
        assert email.last_error is not None
        assert "simulated delivery failure" in email.last_error
        assert email.id not in {m.id for m in notifier.sent}

        report = app.deliver()
        assert (report.sent, report.failed) == (1, 0)
        assert app.deliver().sent == 0
        assert [m.id for m in notifier.sent].count(email.id) == 1
        (stored,) = [m for m in app.outbox() if m.id == email.id]
        assert stored.status == "sent"
        assert stored.attempts == 2


def test_the_sweep_retries_messages_left_over_by_a_failed_delivery() -> None:
    notifier = FailingNotifier(failures=0)
    clock = FixedClock(START)
    app = app_with(notifier, clock=clock)
    with app:
        dossier_id = dossier_ready(app)
        notifier.failures = 2  # the acceptance email and SMS both fail
        app.accept(dossier_id)
        waiting = [m.id for m in app.outbox() if m.status != "sent"]
        assert len(waiting) == 2
        app.sweep()  # at once: their wait is not over
        assert [m.id for m in app.outbox() if m.status != "sent"] == waiting
        clock.advance(seconds=60)
        app.sweep()
        assert [m.id for m in app.outbox() if m.status != "sent"] == []
        app.sweep()
        sent_ids = [m.id for m in notifier.sent]
        assert len(sent_ids) == len(set(sent_ids))


def test_the_sweep_waits_longer_after_each_failure_and_staff_can_deliver_at_once() -> None:
    notifier = FailingNotifier(failures=0)
    clock = FixedClock(START)
    app = app_with(notifier, clock=clock)
    with app:
        dossier_id = dossier_ready(app)
        notifier.failures = 1_000  # the mail stays down
        app.accept(dossier_id)
        first = min(m.id or 0 for m in app.outbox() if m.status == "failed")

        def message() -> OutboxMessage:
            (found,) = [m for m in app.outbox() if m.id == first]
            return found

        waits = []
        for _attempt in range(3):
            tried = message()
            assert tried.next_attempt_at is not None
            waits.append((tried.next_attempt_at - clock.now()).total_seconds())
            clock.set(tried.next_attempt_at)
            app.sweep()
        assert waits == [60, 120, 240]  # twice as long after each failure
        assert message().attempts == 4  # of the 5 [notifications] max_attempts
        notifier.failures = 0
        clock.advance(seconds=1)  # long before its next try is due
        app.sweep()
        assert message().status == "failed"
        assert app.deliver().sent >= 1  # staff asking for delivery do not wait
        assert message().status == "sent"
        assert message().next_attempt_at is None


def test_the_wait_between_tries_stops_growing_at_its_ceiling() -> None:
    notifications = Settings().notifications
    assert [notifications.retry_after(n) for n in (1, 2, 3, 7, 8, 20)] == [
        60, 120, 240, 3600, 3600, 3600,
    ]  # fmt: skip


def test_a_notifier_raising_its_own_error_does_not_undo_the_change() -> None:
    app = app_with(RaisingNotifier())
    with app:
        provider = app.add_provider(**sample_provider(1))
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        assert dossier.id is not None
        assert app.get_dossier(dossier.id).dossier.status.code == "S1"
        errors = {m.last_error for m in app.outbox()}
        assert errors == {"RuntimeError: provider SDK exploded"}


def test_without_auto_delivery_messages_wait_for_deliver() -> None:
    notifier = FailingNotifier(failures=0)
    app = app_with(notifier, auto_deliver=False)
    with app:
        provider = app.add_provider(**sample_provider(1))
        app.create_demande(sample_answers(), to=[provider.id or 0])
        assert notifier.sent == []
        assert {m.status for m in app.outbox()} == {"pending"}
        assert app.deliver().sent == 2
        assert app.deliver().sent == 0
        assert len(notifier.sent) == 2


def test_a_refused_operation_queues_no_message(world: World) -> None:
    (dossier_id,) = world.demande()
    queued = world.app.outbox()
    with pytest.raises(MissingJustificatifs):
        world.app.accept(dossier_id)
    assert world.app.outbox() == queued


def test_a_change_whose_commit_fails_sends_nothing_and_the_next_one_commits(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id)
    world.app.review(dossier_id, validate=world.required(dossier_id))
    before = len(world.notifier.sent)
    sql = world.app.store.sql

    def commit_fails() -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(sql, "commit", commit_fails)
    with pytest.raises(RuntimeError, match="disk is full"):
        world.app.accept(dossier_id)
    monkeypatch.undo()
    assert len(world.notifier.sent) == before  # no acceptance announced that was not stored
    assert world.app.get_dossier(dossier_id).dossier.status.code == "S1"

    world.app.accept(dossier_id)  # the store is usable again: this change begins and commits
    assert world.app.get_dossier(dossier_id).dossier.status.code == "S2"
    accepted = [m for m in world.app.outbox(dossier_id=dossier_id) if m.template == "accepted"]
    assert [m.id for m in world.notifier.sent[before:]] == [m.id for m in reversed(accepted)]


class Peeking:
    """At each delivery, reads over a connection of its own which messages the database
    already shows as sent: what a process killed at that moment would leave."""

    def __init__(self, direct: Any, location: str) -> None:
        self.direct, self.location = direct, location
        self.seen: list[tuple[int, set[int]]] = []

    def deliver(self, message: OutboxMessage) -> None:
        rows = self.direct(self.location, "SELECT id FROM outbox WHERE status = 'sent'")
        self.seen.append((message.id or 0, {int(r[0]) for r in rows}))

    def marked_before_each(self) -> bool:
        """Whether every message was marked sent before the next one went."""
        done: set[int] = set()
        for message_id, sent in self.seen:
            if not done <= sent:
                return False
            done.add(message_id)
        return True


def test_each_message_is_marked_sent_before_the_next_one_goes(
    file_world: World, direct: Any
) -> None:
    app = file_world.app
    app.ctx.deliver_after_commit = app.auto_deliver = False
    for _ in range(3):
        file_world.demande()
    peek = Peeking(direct, app.store.location)
    app.ctx.notifier = peek
    report = app.deliver()
    assert report.sent == len(peek.seen) == 6
    assert peek.marked_before_each()
    assert peek.seen[0][1] == set()


def test_a_sweep_delivers_each_dossiers_messages_before_the_next_dossier(
    file_world: World, direct: Any
) -> None:
    first, second = file_world.accepted(), file_world.accepted()
    peek = Peeking(direct, file_world.app.store.location)
    file_world.app.ctx.notifier = peek
    file_world.clock.advance(days=8)
    assert file_world.app.sweep().expired == [first, second]
    by_dossier = {m.id: m.dossier_id for m in file_world.app.outbox()}
    order = [by_dossier[i] for i, _ in peek.seen]
    assert order == sorted(order)  # dossier by dossier
    assert set(order) == {first, second}
    assert peek.marked_before_each()
