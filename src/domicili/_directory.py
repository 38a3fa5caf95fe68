"""The directory side of the :class:`~domicili.Domicili` facade.

Providers, their offers and the annuaire: each method is one call into
:mod:`domicili.service.providers` (or :mod:`~domicili.service.imports`). The class is
a base of ``Domicili`` and is not used on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .annuaire import SearchResult
    from .geography import Departement, Region
    from .models import Agrement, MailTerms, Offer, Provider
    from .service import agrements, imports, providers
    from .service.context import Context
    from .service.imports import ImportReport
    from .service.providers import Quote
else:
    # Imported on the first call (see benchmarks/bench_startup.py).
    from ._deferred import DeferredModule

    agrements = DeferredModule("domicili.service.agrements")
    imports = DeferredModule("domicili.service.imports")
    providers = DeferredModule("domicili.service.providers")

__all__ = ["Directory"]


class Directory:
    """Providers (domiciliataires), their offers and the directory search."""

    ctx: Context

    # -- providers --------------------------------------------------------------
    def add_provider(
        self,
        *,
        name: str,
        siren: str,
        agrement_numero: str,
        agrement_prefecture: str,
        agrement_date: date | str,
        address: str,
        postcode: str,
        city: str,
        email: str,
        phone: str,
        legal_form: str | None = None,
        representative: str | None = None,
        representative_quality: str | None = None,
        representative_email: str | None = None,
        vat_number: str | None = None,
        rcs_city: str | None = None,
        share_capital_cents: int | None = None,
        iban: str | None = None,
        bic: str | None = None,
        creditor_identifier: str | None = None,
        vat_on_debits: bool = False,
        departement: str | None = None,
        insee_commune: str | None = None,
        departements: Sequence[str] = (),
        services: Sequence[str] = (),
    ) -> Provider:
        """Register a provider; its département follows from its postcode.

        ``agrement_date`` is a date, ``15/01/2024`` or ``2024-01-15``; the agrément
        lasts 6 years. ``rcs_city`` (``"Paris"`` for RCS Paris) and
        ``share_capital_cents`` are printed on documents when given, and
        ``representative_quality`` (« gérant ») beside the representative's name on the
        attestation. ``departement`` (checked against the postcode) and ``insee_commune`` settle
        border communes. ``vat_on_debits``: it pays VAT on its debits, as its invoices
        then say. It serves its own département unless ``departements`` lists
        others, and offers ``services`` (default: ``domiciliation``). A SIREN, phone,
        email, IBAN or BIC that is not one raises :class:`~domicili.InvalidIdentifier`,
        and so does a ``creditor_identifier`` (its SEPA ICS, needed to collect by direct
        debit) whose key is wrong.
        """
        fields: dict[str, Any] = dict(
            name=name,
            siren=siren,
            agrement_numero=agrement_numero,
            agrement_prefecture=agrement_prefecture,
            agrement_date=agrement_date,
            address=address,
            postcode=postcode,
            city=city,
            email=email,
            phone=phone,
            legal_form=legal_form,
            representative=representative,
            representative_quality=representative_quality,
            representative_email=representative_email,
            vat_number=vat_number,
            rcs_city=rcs_city,
            share_capital_cents=share_capital_cents,
            iban=iban,
            bic=bic,
            creditor_identifier=creditor_identifier,
            vat_on_debits=vat_on_debits,
            departement=departement,
            departements=departements,
            services=services,
        )
        return providers.add_provider(self.ctx, insee_commune=insee_commune, **fields)

    def update_provider(
        self,
        provider_id: int,
        *,
        name: str | None = None,
        legal_form: str | None = None,
        representative: str | None = None,
        representative_quality: str | None = None,
        representative_email: str | None = None,
        siren: str | None = None,
        vat_number: str | None = None,
        rcs_city: str | None = None,
        share_capital_cents: int | None = None,
        agrement_numero: str | None = None,
        agrement_prefecture: str | None = None,
        agrement_date: date | str | None = None,
        address: str | None = None,
        postcode: str | None = None,
        city: str | None = None,
        departement: str | None = None,
        insee_commune: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        iban: str | None = None,
        bic: str | None = None,
        creditor_identifier: str | None = None,
        vat_on_debits: bool | None = None,
        departements: Sequence[str] | None = None,
        services: Sequence[str] | None = None,
    ) -> Provider:
        """Change some details of a provider; ``None`` leaves a field as it is.

        The provider is checked again as a whole (a new postcode gives a new
        département). A new ``agrement_date`` with its ``agrement_numero`` renews the
        agrément (the history keeps the one before: see :meth:`agrements`); the current
        date given again corrects the current one. Suspension has its own calls:
        :meth:`suspend_provider`.
        """
        changes: dict[str, Any] = dict(
            name=name,
            legal_form=legal_form,
            representative=representative,
            representative_quality=representative_quality,
            representative_email=representative_email,
            siren=siren,
            vat_number=vat_number,
            rcs_city=rcs_city,
            share_capital_cents=share_capital_cents,
            agrement_numero=agrement_numero,
            agrement_prefecture=agrement_prefecture,
            agrement_date=agrement_date,
            address=address,
            postcode=postcode,
            city=city,
            departement=departement,
            email=email,
            phone=phone,
            iban=iban,
            bic=bic,
            creditor_identifier=creditor_identifier,
            vat_on_debits=vat_on_debits,
            departements=departements,
            services=services,
        )
        return providers.update_provider(
            self.ctx, provider_id, insee_commune=insee_commune, **changes
        )

    def get_provider(self, provider_id: int) -> Provider:
        return providers.get_provider(self.ctx, provider_id)

    def agrements(self, provider_id: int) -> list[Agrement]:
        """Every agrément the provider held, the oldest first, each in force from its
        date until the one that renewed it."""
        return agrements.list_agrements(self.ctx, provider_id)

    def list_providers(
        self, *, limit: int | None = None, before: int | None = None
    ) -> list[Provider]:
        """Providers, newest first (a scoped session: its own); ``before`` an id: only the
        providers below it."""
        return list(self.iter_providers(limit=limit, before=before))

    def iter_providers(
        self, *, limit: int | None = None, before: int | None = None
    ) -> Iterator[Provider]:
        """:meth:`list_providers` read from the database as the caller consumes it."""
        return providers.list_providers(self.ctx, limit=limit, before=before)

    def suspend_provider(self, provider_id: int, reason: str | None = None) -> Provider:
        """The agrément is suspended: hidden from the directory, cannot accept or sign."""
        return providers.set_suspended(self.ctx, provider_id, True, reason)

    def resume_provider(self, provider_id: int) -> Provider:
        return providers.set_suspended(self.ctx, provider_id, False)

    def import_providers(
        self,
        file: str | Path,
        *,
        skip_invalid: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Bulk import from CSV or YAML; SIREN is the key (same rows again = update)."""
        return imports.import_providers(
            self.ctx, Path(file), skip_invalid=skip_invalid, progress=progress
        )

    # -- offers and the directory ------------------------------------------------
    def add_offer(
        self,
        provider_id: int,
        *,
        name: str,
        price_ht_cents: int,
        period: Literal["month", "quarter", "year"] = "month",
        commitment_months: int = 3,
        setup_fee_cents: int = 0,
        services: Sequence[str] = ("domiciliation",),
        is_default: bool = False,
        mail_terms: MailTerms | Mapping[str, Any] | None = None,
    ) -> Offer:
        """Publish an offer: a price before VAT per period, a commitment (≥ 3 months),
        and what it includes of the mailbox (``mail_terms``: a
        :class:`~domicili.models.MailTerms` or its fields; default: no allowance, no fee,
        30 free days for a letter, 14 for a parcel).

        The first offer of a provider is its default.
        """
        fields: dict[str, Any] = dict(
            name=name,
            price_ht_cents=price_ht_cents,
            period=period,
            commitment_months=commitment_months,
            setup_fee_cents=setup_fee_cents,
            services=services,
            is_default=is_default,
        )
        if mail_terms is not None:
            fields["mail_terms"] = mail_terms
        return providers.add_offer(self.ctx, provider_id, **fields)

    def get_offer(self, offer_id: int) -> Offer:
        return providers.get_offer(self.ctx, offer_id)

    def update_offer(self, offer_id: int, *, mail_terms: Mapping[str, Any]) -> Offer:
        """Change what an offer includes of the mailbox and charges beyond: the
        :class:`~domicili.models.MailTerms` fields given (``pieces_per_month=None``: no
        limit), the others as they were. Dossiers already made keep their terms."""
        return providers.set_mail_terms(self.ctx, offer_id, **mail_terms)

    def list_offers(self, provider_id: int | None = None) -> list[Offer]:
        return providers.list_offers(self.ctx, provider_id)

    def search(
        self,
        *,
        departement: str | None = None,
        region: str | None = None,
        services: Iterable[str] = (),
        max_price_ht_cents: int | None = None,
        sort: Literal["price", "name"] = "price",
        limit: int | None = None,
    ) -> list[SearchResult]:
        """Providers listed in the directory for a place (agrément valid, not suspended)."""
        return providers.search(
            self.ctx,
            departement=departement,
            region=region,
            services=tuple(services),
            max_price_ht_cents=max_price_ht_cents,
            sort=sort,
            limit=limit,
        )

    def quotes(self, provider_ids: Sequence[int]) -> list[Quote]:
        """For each provider, the offer a request would be made on and its price (HT,
        TTC, first payment): what a client is shown before sending a request."""
        return providers.quotes(self.ctx, list(provider_ids))

    def listed_provider_ids(self, departement: str) -> list[int]:
        """Every provider listed in a département (for ``demande create --all``)."""
        return providers.listed_provider_ids(self.ctx, departement)

    @staticmethod
    def regions() -> list[Region]:
        return providers.regions()

    @staticmethod
    def departements(region: str | None = None) -> list[Departement]:
        """Every département, or those of one région (by code or name)."""
        return providers.departements(region)
