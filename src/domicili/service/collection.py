"""Direct debits: the month's debits written in one pain.008 file for the provider's
bank, and the bank's rejects (pain.002) and returns (camt.054) applied to the invoices
they name — a whole file or nothing, never the same file twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ..clock import PARIS, iso, paris_date
from ..errors import InvalidInput, Refused
from ..french import format_eur, numeric_date_fr
from ..i18n import _, ngettext
from ..models import Provider, Receivable
from .billing import month_bounds
from .context import Context

__all__ = ["DebitExport", "ReturnsReport", "apply_returns", "export_debits"]


@dataclass(frozen=True)
class DebitExport:
    """A direct-debit file written: its message id, format, debits and total."""

    provider_id: int
    period: str
    message_id: str
    format: str
    debits: int
    total_cents: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "period": self.period,
            "message_id": self.message_id,
            "format": self.format,
            "debits": self.debits,
            "total_cents": self.total_cents,
            "sha256": self.sha256,
        }


def export_debits(
    ctx: Context,
    period: str,
    write: Callable[[bytes], None],
    *,
    format: str | None = None,
) -> DebitExport:
    """The debits to collect in the month ``period`` (``YYYY-MM``, by their collection
    day) of the provider in scope (or the only one that has some), as one pain.008 file
    checked against its schema, handed to ``write`` before anything is recorded: a file
    that cannot be written leaves every debit to export. A debit is in one file per
    presentation; a month whose debits are all in a file already is refused."""
    from ..sepa import Creditor, debit_file

    first, last = month_bounds(period, paris_date(ctx.now()))
    month = first.strftime("%Y-%m")
    with ctx.store.transaction():
        provider = _creditor_of(ctx, first, last, month)
        assert provider.id is not None
        due = _with_mandate(
            ctx,
            ctx.store.sepa_debits_to_export(
                provider.id, collected_from=first, collected_to=_day_after(last)
            ),
        )
        earlier = ctx.store.sepa_exports(provider.id, month)
        if not due:
            raise _nothing_to_export(month, earlier)
        chosen = format or ctx.settings.billing.sepa_format_for(provider.id)
        message_id = f"{provider.creditor_identifier}-{first:%Y%m}-{len(earlier) + 1:02d}"
        creditor = Creditor(
            name=provider.name,
            iban=provider.iban or "",
            bic=provider.bic,
            identifier=provider.creditor_identifier or "",
        )
        debits = [_debit(ctx, r) for r in due]
        data = debit_file(
            creditor, debits, message_id=message_id, created_at=ctx.now(), format=chosen
        )
        digest = hashlib.sha256(data).hexdigest()
        total = sum(r.amount_cents for r in due)
        export_id = ctx.store.insert_sepa_export(
            {
                "provider_id": provider.id,
                "period": month,
                "format": chosen,
                "message_id": message_id,
                "debits": len(due),
                "total_cents": total,
                "sha256": digest,
                "created_at": iso(ctx.now()),
            }
        )
        ctx.store.mark_exported(
            export_id, [(r.id or 0, d.end_to_end_id) for r, d in zip(due, debits, strict=True)]
        )
        ctx.event(
            "sepa.exported",
            data={
                "period": month,
                "message_id": message_id,
                "format": chosen,
                "debits": len(due),
                "total_cents": total,
                "sha256": digest,
            },
            provider_id=provider.id,
        )
        write(data)  # inside the transaction: no file, nothing recorded
    return DebitExport(provider.id, month, message_id, chosen, len(due), total, digest)


def _with_mandate(ctx: Context, due: list[Receivable]) -> list[Receivable]:
    """The receivables whose dossier still has a mandate; the others (revoked since the
    invoice) are to be paid by transfer from now on."""
    kept = []
    for receivable in due:
        if ctx.store.active_mandate(receivable.dossier_id) is not None:
            kept.append(receivable)
        else:
            ctx.store.update_receivable(
                receivable.id or 0, collection="transfer", collection_date=None
            )
    return kept


def _day_after(day: date) -> date:
    return day + timedelta(days=1)


def _creditor_of(ctx: Context, first: date, last: date, month: str) -> Provider:
    """The provider whose debits are exported: the one in scope, else the only one with
    debits that month; it needs its creditor identifier and account."""
    if ctx.provider_scope is not None:
        provider = ctx.provider(ctx.provider_scope)
    else:
        ids = ctx.store.providers_with_debits(collected_from=first, collected_to=_day_after(last))
        if len(ids) > 1:
            raise Refused(
                _(
                    "Direct debits of {count} providers are to be collected in {month}: "
                    "export them one provider at a time."
                ).format(count=len(ids), month=month)
            )
        if not ids:
            raise _nothing_to_export(month, ctx.store.sepa_exports(None, month))
        provider = ctx.provider(ids[0])
    if not provider.creditor_identifier or not provider.iban:
        raise Refused(
            _(
                "Provider {id} has no creditor identifier (ICS) or no bank account: a "
                "direct-debit file needs both."
            ).format(id=provider.id)
        )
    return provider


def _nothing_to_export(month: str, earlier: list[dict[str, Any]]) -> Refused:
    if not earlier:
        return Refused(_("No direct debit is to be collected in {month}.").format(month=month))
    last = earlier[-1]
    return Refused(
        ngettext(
            "{month} is exported already ({message_id}, {debits} debit, {total}, on "
            "{day}): no debit is left to collect that month.",
            "{month} is exported already ({message_id}, {debits} debits, {total}, on "
            "{day}): no debit is left to collect that month.",
            int(last["debits"]),
        ).format(
            month=month,
            message_id=last["message_id"],
            debits=last["debits"],
            total=format_eur(int(last["total_cents"])),
            day=numeric_date_fr(datetime.fromisoformat(str(last["created_at"]))),
        )
    )


def _debit(ctx: Context, receivable: Receivable) -> Any:
    """The debit of one receivable under its dossier's mandate as it stands."""
    from ..sepa import Debit

    mandate = ctx.store.active_mandate(receivable.dossier_id)
    assert mandate is not None  # kept by _with_mandate
    presented = receivable.presentations
    e2e = receivable.number if presented == 0 else f"{receivable.number}-{presented + 1}"
    since = _last_collected(mandate)
    return Debit(
        end_to_end_id=e2e,
        amount_cents=receivable.amount_cents,
        debtor_name=mandate.debtor_name,
        iban=mandate.iban,
        bic=mandate.bic,
        mandate_reference=mandate.reference,
        mandate_signed_on=mandate.signed_on,
        sequence=mandate.sequence,
        collection_date=receivable.collection_date or receivable.due_date,
        # The EPC's basic Latin characters only: a bank may refuse any other.
        remittance=(
            f"Facture {receivable.number} domiciliation "
            f"{receivable.period_start:%d/%m/%Y}-{receivable.period_end:%d/%m/%Y}"
        ),
        amendment=mandate.amendment_since(since),
    )


