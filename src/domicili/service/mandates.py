"""Use cases about SEPA direct-debit mandates: record, amend, revoke, find, first use.

A dossier in force has at most one mandate that is not revoked. Recording a mandate
for a dossier that has one amends it: the values replaced are kept with the date
(:class:`~domicili.mandates.MandateAmendment`), a new reference included. A reference
(RUM) is the provider's for good: another mandate never takes it, even once revoked
or amended away. Each change is an event of the audit log; the log names the IBAN by
its country, key and last four characters only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from .. import identifiers
from ..clock import paris_date
from ..errors import InvalidInput, MandateNotFound, MandateRefused
from ..i18n import _
from ..mandates import AMENDABLE, Mandate
from ..models import Dossier
from .context import Context
from .errors import from_validation

__all__ = [
    "active_mandate",
    "add_mandate",
    "dossier_mandates",
    "find_mandate",
    "mark_first_collection",
    "revoke_mandate",
]


def add_mandate(
    ctx: Context,
    dossier_id: int,
    *,
    iban: str,
    reference: str,
    signed_on: date | str,
    bic: str | None = None,
    debtor_name: str | None = None,
    one_off: bool = False,
) -> Mandate:
    """Record the SEPA mandate a dossier's client signed, or amend the one it has.

    A one-off mandate (``one_off``, OOFF) collects the next invoice only; the invoices
    after it are paid by transfer unless another mandate is recorded. A mandate's kind
    is not amended: revoke it, then record the other kind.

    The BIC and the bank follow from the IBAN unless ``bic`` is given; the debtor is the
    client unless ``debtor_name`` says who holds the account. Refused, nothing changed:
    an invalid IBAN, BIC or reference, a signature date to come, a reference the
    provider already used, a dossier that is not in force.
    """
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        assert dossier.id is not None
        if not dossier.status.in_force:
            raise MandateRefused(
                _(
                    "{where}: a SEPA mandate is recorded for a contract in force; nothing "
                    "was changed."
                ).format(where=dossier.where),
                dossier_id=dossier.id,
            )
        current = ctx.store.active_mandate(dossier.id)
        if current is not None and current.one_off != one_off:
            raise MandateRefused(
                _(
                    "{where} has the {kind} mandate {reference}: revoke it before recording a "
                    "mandate of the other kind; nothing was changed."
                ).format(
                    where=dossier.where,
                    kind=_("one-off") if current.one_off else _("recurring"),
                    reference=current.reference,
                ),
                dossier_id=dossier.id,
                reference=current.reference,
            )
        fields = _checked(ctx, dossier, current, iban, reference, signed_on, bic, debtor_name)
        fields["one_off"] = one_off
        if current is None:
            return _record(ctx, dossier, fields)
        return _amend(ctx, dossier, current, fields)


def _checked(
    ctx: Context,
    dossier: Dossier,
    current: Mandate | None,
    iban: str,
    reference: str,
    signed_on: date | str,
    bic: str | None,
    debtor_name: str | None,
) -> dict[str, Any]:
    """The mandate's fields, each checked (``bank_name`` from the IBAN)."""
    from ..sepa import bank_of

    checked_iban = identifiers.normalize_iban(iban, field="iban")
    found_bic, bank_name = bank_of(checked_iban)
    if debtor_name is None:
        debtor_name = current.debtor_name if current else ctx.client(dossier.client_id).name
    if bic is None and current is not None and current.iban == checked_iban:
        found_bic = current.bic  # the same account keeps the BIC it was given
    fields: dict[str, Any] = dict(
        provider_id=dossier.provider_id,
        dossier_id=dossier.id,
        reference=reference,
        signed_on=signed_on,
        debtor_name=debtor_name,
        iban=checked_iban,
        bic=bic if bic is not None else found_bic,
        bank_name=bank_name,
        created_at=ctx.now(),
    )
    try:
        mandate = Mandate.model_validate(fields)
    except ValidationError as exc:
        raise from_validation(exc) from None
    today = paris_date(ctx.now())
    if mandate.signed_on > today:
        raise InvalidInput(
            _("signed_on: {value} is after today; give the day the client signed.").format(
                value=mandate.signed_on.isoformat()
            ),
            field="signed_on",
            value=mandate.signed_on,
        )
    return mandate.model_dump(exclude={"id", "amendments"})


def _check_reference_free(ctx: Context, provider_id: int, reference: str, own: int | None) -> None:
    holder = ctx.store.mandate_reference_holder(provider_id, reference)
    if holder is not None and holder != own:
        raise MandateRefused(
            _(
                "The mandate reference {reference} is already used by this provider; a "
                "reference (RUM) identifies one mandate for good: give another one."
            ).format(reference=reference),
            reference=reference,
        )


def _record(ctx: Context, dossier: Dossier, fields: dict[str, Any]) -> Mandate:
    _check_reference_free(ctx, dossier.provider_id, fields["reference"], None)
    mandate = Mandate.model_validate(fields)
    mandate.id = ctx.store.insert_mandate(mandate)
    ctx.event(
        "mandate.added",
        dossier,
        {
            "mandate_id": mandate.id,
            "reference": mandate.reference,
            "signed_on": mandate.signed_on.isoformat(),
            "iban": _masked(mandate.iban),
            "bic": mandate.bic,
            "one_off": mandate.one_off,
        },
    )
    return mandate


