"""Read models: what ``show`` and ``list`` return, for people and for JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from ..errors import InvalidInput
from ..i18n import _
from ..models import Client, Dossier, Event, Provider, Signature
from ..ports import DossierSearch
from ..statuses import Status, parse_status
from .context import Context
from .pieces import PieceView, pieces

__all__ = [
    "MAX_LIMIT",
    "DatabaseInfo",
    "DossierDetails",
    "DossierEntry",
    "check_limit",
    "check_page",
    "database_info",
    "dossier_details",
    "dossier_id",
    "dossier_search",
    "dossier_summary",
    "list_dossier_entries",
    "list_dossiers",
    "signatures",
]

#: The most rows a list may ask for: the database counts in signed 64-bit integers.
MAX_LIMIT = 2**63 - 1


def check_limit(limit: int | None) -> int | None:
    """A list's ``limit``: ``None`` (no limit) or a number of rows the database can count."""
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            _("--limit {limit} is not a number of rows (from 1 to {MAX_LIMIT}).").format(
                limit=limit, MAX_LIMIT=MAX_LIMIT
            ),
            field="limit",
        )
    return limit


def check_page(limit: int | None, before: int | None) -> tuple[int | None, int | None]:
    """A list's ``limit`` and its cursor ``before`` (an id: rows below it), both checked."""
    if before is not None and not 1 <= before <= MAX_LIMIT:
        raise InvalidInput(
            _("--before {before} is not an identifier (from 1 to {MAX_LIMIT}).").format(
                before=before, MAX_LIMIT=MAX_LIMIT
            ),
            field="before",
        )
    return check_limit(limit), before


class DatabaseInfo(TypedDict):
    """Where a database and its files are, its schema version, its dossiers by status."""

    database: str
    schema_version: int
    files: str
    outbox: str
    #: status name → number of dossiers (within the provider scope)
    dossiers: dict[str, int]


def database_info(ctx: Context, *, files: Path, outbox: Path) -> DatabaseInfo:
    return {
        "database": ctx.store.location,
        "schema_version": ctx.store.schema_version(),
        "files": str(files),
        "outbox": str(outbox),
        "dossiers": ctx.store.count_dossiers_by_status(ctx.provider_scope),
    }


def dossier_summary(dossier: Dossier) -> dict[str, Any]:
    """The JSON form of a dossier row: ``status`` name and ``status_code``; cents fields."""
    data = dossier.model_dump(mode="json", exclude={"dismissal_reason"})
    data["reference"] = dossier.reference
    data["status_code"] = dossier.status.code
    data["status_label"] = dossier.status.label
    return data


@dataclass(frozen=True)
class DossierDetails:
    """A dossier with its client, provider, pieces and events (``dossier show``)."""

    dossier: Dossier
    client: Client
    provider: Provider
    justificatifs: list[PieceView]
    events: list[Event]
    #: The address of the card-payment link the client was sent, while the first payment
    #: is due and the gateway takes payments online.
    payment_link: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = dossier_summary(self.dossier)
        data["payment_link"] = self.payment_link
        # Internal only (never sent to the client) but part of the provider's own file.
        data["dismissal_reason"] = self.dossier.dismissal_reason
        data["client"] = self.client.model_dump(mode="json")
        data["provider"] = {
            "id": self.provider.id,
            "name": self.provider.name,
            "siren": self.provider.siren,
        }
        data["justificatifs"] = [p.as_dict() for p in self.justificatifs]
        data["events"] = [
            e.model_dump(mode="json", include={"id", "at", "type", "data"}) for e in self.events
        ]
        return data


def dossier_details(ctx: Context, dossier_id: int) -> DossierDetails:
    from .dossiers import payment_link_url  # dossiers → providers → views

    dossier = ctx.dossier(dossier_id)
    assert dossier.id is not None
    client = ctx.client(dossier.client_id)
    return DossierDetails(
        dossier,
        client,
        ctx.provider(dossier.provider_id),
        pieces(ctx, dossier, client),
        ctx.store.events(dossier.id),
        payment_link_url(ctx, dossier),
    )


def list_dossiers(
    ctx: Context,
    status: Status | str | None = None,
    *,
    limit: int | None = None,
    before: int | None = None,
    search: str | None = None,
) -> Iterator[Dossier]:
    """Dossiers, newest first, read as they are consumed; ``status`` as a
    :class:`Status`, a name or an S-code; ``before``: only ids below it (the next page);
    ``search``: see :func:`dossier_search`."""
    return (
        entry.dossier
        for entry in list_dossier_entries(ctx, status, limit=limit, before=before, search=search)
    )


@dataclass(frozen=True)
class DossierEntry:
    """A dossier as a list shows it: with its client's and its provider's names."""

    dossier: Dossier
    client_name: str
    provider_name: str

    @property
    def id(self) -> int | None:
        return self.dossier.id

    def as_dict(self) -> dict[str, Any]:
        data = dossier_summary(self.dossier)
        data["client_name"] = self.client_name
        data["provider_name"] = self.provider_name
        return data


def list_dossier_entries(
    ctx: Context,
    status: Status | str | None = None,
    *,
    limit: int | None = None,
    before: int | None = None,
    search: str | None = None,
) -> Iterator[DossierEntry]:
    """:func:`list_dossiers` with each dossier's client and provider names."""
    if isinstance(status, str):
        try:
            status = parse_status(status)
        except ValueError as exc:
            raise InvalidInput(f"{exc}.", field="status") from None
    limit, before = check_page(limit, before)
    rows = ctx.store.list_dossier_entries(
        provider_id=ctx.provider_scope,
        status=status,
        search=None if search is None else dossier_search(search),
        before=before,
        limit=limit,
    )
    return (DossierEntry(d, client, provider) for d, client, provider in rows)


#: A dossier's reference as people write it: ``D-000007``, ``d-7``.
_REFERENCE = re.compile(r"D-?(\d{1,19})", re.IGNORECASE)


def dossier_id(reference: str | int) -> int:
    """The dossier number a reference names: ``"D-000007"`` (any case) or ``"7"`` → 7."""
    text = str(reference).strip()
    found = _REFERENCE.fullmatch(text)
    digits = found.group(1) if found else text
    if digits.isascii() and digits.isdigit() and 1 <= int(digits) <= MAX_LIMIT:
        return int(digits)
    raise InvalidInput(
        _("{value!r} is not a dossier number or reference (such as 7 or D-000007).").format(
            value=text
        ),
        field="dossier",
        value=text,
    )


#: The longest text a search looks for (a name, an email, a reference).
SEARCH_MAX = 200


def dossier_search(text: str) -> DossierSearch:
    """``TEXT`` of a search: matches a client's name or email (any case), a SIREN (with or
    without its spaces) or a dossier's reference."""
    wanted = " ".join(text.split())
    if not wanted or len(wanted) > SEARCH_MAX:
        raise InvalidInput(
            _("A search is from 1 to {most} characters.").format(most=SEARCH_MAX),
            field="search",
            value=text,
        )
    digits = wanted.replace(" ", "")
    reference = _REFERENCE.fullmatch(wanted)
    return DossierSearch(
        text=wanted.lower(),
        siren=digits if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None,
        dossier_id=int(reference.group(1)) if reference else None,
    )


def signatures(ctx: Context, dossier_id: int) -> list[Signature]:
    """The signatures recorded on a dossier's contract, first one first."""
    return ctx.store.signatures(ctx.dossier(dossier_id).id or 0)
