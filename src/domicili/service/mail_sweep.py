"""The mailbox's daily duties, done by ``sweep``: each once, each in the piece's history.

- destructions whose day has come are carried out, and the client told;
- paper kept past the offer's ``retention_days`` (neither forwarded nor collected) is
  destroyed when its content was scanned (the scan stays), else returned to its sender;
- the client is warned ``[mailbox] storage_warning_days`` before a piece's free storage
  ends (the offer's free days for its kind, counted from its arrival), with the fee per
  day that then applies (no warning when storage costs nothing, nor for a piece that
  reached its final action);
- the 3-month rule (:mod:`.mail_notices`);
- the daily digest: a client who chose it hears once a day of the mail received up to
  the end of the previous day.

Each dossier's (or mailbox's) step is one transaction, its messages delivered after it
commits. Releasing the mail held while the service was suspended, and a client viewing
a scan, are here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ..clock import PARIS, paris_date
from ..errors import Refused
from ..i18n import _
from ..mailbox import KINDS, MailPiece, MailTerms
from ..models import Attachment, Dossier
from .context import Context
from .mailroom import find_piece, history

__all__ = ["MailSweepReport", "release_suspended", "run", "scan_viewed"]

#: The states of a piece waiting for the client (stored, its fees counting).
WAITING = ("received", "held", "to_collect")
#: Who the sweep's steps are by, in the pieces' history.
SWEEP = "sweep"


@dataclass
class MailSweepReport:
    """What one sweep did to the mail: pieces destroyed (on their day, or at the end of
    their retention), returned to their sender, warned of their storage's end; the
    dossiers warned of the 3-month rule, reported to the greffe, sent their digest."""

    destroyed: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)
    storage_warned: list[int] = field(default_factory=list)
    uncollected_warned: list[int] = field(default_factory=list)
    greffe_notices: list[int] = field(default_factory=list)
    digests: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {
            "destroyed": self.destroyed,
            "returned": self.returned,
            "storage_warned": self.storage_warned,
            "uncollected_warned": self.uncollected_warned,
            "greffe_notices": self.greffe_notices,
            "digests": self.digests,
        }


AfterEach = Callable[[Context], Any] | None


def run(ctx: Context, today: date, *, after_each: AfterEach = None) -> MailSweepReport:
    """Every duty of the day, for the mail of the provider in scope."""
    from .mail_notices import three_month_rule

    report = MailSweepReport()
    terms = _Terms(ctx)
    _per_dossier(ctx, ("to_destroy",), lambda p: _destruction_due(p, today), after_each,
                 lambda d, ps: _destroy_due(ctx, d, ps, report))  # fmt: skip
    _per_dossier(ctx, WAITING, lambda p: _retention_over(p, terms.of(p), today), after_each,
                 lambda d, ps: _retention(ctx, d, ps, report))  # fmt: skip
    warn = ctx.settings.mailbox.storage_warning_days
    _per_dossier(ctx, WAITING, lambda p: _storage_ending(p, terms.of(p), today, warn), after_each,
                 lambda d, ps: _warn_storage(ctx, d, ps, terms.of(ps[0]), report))  # fmt: skip
    three_month_rule(ctx, today, report, after_each)
    _digests(ctx, today, report, after_each)
    return report


class _Terms:
    """The mail terms of each dossier's contract, read once per sweep."""

    def __init__(self, ctx: Context) -> None:
        self.ctx, self.known = ctx, dict[int, MailTerms]()

    def of(self, piece: MailPiece) -> MailTerms:
        from .paperwork import dossier_offer

        dossier_id = piece.dossier_id or 0
        if dossier_id not in self.known:
            dossier = self.ctx.dossier(dossier_id)
            offer = dossier_offer(self.ctx, dossier, self.ctx.provider(dossier.provider_id))
            self.known[dossier_id] = offer.mail_terms
        return self.known[dossier_id]


def _pieces_in(ctx: Context, states: tuple[str, ...]) -> Iterator[MailPiece]:
    after = 0
    while True:
        page = ctx.store.pieces_in(states, provider_id=ctx.provider_scope, after_id=after)
        yield from page
        if len(page) < 500:
            return
        after = page[-1].id or 0


def _per_dossier(
    ctx: Context,
    states: tuple[str, ...],
    due: Callable[[MailPiece], bool],
    after_each: AfterEach,
    act: Callable[[Dossier, list[MailPiece]], None],
) -> None:
    """``act`` on each dossier's pieces in ``states`` that are ``due``, one transaction
    per dossier; each piece read again inside it (changed since: left alone)."""
    groups: dict[int, list[int]] = {}
    for piece in _pieces_in(ctx, states):
        if piece.dossier_id is not None and due(piece):
            groups.setdefault(piece.dossier_id, []).append(piece.id or 0)
    for dossier_id, ids in groups.items():
        with ctx.store.transaction():
            pieces = [ctx.store.get_piece(piece_id=i) for i in ids]
            still = [p for p in pieces if p is not None and p.state in states and due(p)]
            if still:
                act(ctx.dossier(dossier_id), still)
        if after_each is not None:
            after_each(ctx)


