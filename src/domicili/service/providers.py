"""Use cases about providers (domiciliataires), their offers and the directory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .. import identifiers
from ..annuaire import SearchResult, check_services
from ..clock import paris_date
from ..errors import InvalidInput, OfferNotFound, OutOfScope, Refused
from ..geography import Departement, Geography, Region, geography
from ..i18n import _
from ..models import Offer, Provider
from .context import Context
from .errors import from_validation
from .views import check_limit

__all__ = [
    "Quote",
    "add_offer",
    "add_provider",
    "departements",
    "get_offer",
    "get_provider",
    "list_offers",
    "list_providers",
    "listed_provider_ids",
    "quotes",
    "regions",
    "search",
    "set_mail_terms",
    "set_suspended",
    "update_provider",
    "validate_provider",
]


def validate_provider(
    ctx: Context,
    fields: dict[str, Any],
    *,
    insee_commune: str | None = None,
    keep_departement: bool = False,
) -> Provider:
    """A provider checked against the annuaire: postcode ↔ département, served
    départements and services known; its own département served by default."""
    geo = geography()
    try:
        provider = Provider.model_validate(fields)
    except ValidationError as exc:
        raise from_validation(exc) from None
    if keep_departement and provider.departement:
        # Unchanged address: keep the département established when it was registered
        # (possibly from the INSEE commune code of a border commune).
        departement = geo.departement(provider.departement)
    else:
        departement = geo.departement_for_postcode(provider.postcode, insee_commune=insee_commune)
        if provider.departement and provider.departement != departement.code:
            geo.check_postcode_in_departement(
                provider.postcode, provider.departement, insee_commune
            )
    provider.departement = departement.code
    if provider.vat_number is None:
        # Every French business subject to VAT has this number; it is derived from the SIREN.
        provider.vat_number = identifiers.vat_number_for_siren(provider.siren)
    provider.departements = _departements(geo, provider.departements or [departement.code])
    provider.services = check_services(
        provider.services or ["domiciliation"], ctx.settings.service_vocabulary(), field="services"
    )
    return provider


def _departements(geo: Geography, codes: list[str]) -> list[str]:
    out = []
    for code in codes:
        found = geo.departement(code).code
        if found not in out:
            out.append(found)
    return out


def add_provider(ctx: Context, *, insee_commune: str | None = None, **fields: Any) -> Provider:
    """Register a provider; its département follows from its postcode."""
    if ctx.provider_scope is not None:
        raise OutOfScope(
            _("Scoped to provider {provider_scope}, domicili cannot register providers.").format(
                provider_scope=ctx.provider_scope
            ),
            provider_id=ctx.provider_scope,
        )
    provider = validate_provider(
        ctx, {"created_at": ctx.now(), **fields}, insee_commune=insee_commune
    )
    with ctx.store.transaction():
        existing = ctx.store.provider_id_by_siren(provider.siren)
        if existing is not None:
            raise InvalidInput(
                _("A provider with SIREN {siren} already exists (provider {existing}).").format(
                    siren=provider.siren, existing=existing
                ),
                field="siren",
                value=provider.siren,
            )
        provider.id = ctx.store.insert_provider(provider)
        ctx.event(
            "provider.added",
            provider_id=provider.id,
            data={"siren": provider.siren, "name": provider.name},
        )
    return provider


def update_provider(
    ctx: Context, provider_id: int, *, insee_commune: str | None = None, **changes: Any
) -> Provider:
    """Change some fields of a provider (validated as a whole); ``None`` changes nothing.

    A new ``agrement_date`` with its ``agrement_numero`` renews the agrément (the one
    before it is kept, with the contracts it covered); the current date given again
    corrects the current agrément. Each change is an audit event.
    """
    from .agrements import AGREMENT_FIELDS, agrement_change, record

    changes = {k: v for k, v in changes.items() if v is not None}
    with ctx.store.transaction():
        current = ctx.provider(provider_id)
        agrement = agrement_change(ctx, current, changes)
        data = current.model_dump()
        data.update(changes)
        moved = changes.get("postcode") not in (None, current.postcode)
        if moved and "departement" not in changes:
            data["departement"] = None
        updated = validate_provider(
            ctx,
            data,
            insee_commune=insee_commune,
            keep_departement=not moved and not insee_commune and "departement" not in changes,
        )
        before, after = current.model_dump(mode="json"), updated.model_dump(mode="json")
        diff = {k: getattr(updated, k) for k, v in after.items() if v != before[k]}
        if diff:
            ctx.store.update_provider(provider_id, **diff)
        if agrement is not None:
            record(ctx, agrement, current, updated)
        others = sorted(k for k in diff if k not in AGREMENT_FIELDS)
        if others:
            ctx.event(
                "provider.updated",
                provider_id=provider_id,
                data={
                    "fields": others,
                    "changes": {k: {"from": before[k], "to": after[k]} for k in others},
                },
            )
    return updated


def set_suspended(
    ctx: Context, provider_id: int, suspended: bool, reason: str | None = None
) -> Provider:
    """Record a suspension of the agrément (hidden from the directory, cannot accept)."""
    with ctx.store.transaction():
        provider = ctx.provider(provider_id)
        provider.suspended = suspended
        provider.suspension_reason = reason if suspended else None
        ctx.store.update_provider(
            provider_id, suspended=suspended, suspension_reason=provider.suspension_reason
        )
        ctx.event(
            "provider.suspended" if suspended else "provider.resumed",
            provider_id=provider_id,
            data={"reason": reason},
        )
    return provider


def get_provider(ctx: Context, provider_id: int) -> Provider:
    return ctx.provider(provider_id)


def list_providers(
    ctx: Context, *, limit: int | None = None, before: int | None = None
) -> Iterator[Provider]:
    """Providers, newest first, read as they are consumed (a scoped session: its own)."""
    from .views import check_page

    limit, before = check_page(limit, before)
    if ctx.provider_scope is not None:
        own = ctx.provider(ctx.provider_scope)
        shown = before is None or ctx.provider_scope < before
        return iter([own] if shown and limit != 0 else [])
    return ctx.store.list_providers(before=before, limit=limit)


def add_offer(ctx: Context, provider_id: int, **fields: Any) -> Offer:
    """Publish an offer; the first one of a provider is its default."""
    with ctx.store.transaction():
        ctx.provider(provider_id)
        try:
            offer = Offer.model_validate(
                {"provider_id": provider_id, "created_at": ctx.now(), **fields}
            )
        except ValidationError as exc:
            raise from_validation(exc) from None
        offer.services = check_services(offer.services, ctx.settings.service_vocabulary())
        if not ctx.store.list_offers(provider_id):
            offer.is_default = True
        offer.id = ctx.store.insert_offer(offer)
        _offer_services_listed(ctx, provider_id, offer.services)
        ctx.event(
            "offer.added",
            provider_id=provider_id,
            data={
                "offer_id": offer.id,
                "price_ht_cents": offer.price_ht_cents,
                "period": offer.period,
            },
        )
    return offer


def _offer_services_listed(ctx: Context, provider_id: int, services: list[str]) -> None:
    """A service sold in an offer is a service the provider offers (directory filters)."""
    provider = ctx.provider(provider_id)
    missing = [s for s in services if s not in provider.services]
    if missing:
        ctx.store.update_provider(provider_id, services=provider.services + missing)


def list_offers(ctx: Context, provider_id: int | None = None) -> list[Offer]:
    if provider_id is not None:
        ctx.provider(provider_id)
    return ctx.store.list_offers(provider_id if provider_id is not None else ctx.provider_scope)


def get_offer(ctx: Context, offer_id: int) -> Offer:
    """One offer (of the provider in scope)."""
    offer = ctx.store.get_offer(offer_id)
    if offer is None or (
        ctx.provider_scope is not None and offer.provider_id != ctx.provider_scope
    ):
        raise OfferNotFound(offer_id)
    return offer


def set_mail_terms(ctx: Context, offer_id: int, **changes: Any) -> Offer:
    """Change what an offer includes of the mailbox and charges beyond (the
    :class:`~domicili.models.MailTerms` fields given; the others stay). Dossiers already
    made keep the terms they were made on."""
    from ..models import MailTerms

    with ctx.store.transaction():
        offer = get_offer(ctx, offer_id)
        try:
            terms = MailTerms.model_validate({**offer.mail_terms.model_dump(), **changes})
        except ValidationError as exc:
            raise from_validation(exc) from None
        if terms == offer.mail_terms:
            return offer
        offer.mail_terms = terms
        ctx.store.update_offer(offer)
        ctx.event(
            "offer.mail_terms",
            provider_id=offer.provider_id,
            data={"offer_id": offer.id, **changes},
        )
    return offer


def offer_for(ctx: Context, provider: Provider, offer_id: int | None) -> Offer | None:
    """The offer a request picks at a provider: the chosen one, else the default."""
    assert provider.id is not None
    offers = ctx.store.list_offers(provider.id)
    if offer_id is not None:
        for offer in offers:
            if offer.id == offer_id:
                return offer
        raise OfferNotFound(
            _("{offer_id} at provider {id}").format(offer_id=offer_id, id=provider.id)
        )
    return next((o for o in offers if o.is_default), offers[0] if offers else None)


@dataclass(frozen=True)
class Quote:
    """What a request to one provider would cost: its offer, and the first payment."""

    provider: Provider
    offer: Offer
    #: The price of one period, before and with VAT (the provider's département's rate).
    price_ht_cents: int
    price_ttc_cents: int
    #: First period plus setup fee, with VAT: what the client pays once accepted.
    first_payment_ttc_cents: int


def quotes(ctx: Context, provider_ids: list[int]) -> list[Quote]:
    """The offer each provider would make a request on (its default one, or the implicit
    offer of the settings), priced as the dossier will be."""
    from ..money import vat_amount, vat_rule_for_departement
    from .dossiers import default_offer, first_payment_cents

    found = []
    for provider_id in provider_ids:
        provider = ctx.provider(provider_id)
        offer = offer_for(ctx, provider, None) or default_offer(ctx, provider)
        rate = vat_rule_for_departement(provider.departement or "").rate_bp
        price = offer.price_ht_cents
        found.append(
            Quote(
                provider=provider,
                offer=offer,
                price_ht_cents=price,
                price_ttc_cents=price + vat_amount(price, rate),
                first_payment_ttc_cents=first_payment_cents(offer, provider),
            )
        )
    return found


def search(
    ctx: Context,
    *,
    departement: str | None = None,
    region: str | None = None,
    services: list[str] | tuple[str, ...] = (),
    max_price_ht_cents: int | None = None,
    sort: str = "price",
    limit: int | None = None,
) -> list[SearchResult]:
    """Listed providers serving a place, with their cheapest offer that fits.

    ``max_price_ht_cents`` caps the monthly price before VAT.
    """
    geo = geography()
    places: list[str] | None = None
    if departement is not None:
        places = [geo.departement(departement).code]
    if region is not None:
        in_region = [d.code for d in geo.departements(geo.region(region).code)]
        places = in_region if places is None else [d for d in places if d in in_region]
        if not places:
            raise InvalidInput(
                _("Département {departement} is not in région {region}.").format(
                    departement=departement, region=region
                )
            )
    if max_price_ht_cents is not None and max_price_ht_cents <= 0:
        raise InvalidInput(
            _("The maximum price must be more than 0 €."),
            field="max_price_ht_cents",
            value=max_price_ht_cents,
        )
    if sort not in ("price", "name"):
        raise InvalidInput(
            _("Unknown sort {sort}; use price or name.").format(sort=repr(sort)), field="sort"
        )
    wanted = check_services(list(services), ctx.settings.service_vocabulary())
    return ctx.store.search_providers(
        on=paris_date(ctx.now()),
        departements=places,
        services=wanted,
        max_monthly_ht_cents=max_price_ht_cents,
        sort=sort,
        limit=check_limit(limit),
        provider_id=ctx.provider_scope,
    )


def listed_provider_ids(ctx: Context, departement: str) -> list[int]:
    """Every provider listed in a département (for ``demande create --all``)."""
    found = [r.provider_id for r in search(ctx, departement=departement, sort="name")]
    if not found:
        raise Refused(
            _("No provider is listed in département {departement}.").format(departement=departement)
        )
    return found


def regions() -> list[Region]:
    return geography().regions()


def departements(region: str | None = None) -> list[Departement]:
    """Every département, or those of one région (named by code or name)."""
    geo = geography()
    return geo.departements(geo.region(region).code if region else None)
