"""The 3-month rule (C. com. R123-168): a client who leaves its mail uncollected is
warned, then reported to the greffe.

The day counted from is the later of the client's last acknowledgement (mail
collected, forwarded, or — ``[mailbox] scan_view_acknowledges`` — a scan viewed) and
the arrival of the oldest piece left uncollected since: still waiting, or returned to
its sender (destroyed, when scanned) at the end of its retention — paper the provider
had to send back because the client never came counts against it.
``[mailbox] warn_after_days`` later the client is warned, once; ``greffe_after_days``
later (and three calendar months at least) the notice to the greffe is drawn up, once:
a PDF letter stored content-addressed, an event, the provider emailed with it to send.

The greffe is the one of the tribunal de commerce of the provider's city (there is no
reference table of greffes): « Greffe du tribunal de commerce de <ville> », service du
registre du commerce et des sociétés, at the provider's postcode and city. The provider
sends the letter it receives, and may correct the recipient in it before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..clock import paris_date
from ..errors import Refused
from ..i18n import _
from ..mailbox import Mailbox
from ..models import Attachment, Dossier, Provider
from .context import Context

if TYPE_CHECKING:
    from ..documents import GreffeNoticeData, PartyData
    from .mail_sweep import AfterEach, MailSweepReport

__all__ = ["GreffeNotice", "greffe_notice_pdf", "greffe_notices", "notice_of", "three_month_rule"]


@dataclass(frozen=True)
class GreffeNotice:
    """A notice to the greffe about one client: when, for which mailbox and dossier."""

    dossier_id: int
    reference: str
    client: str
    mailbox: str
    at: datetime
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "dossier_id": self.dossier_id,
            "reference": self.reference,
            "client": self.client,
            "mailbox": self.mailbox,
            "at": self.at.isoformat(),
            "sha256": self.sha256,
        }


def three_month_rule(
    ctx: Context, today: date, report: MailSweepReport, after_each: AfterEach
) -> None:
    """Each mailbox with mail waiting: warned, then reported, once each."""
    after = 0
    while True:
        page = ctx.store.mailboxes_uncollected(provider_id=ctx.provider_scope, after_id=after)
        for mailbox, oldest in page:
            if _due(ctx, mailbox, oldest, today) != (False, False):
                with ctx.store.transaction():
                    _step(ctx, mailbox.id or 0, today, report)
                if after_each is not None:
                    after_each(ctx)
        if len(page) < 500:
            return
        after = page[-1][0].id or 0


def _reference(mailbox: Mailbox, oldest: datetime) -> datetime:
    """The day the rule counts from."""
    return max(oldest, mailbox.acknowledged_at or oldest)


def _due(ctx: Context, mailbox: Mailbox, oldest: datetime, today: date) -> tuple[bool, bool]:
    """Whether the client is to be warned, and the greffe told, today."""
    from ..documents.contract import add_months

    settings = ctx.settings.mailbox
    reference = _reference(mailbox, oldest)
    days = (today - paris_date(reference)).days
    warn = days >= settings.warn_after_days and (
        mailbox.warned_at is None or mailbox.warned_at < reference
    )
    notice = (
        days >= settings.greffe_after_days
        and add_months(paris_date(reference), 3) <= today
        and (mailbox.greffe_notice_at is None or mailbox.greffe_notice_at < reference)
    )
    return warn, notice


def _step(ctx: Context, mailbox_id: int, today: date, report: MailSweepReport) -> None:
    """Inside the mailbox's transaction, read again: the warning, then the notice (each
    in the history of every piece it is about)."""
    from .mail_sweep import SWEEP
    from .mailroom import history

    found = ctx.store.get_mailbox(mailbox_id=mailbox_id)
    if found is None:
        return
    waiting = ctx.store.uncollected_pieces(mailbox_id)
    if not waiting:
        return
    dossier = ctx.dossier(found.dossier_id)
    if not dossier.status.accepts_mail:
        return  # no longer domiciled: the contract's end is what the greffe hears of
    oldest = min(p.received_at for p in waiting)
    warn, notice = _due(ctx, found, oldest, today)
    if warn or (notice and found.warned_at is None):
        _warn(ctx, found, dossier, waiting, oldest)
        for piece in waiting:
            history(ctx, piece, "uncollected_warned", SWEEP)
        report.uncollected_warned.append(dossier.id or 0)
    if notice:
        _notice(ctx, found, dossier, len(waiting), oldest)
        for piece in waiting:
            history(ctx, piece, "greffe_notice", SWEEP)
        report.greffe_notices.append(dossier.id or 0)


def _warn(
    ctx: Context, mailbox: Mailbox, dossier: Dossier, waiting: list[Any], oldest: datetime
) -> None:
    from ..documents.contract import add_months
    from ..french import numeric_date_fr
    from .mail_sweep import tell

    now = ctx.now()
    ctx.store.update_mailbox(mailbox.id or 0, warned_at=now)
    mailbox.warned_at = now
    since = paris_date(_reference(mailbox, oldest))
    ctx.event("mail.uncollected_warning", dossier, {"mailbox": mailbox.number,
              "since": since.isoformat(), "pieces": len(waiting)})  # fmt: skip
    tell(ctx, "mail_uncollected", dossier, waiting, since=numeric_date_fr(since),
         greffe_on=numeric_date_fr(add_months(since, 3)))  # fmt: skip


def _notice(ctx: Context, mailbox: Mailbox, dossier: Dossier, count: int, oldest: datetime) -> None:
    from ..documents import render_greffe_notice
    from .mail_scans import stored
    from .paperwork import templates_dir

    data = notice_data(ctx, mailbox, dossier, count, oldest)
    pdf = render_greffe_notice(data, template_dir=templates_dir(ctx))
    sha256 = stored(ctx, pdf, f"greffe-{dossier.reference}.pdf")
    now = ctx.now()
    ctx.store.update_mailbox(mailbox.id or 0, greffe_notice_at=now,
                             greffe_notice_sha256=sha256)  # fmt: skip
    ctx.event(
        "mail.greffe_notice",
        dossier,
        {"mailbox": mailbox.number, "sha256": sha256, "pieces_waiting": count,
         "greffe": data.greffe.name},
    )  # fmt: skip
    provider = ctx.provider(dossier.provider_id)
    ctx.notify(
        "mail_greffe_notice",
        "email",
        provider.email,
        dossier=dossier,
        reply_to=None,
        attachments=[Attachment(filename=f"greffe-{dossier.reference}.pdf", sha256=sha256)],
        provider=provider,
        client=ctx.client(dossier.client_id),
        mailbox=mailbox.number,
        greffe=data.greffe.name,
        pieces_waiting=count,
    )


def greffe_of(provider: Provider) -> PartyData:
    """The greffe of the tribunal de commerce of the provider's city."""
    from ..documents import PartyData

    return PartyData(
        name=f"Greffe du tribunal de commerce de {provider.city}",
        address="Service du registre du commerce et des sociétés",
        postcode=provider.postcode,
        city=provider.city,
    )