def _last_collected(mandate: Any) -> datetime | None:
    day = mandate.first_collected_on
    return None if day is None else datetime.combine(day, time(23, 59), tzinfo=PARIS)


# -- returns -----------------------------------------------------------------------
@dataclass
class ReturnsReport:
    """A returns file applied: its message, and each invoice it made unpaid (why)."""

    message_id: str
    kind: str
    returned: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "kind": self.kind,
            "returned": [{"number": n, "reason": r} for n, r in self.returned],
        }


def apply_returns(ctx: Context, data: bytes) -> ReturnsReport:
    """Apply a bank's file of rejected (pain.002) or returned (camt.054) debits: each
    invoice it names becomes unpaid with the bank's reason, and dunning takes it from
    there. Every debit it names must be one of ours, or nothing is applied; the same file
    (or message) twice is refused."""
    from ..sepa import read_returns, reason_label

    parsed = read_returns(data)
    digest = hashlib.sha256(data).hexdigest()
    report = ReturnsReport(parsed.message_id, parsed.kind)
    with ctx.store.transaction():
        seen = ctx.store.sepa_return_file(sha256=digest, message_id=parsed.message_id)
        if seen is not None:
            raise Refused(
                _(
                    "This returns file ({message_id}) was applied on {day}: a file is applied once."
                ).format(
                    message_id=seen["message_id"],
                    day=numeric_date_fr(datetime.fromisoformat(str(seen["applied_at"]))),
                )
            )
        ids = [r.end_to_end_id for r in parsed.returns]
        found = ctx.store.receivables_by_end_to_end(ids, ctx.provider_scope)
        unknown = [e2e for e2e in ids if e2e not in found]
        if unknown:
            raise InvalidInput(
                ngettext(
                    "The returns file names a debit that is not one of ours ({ids}): "
                    "nothing was applied.",
                    "The returns file names {count} debits that are not ours ({ids}): "
                    "nothing was applied.",
                    len(unknown),
                ).format(count=len(unknown), ids=", ".join(unknown[:5])),
                field="file",
            )
        return_id = ctx.store.insert_sepa_return(
            {
                "provider_id": ctx.provider_scope,
                "message_id": parsed.message_id,
                "kind": parsed.kind,
                "sha256": digest,
                "returns": len(parsed.returns),
                "applied_at": iso(ctx.now()),
            }
        )
        for item in parsed.returns:
            receivable = found[item.end_to_end_id]
            _returned(ctx, receivable, return_id, item.reason, item.kind, item.on)
            report.returned.append((receivable.number, item.reason))
            ctx.event(
                "invoice.returned",
                ctx.dossier(receivable.dossier_id),
                {
                    "number": receivable.number,
                    "reason": item.reason,
                    "label": reason_label(item.reason),
                    "kind": item.kind,
                    "file": parsed.message_id,
                },
            )
    return report


def _returned(
    ctx: Context,
    receivable: Receivable,
    return_id: int,
    reason: str,
    kind: str,
    on: date | None,
) -> None:
    """One debit back: the invoice unpaid (its collection undone) with the bank's reason."""
    assert receivable.id is not None
    ctx.store.insert_receivable_return(
        {
            "receivable_id": receivable.id,
            "return_id": return_id,
            "kind": kind,
            "reason": reason,
            "returned_on": on.isoformat() if on else None,
        }
    )
    if receivable.payment_id is not None:
        ctx.store.update_payment(
            receivable.payment_id,
            status="failed",
            review_reason=reason,
            updated_at=ctx.now(),
        )
    ctx.store.update_receivable(
        receivable.id,
        state="unpaid",
        return_reason=reason,
        returned_at=ctx.now(),
        paid_at=None,
        payment_id=None,
    )
