"""``audit verify``: walk the hash-chained event log and find the first altered event."""

from __future__ import annotations

from dataclasses import dataclass

from ..records import GENESIS_HASH
from .context import Context

__all__ = ["AuditReport", "verify"]


@dataclass(frozen=True)
class AuditReport:
    """The result of ``audit verify``: ``first_bad_id`` and ``problem`` name what was altered."""

    ok: bool
    events: int
    first_bad_id: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
        }


def verify(ctx: Context) -> AuditReport:
    prev = GENESIS_HASH
    count = 0
    for link in ctx.store.iter_event_links():
        count += 1
        if link.prev_hash != prev:
            return AuditReport(
                False,
                count,
                link.id,
                "its link to the previous event is broken (an event was removed or reordered)",
            )
        if link.expected_hash() != link.hash:
            return AuditReport(
                False, count, link.id, "its content does not match its hash (the event was altered)"
            )
        prev = link.hash
    return AuditReport(True, count)
