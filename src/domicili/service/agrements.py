"""The agréments a provider held: renewed, corrected, and the one a document names.

The provider's own fields (``agrement_numero``, ``agrement_prefecture``,
``agrement_date``) are its latest agrément; the ``provider_agrements`` rows keep every
one, each in force from its date until the date of the one that renewed it. A contract
names the agrément in force on the day it was drawn up, whatever came after.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from ..clock import PARIS, paris_date
from ..errors import InvalidInput
from ..french import numeric_date_fr, parse_date
from ..i18n import _
from ..models import Agrement, Dossier, Provider
from .context import Context

__all__ = ["AGREMENT_FIELDS", "agrement_change", "contract_agrement", "list_agrements", "record"]

#: The provider fields that make its agrément.
AGREMENT_FIELDS = ("agrement_numero", "agrement_prefecture", "agrement_date")

Change = Literal["renewed", "corrected"]


def agrement_change(ctx: Context, current: Provider, changes: dict[str, Any]) -> Change | None:
    """What ``changes`` do to the agrément of ``current``.

    A new number with a new date renews it (the date after the current one's and not
    after today); a new number with the current date, or a new date or préfecture with
    the same number, corrects the current agrément. A new number without a date is
    refused: whether it is a renewal or a correction is for the person to say.
    """
    given = {k: changes[k] for k in AGREMENT_FIELDS if changes.get(k) is not None}
    if not given:
        return None
    day = None
    if "agrement_date" in given:
        day = changes["agrement_date"] = parse_date(given["agrement_date"], field="agrement_date")
    new_number = given.get("agrement_numero", current.agrement_numero) != current.agrement_numero
    new_day = day is not None and day != current.agrement_date
    if not new_number:
        same = new_day or given.get("agrement_prefecture", current.agrement_prefecture) != (
            current.agrement_prefecture
        )
        return "corrected" if same else None
    if day is None:
        raise InvalidInput(
            _(
                "agrement_date: give the date of agrément n° {numero} as well: a new date "
                "records a renewal, the date of the current one ({date}) corrects its number."
            ).format(numero=given["agrement_numero"], date=numeric_date_fr(current.agrement_date)),
            field="agrement_date",
        )
    if not new_day:
        return "corrected"
    assert day is not None
    if day < current.agrement_date:
        raise InvalidInput(
            _(
                "agrement_date: {date} is before the agrément in force (n° {numero} of "
                "{current}); a renewal comes after it."
            ).format(
                date=numeric_date_fr(day),
                numero=current.agrement_numero,
                current=numeric_date_fr(current.agrement_date),
            ),
            field="agrement_date",
            value=day.isoformat(),
        )
    if day > paris_date(ctx.now()):
        raise InvalidInput(
            _(
                "agrement_date: {date} is after today; an agrément is recorded once the "
                "préfecture has granted it."
            ).format(date=numeric_date_fr(day)),
            field="agrement_date",
            value=day.isoformat(),
        )
    return "renewed"


def record(ctx: Context, change: Change, before: Provider, after: Provider) -> None:
    """Inside the transaction: keep the agrément history in step with the provider."""
    assert after.id is not None
    history = ctx.store.agrements(after.id)
    latest = history[-1] if history else None
    data: dict[str, Any] = {
        "numero": after.agrement_numero,
        "prefecture": after.agrement_prefecture,
        "date": after.agrement_date.isoformat(),
    }
    if change == "corrected" and latest is not None and latest.id is not None:
        ctx.store.update_agrement(
            latest.id,
            numero=after.agrement_numero,
            prefecture=after.agrement_prefecture,
            date=after.agrement_date,
            expires=after.agrement_expires,
        )
        data["was"] = {
            "numero": latest.numero,
            "prefecture": latest.prefecture,
            "date": latest.date.isoformat(),
        }
    else:
        if latest is not None and latest.id is not None:
            ctx.store.update_agrement(latest.id, until=after.agrement_date)
        ctx.store.insert_agrement(
            Agrement(
                provider_id=after.id,
                numero=after.agrement_numero,
                prefecture=after.agrement_prefecture,
                date=after.agrement_date,
                expires=after.agrement_expires,
                recorded_at=ctx.now(),
            )
        )
        data["renews"] = {
            "numero": before.agrement_numero,
            "date": before.agrement_date.isoformat(),
        }
    ctx.event(f"provider.agrement_{change}", provider_id=after.id, data=data)


def follow(ctx: Context, before: Provider, after: Provider) -> None:
    """An import brought another agrément: a new number with a later date renews it, any
    other change corrects the current one (the file is the reference)."""
    if all(getattr(before, k) == getattr(after, k) for k in AGREMENT_FIELDS):
        return
    renewed = (
        after.agrement_numero != before.agrement_numero
        and after.agrement_date > before.agrement_date
    )
    record(ctx, "renewed" if renewed else "corrected", before, after)


def list_agrements(ctx: Context, provider_id: int) -> list[Agrement]:
    """Every agrément the provider held, the oldest first."""
    ctx.provider(provider_id)
    return ctx.store.agrements(provider_id)


def contract_agrement(ctx: Context, dossier: Dossier, provider: Provider) -> Agrement | None:
    """The agrément a dossier's contract names: the one in force when the contract was
    sent for signature (now for a draft), even if it was renewed later that day; ``None``
    when none is recorded (the provider's current one then)."""
    at = dossier.contract_sent_at or ctx.now()
    day: date = at.astimezone(PARIS).date()
    assert provider.id is not None
    held = [a for a in ctx.store.agrements(provider.id) if a.date <= day and a.recorded_at <= at]
    return held[-1] if held else None
