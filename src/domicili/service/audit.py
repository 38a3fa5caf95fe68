"""``audit verify``: the event chain against its key and its anchored head, then every
invoice, series, status, signature and stored file against the events and hashes.

One pass over the log, page by page (flat memory however long it is); each finding is
one sentence naming what was altered. Consecutive events with the same problem (a
chain re-hashed from some event on) are one finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..i18n import _
from ..keys import Head
from ..records import GENESIS_HASH, EventLink
from .context import Context

__all__ = ["AuditReport", "Finding", "head", "verify"]

#: Findings kept in a report; beyond, only their number.
MAX_FINDINGS = 1000


@dataclass(frozen=True)
class Finding:
    """One thing altered: its kind (``event``, ``log``, ``invoice``, ``series``,
    ``dossier``, ``signature``, ``file``), the event it concerns if any, one sentence."""

    kind: str
    message: str
    event_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "event_id": self.event_id, "message": self.message}


@dataclass
class AuditReport:
    """The result of ``audit verify``: ``findings`` name everything altered;
    ``first_bad_id`` and ``problem`` the first altered event of the chain."""

    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    #: Findings left out beyond :data:`MAX_FINDINGS`.
    more: int = 0
    head: Head | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_bad_id(self) -> int | None:
        return next((f.event_id for f in self.findings if f.kind == "event"), None)

    @property
    def problem(self) -> str | None:
        return next((f.message for f in self.findings if f.kind == "event"), None)

    def add(self, kind: str, message: str, event_id: int | None = None) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(kind, message, event_id))
        else:
            self.more += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head.as_dict() if self.head else None,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
            "findings": [f.as_dict() for f in self.findings],
            "more_findings": self.more,
        }


def head(ctx: Context) -> dict[str, object]:
    """The head of the log now, and the one anchored beside the database's files."""
    last = ctx.store.last_event()
    problem = None
    try:
        anchored = ctx.head_anchor.read()
    except ConfigError as exc:
        anchored, problem = None, str(exc)
    return {
        "event_id": last.id if last else None,
        "hash": last.hash if last else None,
        "at": last.at.isoformat() if last else None,
        "anchored": anchored.as_dict() if anchored else None,
        "anchor_file": str(ctx.head_anchor.path),
        "anchor_problem": problem,
    }


def verify(ctx: Context, *, expected_head: str | None = None) -> AuditReport:
    """Everything ``audit verify`` checks; ``expected_head`` is a head exported earlier
    (``ID:HASH``, as ``audit head`` prints it) that the log must still contain."""
    from .integrity import RecordChecks, check_files, check_series, check_statuses

    given = Head.parse(expected_head) if expected_head is not None else None
    report = AuditReport()
    damaged = False
    try:
        anchored = ctx.head_anchor.read()
    except ConfigError as exc:
        anchored, damaged = None, True
        report.add(
            "log",
            _("The head anchor {path} is damaged: {exc}").format(
                path=ctx.head_anchor.path, exc=exc
            ),
        )
    heads = [h for h in (anchored, given) if h is not None]
    records = RecordChecks(ctx, report)
    seen: dict[int, str] = {}
    last: EventLink | None = None
    for link in _check_chain(ctx, report):
        last = link
        if any(h.event_id == link.id for h in heads):
            seen[link.id] = link.hash
        records.see(link)
    report.head = Head(last.id, last.hash) if last else None
    for anchor, source in ((anchored, "anchored beside the database"), (given, "given")):
        if anchor is not None:
            _check_head(report, anchor, source, seen, last)
    keyed = last is not None and last.id >= ctx.store.first_keyed_event()
    if anchored is None and not damaged and keyed:
        report.add(
            "log",
            _(
                "The head anchor {path} is missing although the log has keyed events: it "
                "was deleted, so a deleted tail cannot be ruled out."
            ).format(path=ctx.head_anchor.path),
        )
    records.finish()
    check_series(ctx, report)
    check_statuses(ctx, report)
    check_files(ctx, report)
    return report


