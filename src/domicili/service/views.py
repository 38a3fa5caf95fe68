"""Read models: what ``show`` and ``list`` return, for people and for JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Client, Dossier, Event, Provider
from ..statuses import Status
from .context import Context
from .pieces import PieceView, pieces

__all__ = ["DossierDetails", "dossier_details", "dossier_summary", "list_dossiers"]


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

    def as_dict(self) -> dict[str, Any]:
        data = dossier_summary(self.dossier)
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
    dossier = ctx.dossier(dossier_id)
    assert dossier.id is not None
    client = ctx.client(dossier.client_id)
    return DossierDetails(
        dossier,
        client,
        ctx.provider(dossier.provider_id),
        pieces(ctx, dossier, client),
        ctx.store.events(dossier.id),
    )


def list_dossiers(
    ctx: Context, status: Status | None = None, limit: int | None = None
) -> list[Dossier]:
    return ctx.store.list_dossiers(provider_id=ctx.provider_scope, status=status, limit=limit)