def _amend(ctx: Context, dossier: Dossier, current: Mandate, fields: dict[str, Any]) -> Mandate:
    assert current.id is not None
    changed = [name for name in AMENDABLE if fields[name] != getattr(current, name)]
    if not changed:
        return current
    if "reference" in changed:
        _check_reference_free(ctx, dossier.provider_id, fields["reference"], current.id)
    now = ctx.now()
    kept = current.snapshot(now, changed)
    kept.id = ctx.store.insert_mandate_amendment(kept)
    updates = {name: fields[name] for name in changed}
    if "iban" in changed:
        updates["bank_name"] = fields["bank_name"]
    ctx.store.update_mandate(current.id, **updates, updated_at=now)
    ctx.event(
        "mandate.amended",
        dossier,
        {
            "mandate_id": current.id,
            "changes": {
                name: {"from": _shown(name, getattr(current, name)), "to": _shown(name, value)}
                for name, value in updates.items()
                if name in changed
            },
        },
    )
    amended = ctx.store.get_mandate(current.id)
    assert amended is not None
    return amended


def _masked(iban: str) -> str:
    """``FR76…0189``: enough to tell accounts apart in the log, not to debit one."""
    return f"{iban[:4]}…{iban[-4:]}"


def _shown(name: str, value: Any) -> Any:
    if name == "iban":
        return _masked(str(value))
    return value.isoformat() if isinstance(value, date) else value


def revoke_mandate(ctx: Context, reference: str) -> Mandate:
    """Revoke a mandate (the client withdrew it, or the contract ended): it is no longer
    collected. Refused when it is revoked already."""
    with ctx.store.transaction():
        mandate = _by_reference(ctx, reference)
        assert mandate.id is not None
        from ..french import numeric_date_fr

        if mandate.spent and mandate.first_collected_on is not None:
            raise MandateRefused(
                _(
                    "The one-off SEPA mandate {reference} was used on {date}: it collects "
                    "nothing more; nothing was changed."
                ).format(
                    reference=mandate.reference, date=numeric_date_fr(mandate.first_collected_on)
                ),
                reference=mandate.reference,
                dossier_id=mandate.dossier_id,
            )
        if mandate.revoked_at is not None:
            raise MandateRefused(
                _("SEPA mandate {reference} was revoked on {date}; nothing was changed.").format(
                    reference=mandate.reference,
                    date=numeric_date_fr(paris_date(mandate.revoked_at)),
                ),
                reference=mandate.reference,
                dossier_id=mandate.dossier_id,
            )
        now = ctx.now()
        ctx.store.update_mandate(mandate.id, revoked_at=now, updated_at=now)
        mandate.revoked_at, mandate.updated_at = now, now
        ctx.event(
            "mandate.revoked",
            ctx.dossier(mandate.dossier_id),
            {"mandate_id": mandate.id, "reference": mandate.reference},
        )
    return mandate


def _by_reference(ctx: Context, reference: str) -> Mandate:
    text = str(reference).strip()
    found = ctx.store.mandates_by_reference(text, ctx.provider_scope)
    if not found:
        raise MandateNotFound(text)
    if len(found) > 1:
        providers = ", ".join(str(m.provider_id) for m in found)
        raise MandateRefused(
            _(
                "Mandate reference {reference} is used by several providers ({providers}); "
                "choose the provider."
            ).format(reference=text, providers=providers),
            reference=text,
        )
    return found[0]


def find_mandate(ctx: Context, key: str) -> Mandate:
    """The mandate a reference names, else the one of the dossier ``key`` names (its
    mandate in force, else its latest)."""
    from .views import dossier_id

    try:
        return _by_reference(ctx, key)
    except MandateNotFound:
        try:
            number = dossier_id(key)
        except InvalidInput:
            raise MandateNotFound(str(key).strip()) from None
    mandates = dossier_mandates(ctx, number)
    if not mandates:
        raise MandateNotFound(key, dossier_id=number)
    return next((m for m in reversed(mandates) if m.active), mandates[-1])


def dossier_mandates(ctx: Context, dossier_id: int) -> list[Mandate]:
    """Every mandate of a dossier, oldest first (revoked ones included)."""
    ctx.dossier(dossier_id)
    return ctx.store.mandates_of_dossier(dossier_id)


def active_mandate(ctx: Context, dossier_id: int) -> Mandate | None:
    """The mandate a dossier's invoices are collected through, or ``None``."""
    ctx.dossier(dossier_id)
    return ctx.store.active_mandate(dossier_id)


def mark_first_collection(ctx: Context, mandate_id: int, on: date) -> Mandate:
    """Note that a mandate's first collection (FRST) was presented on ``on``: the next
    ones are RCUR; a one-off mandate (OOFF) is used then, and collects nothing more.
    Marking it again keeps the first day."""
    with ctx.store.transaction():
        mandate = ctx.store.get_mandate(mandate_id)
        scope = ctx.provider_scope
        if mandate is None or (scope is not None and mandate.provider_id != scope):
            raise MandateNotFound(mandate_id)
        if mandate.first_collected_on is None:
            ctx.store.update_mandate(mandate_id, first_collected_on=on, updated_at=ctx.now())
            mandate.first_collected_on = on
            ctx.event(
                "mandate.used" if mandate.one_off else "mandate.first_collection",
                ctx.dossier(mandate.dossier_id),
                {"mandate_id": mandate_id, "reference": mandate.reference, "on": on.isoformat()},
            )
    return mandate