def _closed(ctx: Context, piece: MailPiece, state: str, action: str, **detail: Any) -> None:
    """A piece brought to its final ``state`` by the sweep."""
    assert piece.id is not None
    now = ctx.now()
    ctx.store.update_piece(piece.id, state=state, closed_at=now, hold_reason=None)
    piece.state, piece.closed_at = state, now  # type: ignore[assignment]
    history(ctx, piece, action, SWEEP, **detail)


def lines(pieces: list[MailPiece]) -> list[dict[str, Any]]:
    """The pieces as a message lists them."""
    from ..french import numeric_date_fr

    return [
        {
            "id": p.id,
            "kind": KINDS[p.kind].lower(),
            "sender": p.sender,
            "received_on": numeric_date_fr(paris_date(p.received_at)),
            "scanned": p.scan_sha256 is not None,
            "state": p.state,
        }
        for p in pieces
    ]


def tell(
    ctx: Context, template: str, dossier: Dossier, pieces: list[MailPiece], **more: Any
) -> None:
    """Email the client about ``pieces`` of its mail."""
    client = ctx.client(dossier.client_id)
    mailbox = ctx.store.get_mailbox(dossier_id=dossier.id or 0)
    ctx.notify(
        template,
        "email",
        client.email,
        dossier=dossier,
        client=client,
        provider=ctx.provider(dossier.provider_id),
        mailbox=mailbox.number if mailbox else "",
        pieces=lines(pieces),
        **more,
    )


# -- destruction on its day ----------------------------------------------------------
def _destruction_due(piece: MailPiece, today: date) -> bool:
    return piece.destroy_on is not None and piece.destroy_on <= today


def _destroy_due(
    ctx: Context, dossier: Dossier, pieces: list[MailPiece], report: MailSweepReport
) -> None:
    for piece in pieces:
        _closed(ctx, piece, "destroyed", "destroyed", requested_for=str(piece.destroy_on))
    ids = [p.id or 0 for p in pieces]
    ctx.event("mail.destroyed", dossier, {"pieces": ids})
    tell(ctx, "mail_destroyed", dossier, pieces)
    report.destroyed += ids


# -- retention -----------------------------------------------------------------------
def _retention_over(piece: MailPiece, terms: MailTerms, today: date) -> bool:
    return paris_date(piece.received_at) + timedelta(days=terms.retention_days) <= today


def _retention(
    ctx: Context, dossier: Dossier, pieces: list[MailPiece], report: MailSweepReport
) -> None:
    """Paper kept its offer's whole retention: destroyed when scanned, else returned."""
    destroyed = [p for p in pieces if p.scan_sha256 is not None]
    returned = [p for p in pieces if p.scan_sha256 is None]
    for piece in destroyed:
        _closed(ctx, piece, "destroyed", "destroyed", reason="retention", scan_kept=True)
    for piece in returned:
        _closed(ctx, piece, "returned", "returned", reason="retention")
    ctx.event(
        "mail.retention",
        dossier,
        {"destroyed": [p.id for p in destroyed], "returned": [p.id for p in returned]},
    )
    tell(ctx, "mail_retention", dossier, pieces, destroyed=lines(destroyed),
         returned=lines(returned))  # fmt: skip
    report.destroyed += [p.id or 0 for p in destroyed]
    report.returned += [p.id or 0 for p in returned]


# -- free storage ending ---------------------------------------------------------------
def free_until(piece: MailPiece, terms: MailTerms) -> date:
    """The first day the piece's storage is charged."""
    return paris_date(piece.received_at) + timedelta(days=terms.free_days(piece.kind))


def _storage_ending(piece: MailPiece, terms: MailTerms, today: date, warn_days: int) -> bool:
    if piece.storage_warned_at is not None or terms.storage_fee_cents == 0:
        return False
    return free_until(piece, terms) - timedelta(days=warn_days) <= today


