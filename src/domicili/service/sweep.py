"""``sweep``: the periodic job — payment reminders and expiry of overdue dossiers.

Idempotent: each reminder is recorded with the deadline it was about, so running
the sweep twice sends nothing more; a reactivated dossier has a new deadline and
gets its own reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import PARIS, paris_date
from .context import Context
from .dossiers import _notify_client
from .outbox import deliver_committed, deliver_pending
from .signatures import signature_reminders

if TYPE_CHECKING:
    from .cards import ChargeReport

__all__ = ["SweepReport", "run", "sweep"]


@dataclass
class SweepReport:
    """Dossiers reminded to pay, expired, and reminded to sign by one sweep."""

    reminders: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    signature_reminders: list[int] = field(default_factory=list)
    #: The numbers of the invoices of the running contracts issued (the periods opened).
    invoices: list[str] = field(default_factory=list)
    #: The invoices whose direct debit was collected (its day came).
    collected: list[str] = field(default_factory=list)
    #: What charging the saved cards did.
    cards: ChargeReport | None = None
    #: What dunning did (:class:`~.dunning.DunningReport` as a dict).
    dunning: dict[str, list[Any]] = field(default_factory=dict)
    #: What the mailbox's daily duties did (:class:`~.mail_sweep.MailSweepReport`).
    mail: dict[str, list[int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reminders": self.reminders,
            "expired": self.expired,
            "signature_reminders": self.signature_reminders,
            "invoices": self.invoices,
            "collected": self.collected,
            "cards": self.cards.as_dict() if self.cards is not None else {},
            "dunning": self.dunning,
            "mail": self.mail,
        }


def run(ctx: Context) -> SweepReport:
    """The whole periodic job: payment reminders and expiry, reminders to sign, then
    for the running contracts the invoices of the periods that opened
    (:mod:`.billing`), the saved cards charged and the direct debits collected on
    their day, dunning, and the mailbox's daily duties (:mod:`.mail_sweep`).

    When messages are delivered after commit, each dossier's messages go out right
    after its own transaction commits (within the command's delivery deadline), and
    every message still waiting is tried again at the end.
    """
    from . import dunning, mail_sweep
    from .billing import run as bill
    from .cards import charge_due_cards
    from .receivables import collect_due_debits

    report = sweep(ctx)
    report.signature_reminders = signature_reminders(ctx, after_each=deliver_committed)
    report.invoices = bill(ctx, after_each=deliver_committed).issued
    today = paris_date(ctx.now())
    report.cards = charge_due_cards(ctx, today, after_each=deliver_committed)
    report.collected = collect_due_debits(ctx, today)
    report.dunning = dunning.run(ctx, today, after_each=deliver_committed).as_dict()
    report.mail = mail_sweep.run(ctx, today, after_each=deliver_committed).as_dict()
    if ctx.deliver_after_commit:
        deliver_pending(ctx, due_only=True)
    return report


def sweep(ctx: Context) -> SweepReport:
    """Payment reminders before the deadline, and expiry once it has passed."""
    report = SweepReport()
    now = ctx.now()
    days = sorted(set(ctx.settings.payment.reminder_days), reverse=True)
    # Through the end of the Paris day ``max(days)`` days from today: a deadline that
    # day has its first reminder due today.
    last_day = paris_date(now) + timedelta(days=max(days, default=0))
    horizon = datetime.combine(last_day, time.max, tzinfo=PARIS)
    due = ctx.store.dossiers_awaiting_payment_due_before(horizon, ctx.provider_scope)
    for candidate in due:
        assert candidate.id is not None
        # Each dossier in its own transaction: one failure does not undo the others.
        with ctx.store.transaction():
            _remind_or_expire(ctx, candidate.id, days, report)
        deliver_committed(ctx)
    return report


def _remind_or_expire(ctx: Context, dossier_id: int, days: list[int], report: SweepReport) -> None:
    """One dossier awaiting its first payment: expired past its deadline, else reminded."""
    now = ctx.now()
    dossier = ctx.store.get_dossier(dossier_id)
    if dossier is None or not dossier.status.first_payment_due or dossier.payment_due_at is None:
        return  # changed by someone else since the query
    deadline = dossier.payment_due_at
    if ctx.store.has_pending_payment(dossier_id):
        return  # a debit in progress: neither remind nor expire before it settles
    if deadline <= now:
        ctx.move(dossier, "expire")
        ctx.store.close_payment_links(dossier_id, "expired", now)
        _notify_client(ctx, dossier, "expired")
        report.expired.append(dossier_id)
        return
    # "N days before" is the calendar day N days before the deadline's day, in Paris:
    # the first sweep of that day sends it, whatever the hour of either.
    days_left = (paris_date(deadline) - paris_date(now)).days
    passed = [d for d in days if days_left <= d]
    unsent = [d for d in passed if not ctx.store.reminder_sent(dossier_id, deadline, d)]
    if not unsent:
        return
    # Late sweeps send one reminder (the most urgent), and mark the others done.
    for d in unsent:
        ctx.store.record_reminder(dossier_id, deadline, d, now)
    ctx.event("dossier.payment_reminder", dossier, {"days_before": min(unsent)})
    _notify_client(ctx, dossier, "payment_reminder", sms=True, days_left=days_left)
    report.reminders.append(dossier_id)
