"""The mailbox's fees, billed on the contract's next invoice.

What the offer's :class:`~domicili.models.MailTerms` charge beyond what it includes:
the pieces received beyond the monthly allowance, the pages scanned beyond the monthly
allowance (both counted per calendar month, from the 1st), each day a piece stays stored
beyond its free days (by kind, counted from its arrival, never after its final action),
and each envelope forwarded: its postage and the offer's forwarding fee.

Each period's invoice bills the usage of the days before it: from where the invoice of
the previous period stopped counting (its period's first day, or the day it was issued
if that was earlier) to the first day of the period billed, or to the day of issue when
the invoice is issued in advance. The windows follow each other without overlapping: no
piece, page, day or envelope is billed twice, none is lost. The terms are the dossier's
(the offer as it stood when the client asked). Every line is a French invoice line at
the VAT rate given; a line worth nothing is left out.

:class:`MailFees` is the :class:`~domicili.ports.LineItems` source every
:class:`~domicili.Domicili` registers on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import PARIS, paris_date
from .context import Context
from .paperwork import dossier_offer

if TYPE_CHECKING:
    from ..documents.data import InvoiceLine
    from ..mailbox import MailPiece
    from ..models import Dossier, MailTerms

__all__ = ["MailFees", "MailUsage", "mail_lines", "mail_usage", "usage_window"]


@dataclass
class MailUsage:
    """What a dossier's mailbox used beyond its offer from ``first_day`` to
    ``last_day`` (both included)."""

    first_day: date
    last_day: date
    #: Pieces received beyond the monthly allowance.
    pieces: int = 0
    #: Pages scanned beyond the monthly allowance.
    pages: int = 0
    #: Days of storage beyond the free days, summed over the pieces.
    storage_days: int = 0
    #: Envelopes forwarded, by their postage in cents.
    envelopes: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "pieces": self.pieces,
            "pages": self.pages,
            "storage_days": self.storage_days,
            "envelopes": sum(self.envelopes.values()),
            "postage_cents": sum(p * n for p, n in self.envelopes.items()),
        }


class MailFees:
    """The mailbox's fees on each period's invoice (a :class:`~domicili.ports.LineItems`
    source): reads the dossier's mail inside the issuing transaction, writes nothing."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def lines(
        self, dossier: Dossier, period_start: date, period_end: date, vat_rate_bp: int
    ) -> list[InvoiceLine]:
        return mail_lines(self.ctx, dossier, period_start, vat_rate_bp)


def usage_window(ctx: Context, dossier: Dossier, period_start: date) -> tuple[date | None, date]:
    """The days whose usage the invoice of the period opening on ``period_start`` bills:
    from the first (None: since the mailbox opened) to the second excluded."""
    assert dossier.id is not None
    end = min(period_start, paris_date(ctx.now()))
    previous = ctx.store.receivable_covering(dossier.id, period_start - timedelta(days=1))
    if previous is None:  # the first period the run bills: the first payment billed no mail
        return None, end
    return min(previous.period_start, previous.issue_date), end


def mail_usage(
    ctx: Context,
    dossier: Dossier,
    terms: MailTerms,
    start: date | None,
    end: date,
    pieces: Sequence[MailPiece] | None = None,
) -> MailUsage | None:
    """The usage from ``start`` (None: since the first piece) to ``end`` excluded;
    None when there is none to count (no piece, or an empty window). ``pieces``: those
    :meth:`~domicili.ports.MailRepository.pieces_of_dossier_between` gave from the 1st
    of the month ``start`` is in, or from earlier (None: read here)."""
    assert dossier.id is not None
    if start is not None and end <= start:
        return None
    # The allowances count from the 1st of the month the window opens in.
    since = None if start is None else _midnight(start.replace(day=1))
    if pieces is None:
        pieces = ctx.store.pieces_of_dossier_between(dossier.id, since, _midnight(end))
    if not pieces:
        return None
    days = [paris_date(p.received_at) for p in pieces]
    first = start or min([*days, *([dossier.start_date] if dossier.start_date else [])])
    usage = MailUsage(first_day=first, last_day=end - timedelta(days=1))
    inside = _Window(first, end)
    if terms.pieces_per_month is not None:
        arrivals = ((p.received_at, 1) for p in pieces)
        usage.pieces = _beyond(arrivals, terms.pieces_per_month, inside)
    if terms.pages_per_month is not None and any(p.scan_sha256 for p in pieces):
        scans = ctx.store.first_scans_of_dossier(dossier.id, since, _midnight(end))
        pages = {p.id: p.scan_pages or 0 for p in pieces}
        scanned = sorted((at, pages.get(piece_id, 0)) for piece_id, at in scans.items())
        usage.pages = _beyond(scanned, terms.pages_per_month, inside)
    usage.storage_days = sum(_stored_days(p, terms, inside) for p in pieces)
    usage.envelopes = _envelopes(pieces, inside)
    return usage


@dataclass(frozen=True)
class _Window:
    first: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day < self.end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PARIS)