def notice_data(
    ctx: Context, mailbox: Mailbox, dossier: Dossier, count: int, oldest: datetime
) -> GreffeNoticeData:
    """The facts the greffe needs: the client, its registration, the address, the
    contract's start, the last acknowledgement, the mail waiting, the warnings sent."""
    from ..documents import GreffeNoticeData
    from .paperwork import client_data, provider_data

    provider = ctx.provider(dossier.provider_id)
    client = ctx.client(dossier.client_id)
    start = dossier.start_date or paris_date(dossier.created_at or ctx.now())
    acknowledged = paris_date(mailbox.acknowledged_at) if mailbox.acknowledged_at else None
    warned = paris_date(mailbox.warned_at) if mailbox.warned_at else None
    return GreffeNoticeData(
        reason="mail_uncollected",
        provider=provider_data(provider),
        client=client_data(client, provider),
        greffe=greffe_of(provider),
        contract_reference=dossier.reference,
        address=provider.address,
        postcode=provider.postcode,
        city=provider.city,
        contract_start=start,
        last_acknowledged_on=acknowledged,
        pieces_waiting=count,
        oldest_piece_on=max(start, paris_date(oldest)),
        reminders=(warned,) if warned else (),
        signatory_name=provider.representative or provider.name,
        signatory_role=provider.representative_quality or "représentant légal",
        issued_at=ctx.now(),
        place=provider.city,
    )


# -- reading -----------------------------------------------------------------------------
def notice_of(ctx: Context, dossier_id: int) -> GreffeNotice | None:
    """The dossier's latest notice to the greffe, if its client was reported."""
    dossier = ctx.dossier(dossier_id)
    mailbox = ctx.store.get_mailbox(dossier_id=dossier_id)
    if mailbox is None or mailbox.greffe_notice_at is None or not mailbox.greffe_notice_sha256:
        return None
    return _notice_row(ctx, mailbox, dossier)


def _notice_row(ctx: Context, mailbox: Mailbox, dossier: Dossier) -> GreffeNotice:
    assert mailbox.greffe_notice_at is not None
    return GreffeNotice(
        dossier_id=dossier.id or 0,
        reference=dossier.reference,
        client=ctx.client(dossier.client_id).name,
        mailbox=mailbox.number,
        at=mailbox.greffe_notice_at,
        sha256=mailbox.greffe_notice_sha256 or "",
    )


def greffe_notices(ctx: Context) -> list[GreffeNotice]:
    """The notices to the greffe (of the provider in scope), latest first."""
    return [
        _notice_row(ctx, mailbox, ctx.dossier(mailbox.dossier_id))
        for mailbox in ctx.store.mailboxes_with_notice(ctx.provider_scope)
    ]


def greffe_notice_pdf(ctx: Context, dossier_id: int) -> bytes:
    """The PDF of the dossier's latest notice to the greffe."""
    notice = notice_of(ctx, dossier_id)
    if notice is None:
        raise Refused(
            _(
                "Dossier {reference}: its client was not reported to the greffe; there is "
                "no notice."
            ).format(reference=ctx.dossier(dossier_id).reference),
            dossier_id=dossier_id,
        )
    return ctx.files.read(notice.sha256)
