"""``audit verify``: walk the hash-chained event log and find the first altered event."""

from __future__ import annotations

from dataclasses import dataclass

from ..store.sqlite import GENESIS_HASH, event_hash
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
    for (
        id_,
        at,
        type_,
        dossier_id,
        provider_id,
        data,
        prev_hash,
        digest,
    ) in ctx.store.iter_event_rows():
        count += 1
        if prev_hash != prev:
            return AuditReport(
                False,
                count,
                id_,
                "its link to the previous event is broken (an event was removed or reordered)",
            )
        if event_hash(prev_hash, at, type_, dossier_id, provider_id, data) != digest:
            return AuditReport(
                False, count, id_, "its content does not match its hash (the event was altered)"
            )
        prev = digest
    return AuditReport(True, count)
