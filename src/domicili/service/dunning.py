"""Dunning: what happens to an invoice of the running contract left unpaid, step by step.

The policy is data (``[dunning]`` in ``domicili.toml``): reminders to the client a few
days after the due date, the mail service suspended later, and the provider told when
termination for non-payment becomes open. Each step comes once and in order
(``Receivable.dunning_step``); a late sweep does every step it missed but sends one
reminder. Before each step a returned direct debit is presented again (a declined card
charged again) when the bank's reason allows it (insufficient funds), never after a
refusal, a closed account or a card lost or stolen; while that new presentation is
pending, no step comes. A payment stops it all
(:mod:`.receivables`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..clock import paris_date
from ..french import format_eur, numeric_date_fr
from ..models import Receivable
from .context import Context
from .dossiers import payment_instructions

__all__ = ["DunningReport", "run", "suspends"]


@dataclass
class DunningReport:
    """The invoices reminded, presented again, and the dossiers suspended or whose
    provider was told termination is open, by one run."""

    reminded: list[str] = field(default_factory=list)
    presented_again: list[str] = field(default_factory=list)
    suspended: list[int] = field(default_factory=list)
    termination_open: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[Any]]:
        return {
            "reminded": self.reminded,
            "presented_again": self.presented_again,
            "suspended": self.suspended,
            "termination_open": self.termination_open,
        }


def late(receivable: Receivable) -> bool:
    """Owed and not on its way: an open transfer past its day, a debit sent back or a
    card declined (an open debit or card charge is still to be collected, or presented
    again)."""
    if receivable.collection in ("sepa", "card"):
        return receivable.state == "unpaid"
    return receivable.state in ("open", "unpaid")


def owed_since(receivable: Receivable) -> date:
    """The day lateness counts from: the due date, or the day a debit came back (a
    refund the debtor asks weeks later starts the steps then, not all at once)."""
    if receivable.returned_at is None:
        return receivable.due_date
    return max(receivable.due_date, paris_date(receivable.returned_at))


def suspends(ctx: Context, receivable: Receivable) -> bool:
    """The invoice keeps its dossier's mail service suspended: still owed, and dunned
    past the suspension step."""
    if receivable.state == "paid":
        return False
    kinds = [kind for _days, kind in ctx.settings.dunning.steps()]
    return "suspend" in kinds and receivable.dunning_step > kinds.index("suspend")


def run(ctx: Context, today: date, *, after_each: Any = None) -> DunningReport:
    """Every step now due for the invoices owed (of the provider in scope), each
    invoice in its own transaction."""
    report = DunningReport()
    steps = ctx.settings.dunning.steps()
    if not steps:
        return report
    first = min(days for days, _kind in steps)
    after = 0
    while True:
        due = ctx.store.receivables_due(
            due_by=today - timedelta(days=first), provider_id=ctx.provider_scope, after_id=after
        )
        for receivable in due:
            late_by = (today - owed_since(receivable)).days
            reached = sum(1 for days, _kind in steps if late_by >= days)
            if late(receivable) and reached > receivable.dunning_step:
                with ctx.store.transaction():
                    _steps(ctx, receivable, steps[receivable.dunning_step : reached], today, report)
                    ctx.store.update_receivable(
                        receivable.id or 0, dunning_step=reached, dunning_at=ctx.now()
                    )
                if after_each is not None:
                    after_each(ctx)
        if len(due) < 500:
            return report
        after = due[-1].id or 0


def _steps(
    ctx: Context,
    receivable: Receivable,
    steps: list[tuple[int, str]],
    today: date,
    report: DunningReport,
) -> None:
    dossier = ctx.dossier(receivable.dossier_id)
    client = ctx.client(dossier.client_id)
    provider = ctx.provider(dossier.provider_id)
    kinds = [kind for _days, kind in steps]
    again = _present_again(ctx, receivable, today)
    if again is not None:
        report.presented_again.append(receivable.number)
    days_late = (today - owed_since(receivable)).days
    context: dict[str, Any] = {
        "client": client,
        "provider": provider,
        "number": receivable.number,
        "amount": format_eur(receivable.amount_cents),
        "due_date": numeric_date_fr(receivable.due_date),
        "days_late": days_late,
        "presented_again": numeric_date_fr(again) if again else "",
        "returned": receivable.return_reason is not None,
        "collection": receivable.collection,
        "penalty_rate_text": ctx.settings.invoices.penalty_rate_text,
        "payment_instructions": "" if again else payment_instructions(provider, dossier),
    }
    if "reminder" in kinds:
        ctx.notify("invoice_reminder", "email", client.email, dossier=dossier, **context)
        report.reminded.append(receivable.number)
    if "suspend" in kinds and _current_period_owed(ctx, receivable, today):
        ctx.store.set_mail_suspended(receivable.dossier_id, ctx.now())
        ctx.notify("mail_suspended", "email", client.email, dossier=dossier, **context)
        report.suspended.append(receivable.dossier_id)
    if "termination" in kinds:
        ctx.notify(
            "termination_open", "email", provider.email, dossier=dossier, reply_to=None, **context
        )
        report.termination_open.append(receivable.dossier_id)
    ctx.event(
        "invoice.dunning",
        dossier,
        {
            "number": receivable.number,
            "steps": kinds,
            "days_late": days_late,
            "presented_again": again.isoformat() if again else None,
        },
    )


def _present_again(ctx: Context, receivable: Receivable, today: date) -> date | None:
    """A returned debit presented again when its reason allows it: the new collection
    day (None: not presented again)."""
    settings = ctx.settings.dunning
    if receivable.collection not in ("sepa", "card") or receivable.state != "unpaid":
        return None
    if (receivable.return_reason or "") not in settings.retries(receivable.collection):
        return None
    day = today + timedelta(days=settings.retry_collection_days)
    ctx.store.update_receivable(
        receivable.id or 0, state="open", export_id=None, collection_date=day, charge_key=None
    )
    return day


def _current_period_owed(ctx: Context, receivable: Receivable, today: date) -> bool:
    """The period ``today`` falls in is still owed: a period already paid is never
    blocked (the first one was paid as the contract began)."""
    if receivable.period_start <= today <= receivable.period_end:
        return True
    current = ctx.store.receivable_covering(receivable.dossier_id, today)
    return current is not None and current.state != "paid"
