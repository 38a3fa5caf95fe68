"""Documents of a dossier: the data the contract, attestation and invoices are drawn from.

This module turns stored records into the plain models of :mod:`domicili.documents`;
rendering (fpdf2, factur-x) is imported only when a PDF is actually made.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..annuaire import PERIOD_LABELS
from ..clock import PARIS, paris_date
from ..errors import Refused
from ..i18n import _
from ..models import Agrement, Client, Dossier, Offer, Provider
from ..money import vat_rule_for_departement
from .context import Context
from .providers import offer_for

if TYPE_CHECKING:
    from ..documents import (
        AttestationData,
        ClientData,
        ContractData,
        ProviderData,
        SignatureRecord,
    )

__all__ = [
    "attestation_data",
    "client_data",
    "contract_data",
    "dossier_offer",
    "provider_data",
    "render_attestation",
    "render_contract",
    "signature_records",
    "signed_contract",
]


def provider_data(provider: Provider, agrement: Agrement | None = None) -> ProviderData:
    """The provider as a party; ``agrement`` the one the document names (default: its
    current one)."""
    from ..documents import ProviderData

    numero, prefecture, granted, expires = (
        (agrement.numero, agrement.prefecture, agrement.date, agrement.expires)
        if agrement is not None
        else (
            provider.agrement_numero,
            provider.agrement_prefecture,
            provider.agrement_date,
            provider.agrement_expires,
        )
    )

    return ProviderData(
        name=provider.name,
        legal_form=provider.legal_form,
        siren=provider.siren,
        vat_number=provider.vat_number,
        address=provider.address,
        postcode=provider.postcode,
        city=provider.city,
        email=provider.email,
        phone=_phone(provider.phone),
        representative=provider.representative,
        representative_quality=provider.representative_quality,
        rcs_city=provider.rcs_city,
        capital_cents=provider.share_capital_cents,
        agrement_numero=numero,
        agrement_prefecture=prefecture,
        agrement_date=granted,
        agrement_expires=expires,
        iban=provider.iban,
        bic=provider.bic,
        vat_on_debits=provider.vat_on_debits,
    )


def client_data(client: Client, provider: Provider, *, for_invoice: bool = False) -> ClientData:
    """The client as a party.

    An individual is identified by the home address given in the questionnaire; the
    founder of a company en formation is described at his home address on the contract
    and attestation. On invoices a company is billed at its seat, the domiciliation address.
    """
    from ..documents import ClientData

    rep = client.representative
    home = (rep.address, rep.postcode, rep.city)
    use_home = all(home) and (not client.is_company or (client.en_formation and not for_invoice))
    if use_home:
        address, postcode, city = (str(part) for part in home)
    else:
        address, postcode, city = provider.address, provider.postcode, provider.city
    company_en_formation = client.is_company and client.en_formation
    return ClientData(
        name=client.name,
        legal_form=client.legal_form,
        siren=client.siren,
        address=address,
        postcode=postcode,
        city=city,
        email=client.email,
        phone=_phone(client.phone),
        representative=rep.full_name,
        kind=client.kind,
        en_formation=company_en_formation,
        founder=rep.full_name if company_en_formation else None,
    )


def _phone(e164: str) -> str:
    from ..messages import format_phone

    return format_phone(e164)


def dossier_offer(ctx: Context, dossier: Dossier, provider: Provider) -> Offer:
    """The terms the dossier was made on, as they stood when the client asked (dossiers
    from before terms were kept: the offer as it is now, or the provider's implicit one)."""
    from .dossiers import default_offer

    if dossier.terms is not None:
        return dossier.terms
    if dossier.offer_id is not None:
        offer = ctx.store.get_offer(dossier.offer_id)
        if offer is not None:
            return offer
    return offer_for(ctx, provider, None) or default_offer(ctx, provider)


def _start(ctx: Context, dossier: Dossier) -> date:
    return dossier.start_date or paris_date(ctx.now())


def contract_data(ctx: Context, dossier: Dossier) -> ContractData:
    from ..documents import ContractData
    from .agrements import contract_agrement

    provider = ctx.provider(dossier.provider_id)
    client = ctx.client(dossier.client_id)
    offer = dossier_offer(ctx, dossier, provider)
    vocabulary = ctx.settings.service_vocabulary()
    return ContractData(
        reference=dossier.reference,
        # The agrément in force when the contract was drawn up, whatever renewed it since.
        provider=provider_data(provider, contract_agrement(ctx, dossier, provider)),
        client=client_data(client, provider),
        address=provider.address,
        postcode=provider.postcode,
        city=provider.city,
        start_date=_start(ctx, dossier),
        term_months=offer.commitment_months,
        notice_months=1,
        tacit_renewal=True,
        services=tuple((code, vocabulary.get(code, code)) for code in offer.services),
        price_ht_cents=offer.price_ht_cents,
        period_label=PERIOD_LABELS[offer.period],
        setup_fee_cents=offer.setup_fee_cents,
        vat=vat_rule_for_departement(provider.departement or ""),
        issued_at=ctx.now(),
        place=provider.city,
    )


def attestation_data(ctx: Context, dossier: Dossier) -> AttestationData:
    from ..documents import AttestationData

    # A status set by hand without the signatures behind it gives no attestation either.
    if not dossier.status.in_force or dossier.signed_contract_sha256 is None:
        raise Refused(
            _(
                "{where}: an attestation de domiciliation is issued only while the "
                "domiciliation is in force (contract signed by both parties)."
            ).format(where=dossier.where)
        )
    provider = ctx.provider(dossier.provider_id)
    offer = dossier_offer(ctx, dossier, provider)
    signed = tuple(signature_records(ctx, dossier))
    return AttestationData(
        reference=dossier.reference,
        provider=provider_data(provider),
        client=client_data(ctx.client(dossier.client_id), provider),
        address=provider.address,
        postcode=provider.postcode,
        city=provider.city,
        start_date=_start(ctx, dossier),
        term_months=offer.commitment_months,
        tacit_renewal=True,
        issued_at=ctx.now(),
        place=provider.city,
        signatures=signed,
        contract_sha256=dossier.contract_sha256 if signed else None,
    )


def signature_records(ctx: Context, dossier: Dossier) -> list[SignatureRecord]:
    """The signatures of the dossier's contract, as its certificate prints them (Paris time)."""
    from ..documents import SignatureRecord

    assert dossier.id is not None
    return [
        SignatureRecord(
            party=s.party,
            name=s.signer,
            on_behalf_of=s.on_behalf_of,
            signed_at=s.signed_at.astimezone(PARIS),
            method=s.method,
            code_check=s.code_check,
            email=s.email,
        )
        for s in ctx.store.signatures(dossier.id)
    ]


def render_contract(ctx: Context, dossier_id: int) -> bytes:
    """The contrat de domiciliation of a dossier, as PDF: a draft until it is sent, then
    exactly the document sent for signature."""
    from ..documents import render_contract as draw

    dossier = ctx.dossier(dossier_id)
    if dossier.contract_sha256 is not None:
        return ctx.files.read(dossier.contract_sha256)  # the very contract sent for signature
    if not dossier.status.contract_may_be_drawn:
        raise Refused(_("{where}: there is no contract to draw up.").format(where=dossier.where))
    return draw(contract_data(ctx, dossier), template_dir=templates_dir(ctx))


def render_attestation(ctx: Context, dossier_id: int) -> bytes:
    """The attestation de domiciliation, only while the domiciliation is in force."""
    from ..documents import render_attestation as draw

    return draw(attestation_data(ctx, ctx.dossier(dossier_id)), template_dir=templates_dir(ctx))


def signed_contract(ctx: Context, dossier_id: int) -> bytes:
    """The contract with its signature certificate, once both parties signed."""
    dossier = ctx.dossier(dossier_id)
    if dossier.signed_contract_sha256 is None:
        raise Refused(
            _("{where}: the contract is not signed by both parties yet.").format(
                where=dossier.where
            )
        )
    return ctx.files.read(dossier.signed_contract_sha256)


def templates_dir(ctx: Context) -> Path | None:
    folder = ctx.settings.templates.dir
    return folder / "documents" if folder is not None else None
