"""A Hypothesis state machine over the facade: no sequence of commands breaks the rules.

Random requests, pieces, reviews, decisions, sweeps and jumps of the clock; after
every step the dossiers must be where the status table allows, the audit chain must
verify, no reminder may be sent twice for one deadline, and refused operations must
raise domicili's own errors and change nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from domicili.catalog import DEFAULT_CATALOG
from domicili.clock import paris_date
from domicili.errors import DomiciliError
from domicili.statuses import TRANSITIONS, Status
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KINDS = [k.kind for k in DEFAULT_CATALOG]
EDGES = {(t.trigger, src.code, t.dest.code) for t in TRANSITIONS for src in t.sources}
CLIENTS = [
    {"kind": "company", "en_formation": True},
    {"kind": "company", "en_formation": False},
    {"kind": "individual", "en_formation": False},
]
FILES = st.sampled_from(
    [
        (sample_pdf("scan"), "scan.pdf"),
        (sample_pdf("autre scan"), "../../autre.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "photo.png"),
        (b"not a pdf at all", "faux.pdf"),
        (b"", "vide.pdf"),
    ]
)


class DossierMachine(RuleBasedStateMachine):
    dossiers = Bundle("dossiers")

    def __init__(self) -> None:
        super().__init__()
        self.app, self.clock, self.notifier = make_app(start=START)
        self.expected: dict[int, Status] = {}
        self.reminders: Counter[tuple[int, datetime]] = Counter()
        self.reminder_days = len(self.app.settings.payment.reminder_days)

    def teardown(self) -> None:
        self.app.close()

    # -- helpers -----------------------------------------------------------------
    def footprint(self) -> tuple[int, int, dict[int, Status]]:
        return (
            len(self.app.store.events()),
            len(self.app.outbox()),
            {d.id or 0: d.status for d in self.app.list_dossiers()},
        )

    def attempt(self, operation: Callable[[], Any]) -> Any:
        """Run ``operation``; a refusal must be a DomiciliError and leave no trace."""
        before = self.footprint()
        try:
            return operation()
        except DomiciliError:
            assert self.footprint() == before
            return None

    def status(self, dossier_id: int) -> Status:
        return self.app.get_dossier(dossier_id).dossier.status

    # -- rules ---------------------------------------------------------------------
    @initialize(target=dossiers)
    def providers_and_a_first_accepted_request(self) -> Any:
        self.provider_ids = [self.app.add_provider(**sample_provider(n)).id or 0 for n in (1, 2)]
        created = self.request(CLIENTS[0], [0, 1])
        self.make_ready_and_accept(created.values[0])
        return created

    @rule(
        target=dossiers,
        client=st.sampled_from(CLIENTS),
        to=st.lists(st.sampled_from([0, 1]), min_size=1, max_size=2, unique=True),
    )
    def request(self, client: dict[str, Any], to: list[int]) -> Any:
        answers = sample_answers(client["kind"], en_formation=client["en_formation"])
        created = self.attempt(
            lambda: self.app.create_demande(answers, to=[self.provider_ids[i] for i in to])
        )
        if created is None:
            return multiple()
        _client, dossiers = created
        for d in dossiers:
            self.expected[d.id] = Status.PENDING_REVIEW
        return multiple(*(d.id for d in dossiers))

    @rule(dossier=dossiers, kind=st.sampled_from(KINDS), file=FILES)
    def add_piece(self, dossier: int, kind: str, file: tuple[bytes, str]) -> None:
        data, name = file
        self.attempt(lambda: self.app.add_justificatif(dossier, kind, data, name))

    @rule(
        dossier=dossiers,
        validate=st.sets(st.sampled_from(KINDS), max_size=3),
        invalidate=st.sets(st.sampled_from(KINDS), max_size=2),
    )
    def review(self, dossier: int, validate: set[str], invalidate: set[str]) -> None:
        mark = len(self.notifier.sent)
        reasons = {k: f"Motif {k}" for k in invalidate}
        saved = self.attempt(
            lambda: self.app.review(dossier, validate=sorted(validate), invalidate=reasons)
        )
        if saved is not None:
            recaps = [m.template for m in self.notifier.sent[mark:]]
            assert recaps == ["justificatif_recap"]

    @rule(dossier=dossiers)
    def make_ready(self, dossier: int) -> None:
        """Send and validate every required piece not validated yet."""
        for piece in self.app.justificatifs(dossier):
            if not piece.required or piece.state == "validated":
                continue
            data = sample_pdf(f"{piece.kind} {dossier}")
            add = partial(self.app.add_justificatif, dossier, piece.kind, data, "p.pdf")
            if self.attempt(add):
                self.attempt(partial(self.app.review, dossier, validate=[piece.kind]))

    @rule(dossier=dossiers)
    def make_ready_and_accept(self, dossier: int) -> None:
        self.make_ready(dossier)
        self.accept(dossier)

    @rule(dossier=dossiers)
    def accept(self, dossier: int) -> None:
        provider = self.app.get_provider(self.app.get_dossier(dossier).dossier.provider_id)
        ready = all(p.state == "validated" for p in self.app.justificatifs(dossier) if p.required)
        should = (
            self.expected[dossier] is Status.PENDING_REVIEW
            and ready
            and provider.agrement_problem(self.clock.now().date()) is None
        )
        done = self.attempt(lambda: self.app.accept(dossier))
        assert (done is not None) == should
        if done is not None:
            self.expected[dossier] = Status.AWAITING_PAYMENT

    @rule(dossier=dossiers, reason=st.sampled_from(["Doublon", "", "Soupçon LCB-FT n°77"]))
    def dismiss(self, dossier: int, reason: str) -> None:
        should = reason != "" and self.expected[dossier] in (
            Status.PENDING_REVIEW,
            Status.AWAITING_PAYMENT,
        )
        done = self.attempt(lambda: self.app.dismiss(dossier, reason))
        assert (done is not None) == should
        if done is not None:
            self.expected[dossier] = Status.DISMISSED

    @rule(dossier=dossiers)
    def reactivate(self, dossier: int) -> None:
        done = self.attempt(lambda: self.app.reactivate(dossier))
        assert (done is not None) == (self.expected[dossier] is Status.EXPIRED)
        if done is not None:
            self.expected[dossier] = Status.AWAITING_PAYMENT

    @rule(provider=st.sampled_from([0, 1]), suspended=st.booleans())
    def suspend(self, provider: int, suspended: bool) -> None:
        provider_id = self.provider_ids[provider]
        if suspended:
            self.app.suspend_provider(provider_id)
        else:
            self.app.resume_provider(provider_id)

    @rule()
    def sweep(self) -> None:
        mark = len(self.notifier.sent)
        report = self.app.sweep()
        for dossier in report.expired:
            assert self.expected[dossier] is Status.AWAITING_PAYMENT
            self.expected[dossier] = Status.EXPIRED
        for message in self.notifier.sent[mark:]:
            if message.template == "payment_reminder" and message.channel == "email":
                assert message.dossier_id is not None
                due = self.app.get_dossier(message.dossier_id).dossier.payment_due_at
                assert due is not None
                # From the calendar day three days before the deadline's, in Paris.
                assert paris_date(self.clock.now()) >= paris_date(due) - timedelta(days=3)
                self.reminders[(message.dossier_id, due)] += 1
        now = self.clock.now()
        for d in self.app.list_dossiers(Status.AWAITING_PAYMENT):
            assert d.payment_due_at is not None
            assert d.payment_due_at > now  # everything overdue was expired

    @rule(hours=st.integers(min_value=1, max_value=9 * 24))
    def wait(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule(
        hours=st.one_of(
            st.sampled_from([24, 48, 110, 120, 150, 165, 170]),  # into the reminder window
            st.integers(min_value=1, max_value=9 * 24),
        )
    )
    def wait_then_sweep(self, hours: int) -> None:
        """The daily job, some time later."""
        self.clock.advance(hours=hours)
        self.sweep()

    # -- invariants ----------------------------------------------------------------
    @invariant()
    def statuses_are_the_expected_ones(self) -> None:
        actual = {d.id: d.status for d in self.app.list_dossiers()}
        assert actual == self.expected

    @invariant()
    def every_status_change_follows_the_table(self) -> None:
        last: dict[int, str] = {}
        for event in self.app.store.events():
            if event.dossier_id is None or "from" not in event.data:
                continue
            trigger = event.type.removeprefix("dossier.")
            move = (trigger, event.data["from"], event.data["to"])
            assert move in EDGES, move
            assert last.get(event.dossier_id, "S0") == move[1]
            last[event.dossier_id] = move[2]
        assert last == {d: s.code for d, s in self.expected.items()}

    @invariant()
    def audit_chain_verifies(self) -> None:
        assert self.app.verify_audit().ok

    @invariant()
    def no_reminder_is_sent_twice_for_one_deadline(self) -> None:
        assert all(n <= self.reminder_days for n in self.reminders.values())
        per_dossier = Counter(
            m.dossier_id
            for m in self.notifier.sent
            if m.template == "payment_reminder" and m.channel == "email"
        )
        for dossier, count in per_dossier.items():
            deadlines = [n for (d, _due), n in self.reminders.items() if d == dossier]
            assert count == sum(deadlines)

    @invariant()
    def dismissal_reasons_never_reach_a_client(self) -> None:
        assert not any("LCB-FT" in f"{m.subject} {m.body}" for m in self.notifier.sent)

    @invariant()
    def every_message_is_delivered_once(self) -> None:
        ids = [m.id for m in self.notifier.sent]
        assert len(ids) == len(set(ids))


DossierMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDossierMachine = DossierMachine.TestCase
