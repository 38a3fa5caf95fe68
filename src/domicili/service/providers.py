"""Use cases about providers (domiciliataires)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import InvalidInput
from ..geography import geography
from ..models import Provider
from .context import Context
from .errors import from_validation

__all__ = ["add_provider", "list_providers", "update_provider"]


def add_provider(ctx: Context, **fields: Any) -> Provider:
    """Register a provider; its département follows from its postcode."""
    try:
        provider = Provider(created_at=ctx.now(), **fields)
    except ValidationError as exc:
        raise from_validation(exc) from None
    provider.departement = geography().departement_for_postcode(provider.postcode).code
    with ctx.store.transaction():
        if ctx.store.provider_id_by_siren(provider.siren) is not None:
            raise InvalidInput(
                f"A provider with SIREN {provider.siren} already exists; "
                "`domicili provider list` shows it.",
                field="siren",
            )
        provider.id = ctx.store.insert_provider(provider)
        ctx.event(
            "provider.added",
            provider_id=provider.id,
            data={"siren": provider.siren, "name": provider.name},
        )
    return provider


def update_provider(ctx: Context, provider_id: int, **changes: Any) -> Provider:
    """Change some fields of a provider (validated as a whole)."""
    with ctx.store.transaction():
        current = ctx.provider(provider_id)
        data = current.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        try:
            updated = Provider.model_validate(data)
        except ValidationError as exc:
            raise from_validation(exc) from None
        updated.departement = geography().departement_for_postcode(updated.postcode).code
        diff = {
            k: v
            for k, v in updated.model_dump(mode="json").items()
            if v != current.model_dump(mode="json")[k]
        }
        if diff:
            ctx.store.update_provider(provider_id, **diff)
            ctx.event("provider.updated", provider_id=provider_id, data={"fields": sorted(diff)})
    return updated


def list_providers(ctx: Context) -> list[Provider]:
    providers = ctx.store.list_providers()
    if ctx.provider_scope is not None:
        providers = [p for p in providers if p.id == ctx.provider_scope]
    return providers