def _beyond(events: Iterable[tuple[datetime, int]], allowance: int, inside: _Window) -> int:
    """How much of ``events`` (when, how many; in time order) falling inside the window
    goes beyond ``allowance`` in its calendar month."""
    used: Counter[tuple[int, int]] = Counter()
    over = 0
    for at, count in events:
        day = paris_date(at)
        month = (day.year, day.month)
        before = used[month]
        used[month] += count
        if day in inside:
            over += max(0, used[month] - allowance) - max(0, before - allowance)
    return over


def _stored_days(piece: MailPiece, terms: MailTerms, inside: _Window) -> int:
    """The days inside the window a piece was stored beyond its free days: from its
    arrival plus the free days of its kind, to its final action (that day is not
    counted) or the window's end."""
    charged_from = paris_date(piece.received_at) + timedelta(days=terms.free_days(piece.kind))
    until = inside.end
    if piece.closed_at is not None:
        until = min(until, paris_date(piece.closed_at))
    return max(0, (until - max(charged_from, inside.first)).days)


def _envelopes(pieces: Sequence[MailPiece], inside: _Window) -> Counter[int]:
    """The envelopes forwarded inside the window (one per batch and address), by postage:
    the postage of an envelope is on its first piece."""
    postage: dict[tuple[int | None, str | None], int] = {}
    for piece in pieces:
        if piece.state != "forwarded" or piece.closed_at is None:
            continue
        if paris_date(piece.closed_at) in inside:
            envelope = (piece.batch_id, piece.forward_to)
            postage[envelope] = postage.get(envelope, 0) + (piece.postage_cents or 0)
    return Counter(postage.values())


def mail_lines(
    ctx: Context, dossier: Dossier, period_start: date, vat_rate_bp: int
) -> list[InvoiceLine]:
    """The invoice lines of the mailbox's fees for the period opening on
    ``period_start``: the usage of the window before it, priced by the dossier's terms."""
    from ..documents.contract import add_months

    assert dossier.id is not None
    offer = (
        dossier.terms
        if dossier.terms is not None
        else dossier_offer(ctx, dossier, ctx.provider(dossier.provider_id))
    )
    # Read the pieces first, from before any window this period's can open on (the
    # previous period's start, or its invoice's day, at most a month before that):
    # most contracts have none, and then nothing else is asked.
    end = min(period_start, paris_date(ctx.now()))
    earliest = add_months(period_start, -(offer.period_months + 2)).replace(day=1)
    pieces = ctx.store.pieces_of_dossier_between(dossier.id, _midnight(earliest), _midnight(end))
    if not pieces:
        return []
    start, end = usage_window(ctx, dossier, period_start)
    if start is None:  # since the first piece, however old
        pieces = ctx.store.pieces_of_dossier_between(dossier.id, None, _midnight(end))
    usage = mail_usage(ctx, dossier, offer.mail_terms, start, end, pieces)
    return [] if usage is None else priced(usage, offer.mail_terms, vat_rate_bp)


def priced(usage: MailUsage, terms: MailTerms, vat_rate_bp: int) -> list[InvoiceLine]:
    """The lines of ``usage`` at the prices of ``terms``; none worth nothing."""
    from ..documents import InvoiceLine

    wanted: list[tuple[str, int, int]] = []
    allowances = (
        (
            "Courrier reçu",
            terms.pieces_per_month,
            ("pli", "plis"),
            usage.pieces,
            terms.piece_fee_cents,
        ),
        (
            "Numérisation",
            terms.pages_per_month,
            ("page", "pages"),
            usage.pages,
            terms.page_fee_cents,
        ),
    )
    for what, allowance, (one, many), beyond, fee in allowances:
        if allowance is not None:
            included = _count(allowance, one, many)
            wanted.append(
                (f"{what} au-delà du forfait de {included} par mois, par {one}", beyond, fee)
            )
    free = (
        f"{_count(terms.letter_free_days, 'jour', 'jours')} pour une lettre, "
        f"{_count(terms.parcel_free_days, 'jour', 'jours')} pour un colis"
    )
    wanted.append(
        (
            f"Stockage du courrier au-delà de la garde gratuite ({free}), par pli et par jour",
            usage.storage_days,
            terms.storage_fee_cents,
        )
    )
    for postage, envelopes in sorted(usage.envelopes.items()):
        wanted.append(("Affranchissement du courrier réexpédié, par envoi", envelopes, postage))
    envelopes = sum(usage.envelopes.values())
    wanted.append(
        ("Frais de réexpédition du courrier, par envoi", envelopes, terms.forward_fee_cents)
    )
    return [
        InvoiceLine(
            description=description,
            period_start=usage.first_day,
            period_end=usage.last_day,
            quantity=quantity,
            unit_price_ht_cents=unit,
            vat_rate_bp=vat_rate_bp,
        )
        for description, quantity, unit in wanted
        if quantity > 0 and unit > 0
    ]


def _count(n: int, one: str, many: str) -> str:
    """``1 pli``, ``3 plis`` (French: 0 and 1 are singular)."""
    return f"{n} {one if n < 2 else many}"