@dataclass
class _Run:
    """Consecutive events with the same problem, reported as one finding."""

    kind: str
    first: int
    last: int
    message: str


def _chain_key(ctx: Context, report: AuditReport, keyed_from: int) -> bytes | None:
    """The key of the chain; None (and a finding) when keyed events exist but the key
    is gone: a new one is not made, it would call every keyed event altered."""
    last = ctx.store.last_event()
    if last is None or last.id < keyed_from:
        return None
    if not ctx.secret.available:
        report.add(
            "log",
            _(
                "The secret key {path} is missing: the keyed events cannot be checked; "
                "restore it from a backup (or set DOMICILI_SECRET_KEY)."
            ).format(path=ctx.secret.path),
        )
        return None
    return ctx.secret.chain_key


def _check_chain(ctx: Context, report: AuditReport) -> Iterator[EventLink]:
    """Every event, checking its link and its hash (HMAC from the first keyed event)."""
    keyed_from = ctx.store.first_keyed_event()
    key = _chain_key(ctx, report, keyed_from)
    prev = GENESIS_HASH
    run: _Run | None = None
    for link in ctx.store.iter_event_links():
        report.events += 1
        keyed = link.id >= keyed_from
        problem = _link_problem(link, prev, key if keyed else None, check=key or not keyed)
        if problem is None or run is None or run.kind != problem[0]:
            _close_run(report, run)
            run = None if problem is None else _Run(problem[0], link.id, link.id, problem[1])
        else:
            run.last = link.id
        prev = link.hash
        yield link
    _close_run(report, run)


def _link_problem(
    link: EventLink, prev: str, key: bytes | None, *, check: object
) -> tuple[str, str] | None:
    if link.prev_hash != prev:
        return (
            "link",
            _(
                "its link to the previous event is broken (an event before it was "
                "removed, or events were inserted or reordered)"
            ),
        )
    if not check or link.expected_hash(key) == link.hash:
        return None
    if key is not None and link.expected_hash() == link.hash:
        return (
            "rehashed",
            _(
                "it was re-hashed without the secret key (a plain SHA-256 where an HMAC "
                "is due): the chain was rewritten from there"
            ),
        )
    return "altered", _("its content does not match its hash (the event was altered or inserted)")


def _close_run(report: AuditReport, run: _Run | None) -> None:
    if run is None:
        return
    where = f"Event {run.first}" if run.first == run.last else f"Events {run.first} to {run.last}"
    report.add("event", f"{where}: {run.message}.", event_id=run.first)


def _check_head(
    report: AuditReport, anchor: Head, source: str, seen: dict[int, str], last: EventLink | None
) -> None:
    if anchor.event_id in seen:
        if seen[anchor.event_id] != anchor.hash:
            report.add(
                "log",
                _(
                    "Event {event_id}, the head {source}, has another hash than the one "
                    "anchored: the chain was re-hashed or rewritten."
                ).format(event_id=anchor.event_id, source=source),
                event_id=anchor.event_id,
            )
        return
    if last is None:
        report.add(
            "log",
            _(
                "The log is empty, but the head {source} is event {event_id}: every "
                "event was deleted."
            ).format(source=source, event_id=anchor.event_id),
            event_id=anchor.event_id,
        )
    elif last.id < anchor.event_id:
        report.add(
            "log",
            _(
                "The log ends at event {id}, but the head {source} is event {event_id}: "
                "the last events were deleted (a truncated tail)."
            ).format(id=last.id, source=source, event_id=anchor.event_id),
            event_id=anchor.event_id,
        )
    else:
        report.add(
            "log",
            _("Event {event_id}, the head {source}, is missing: it was deleted.").format(
                event_id=anchor.event_id, source=source
            ),
            event_id=anchor.event_id,
        )