def _warn_storage(
    ctx: Context,
    dossier: Dossier,
    pieces: list[MailPiece],
    terms: MailTerms,
    report: MailSweepReport,
) -> None:
    from ..french import format_eur, numeric_date_fr

    now = ctx.now()
    for piece in pieces:
        assert piece.id is not None
        ctx.store.update_piece(piece.id, storage_warned_at=now)
        piece.storage_warned_at = now
        history(ctx, piece, "storage_warned", SWEEP, free_until=str(free_until(piece, terms)))
    ids = [p.id or 0 for p in pieces]
    ctx.event("mail.storage_warning", dossier, {"pieces": ids})
    # The last free day, in the message: the day before the first one charged.
    ends = {p.id: numeric_date_fr(free_until(p, terms) - timedelta(days=1)) for p in pieces}
    tell(ctx, "mail_storage_warning", dossier, pieces, ends=ends,
         fee=format_eur(terms.storage_fee_cents))  # fmt: skip
    report.storage_warned += ids


# -- the daily digest ----------------------------------------------------------------
def _digests(ctx: Context, today: date, report: MailSweepReport, after_each: AfterEach) -> None:
    """One email per mailbox listing the mail received up to the end of yesterday that
    its client was not told of yet: a second sweep the same day finds none."""
    midnight = datetime.combine(today, time.min, tzinfo=PARIS)
    groups: dict[int, list[int]] = {}
    after = 0
    while True:
        page = ctx.store.digest_pieces(
            received_before=midnight, provider_id=ctx.provider_scope, after_id=after
        )
        for piece in page:
            groups.setdefault(piece.dossier_id or 0, []).append(piece.id or 0)
        if len(page) < 500:
            break
        after = page[-1].id or 0
    for dossier_id, ids in groups.items():
        with ctx.store.transaction():
            pieces = [p for i in ids if (p := ctx.store.get_piece(piece_id=i)) is not None]
            pieces = [p for p in pieces if p.notified_at is None]
            if pieces:
                _digest(ctx, ctx.dossier(dossier_id), pieces)
                report.digests.append(dossier_id)
        if after_each is not None:
            after_each(ctx)


def _digest(ctx: Context, dossier: Dossier, pieces: list[MailPiece]) -> None:
    from .mail_notify import attachment

    attachments: list[Attachment] = []
    for piece in pieces:
        if piece.envelope_sha256:
            attachments.append(attachment(ctx, f"enveloppe-{piece.id}", piece.envelope_sha256))
        if piece.scan_sha256:
            attachments.append(attachment(ctx, f"courrier-{piece.id}", piece.scan_sha256))
    client = ctx.client(dossier.client_id)
    mailbox = ctx.store.get_mailbox(dossier_id=dossier.id or 0)
    ctx.notify(
        "mail_digest",
        "email",
        client.email,
        dossier=dossier,
        attachments=attachments,
        client=client,
        provider=ctx.provider(dossier.provider_id),
        mailbox=mailbox.number if mailbox else "",
        pieces=lines(pieces),
    )
    now = ctx.now()
    for piece in pieces:
        assert piece.id is not None
        ctx.store.update_piece(piece.id, notified_at=now)
        history(ctx, piece, "digest", SWEEP)


# -- the end of a suspension, a scan viewed --------------------------------------------
def release_suspended(ctx: Context, dossier: Dossier) -> list[int]:
    """The mail held while the service was suspended, back in the mailbox (and the
    client's standing rules applied to it); the client told. Inside the caller's
    transaction."""
    from .mail_instructions import standing_rule

    held = [
        p
        for p in ctx.store.list_pieces(dossier_id=dossier.id, states=("held",))
        if p.hold_reason == "suspended"
    ]
    if not held:
        return []
    held.reverse()  # oldest first
    mailbox = ctx.store.get_mailbox(dossier_id=dossier.id or 0)
    for piece in held:
        assert piece.id is not None
        ctx.store.update_piece(piece.id, state="received", hold_reason=None)
        piece.state, piece.hold_reason = "received", None
        history(ctx, piece, "released", None, reason="service_resumed")
        if mailbox is not None:
            standing_rule(ctx, piece, mailbox, None)
    ids = [p.id or 0 for p in held]
    ctx.event("mail.released", dossier, {"pieces": ids})
    tell(ctx, "mail_released", dossier, held)
    return ids


def scan_viewed(ctx: Context, piece_id: int, *, actor: str | None = None) -> MailPiece:
    """The client viewed a piece's scan: in its history, and — when ``[mailbox]
    scan_view_acknowledges`` — it counts as taking its mail (the 3-month rule)."""
    from .mail_instructions import _acknowledged

    with ctx.store.transaction():
        piece = find_piece(ctx, piece_id)
        if piece.scan_sha256 is None:
            raise Refused(_("Piece {id} has no scan to view.").format(id=piece_id))
        counts = ctx.settings.mailbox.scan_view_acknowledges
        history(ctx, piece, "viewed", actor or "client", acknowledged=counts)
        if counts:
            _acknowledged(ctx, piece)
        return piece
