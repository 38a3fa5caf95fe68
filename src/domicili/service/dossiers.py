"""The life of a dossier up to the first payment: request, decision, deadline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from ..annuaire import check_services
from ..answers import DemandeAnswers, load_answers, parse_answers
from ..catalog import Requirement
from ..clock import PARIS, paris_date
from ..errors import (
    AgrementInvalid,
    DuplicateRequest,
    InvalidInput,
    JustificatifRejected,
    MissingJustificatifs,
    NoWayToPay,
)
from ..french import format_eur, long_date_fr
from ..i18n import _
from ..identifiers import is_mobile
from ..models import Client, Dossier, Offer, Provider
from ..money import parse_euros, vat_amount, vat_rule_for_departement
from ..statuses import INITIAL, Status
from .context import Context
from .pieces import _check_kind, attach_file, pieces, read_piece_file
from .providers import offer_for

__all__ = [
    "accept",
    "create_demande",
    "dismiss",
    "format_deadline",
    "message_context",
    "payment_deadline",
    "payment_link_url",
    "reactivate",
]


def default_offer(ctx: Context, provider: Provider) -> Offer:
    """The implicit offer of a provider that has published none (``[pricing]`` settings):
    billed by quarter, in advance, at the configured monthly price."""
    assert provider.id is not None
    pricing = ctx.settings.pricing
    monthly = parse_euros(pricing.monthly_price_ht, field="pricing.monthly_price_ht")
    return Offer(
        provider_id=provider.id,
        name="Domiciliation",
        price_ht_cents=monthly * 3,
        period="quarter",
        commitment_months=pricing.commitment_months,
        services=["domiciliation"],
    )


def first_payment_cents(offer: Offer, provider: Provider) -> int:
    """The first payment: first period plus setup fee, VAT of the provider's département."""
    ht = offer.first_payment_ht_cents
    return ht + vat_amount(ht, vat_rule_for_departement(provider.departement or "").rate_bp)


def payment_link_url(ctx: Context, dossier: Dossier) -> str | None:
    """The address of the open online-payment link of a dossier awaiting payment, if any."""
    if dossier.id is None or not dossier.status.first_payment_due:
        return None
    link = ctx.store.open_payment_link(dossier.id)
    return None if link is None else ctx.payments.link_url(link.token)


def open_payment_link(ctx: Context, dossier: Dossier) -> str | None:
    """A fresh online-payment link for the amount due (replaces an earlier one), when the
    payment gateway takes payments online; its address, or ``None``."""
    if dossier.id is None:
        return None
    token = ctx.payments.open_link(dossier.id, dossier.amount_due_cents)
    if token is None:
        return None
    ctx.store.insert_payment_link(token, dossier.id, dossier.amount_due_cents, ctx.now())
    ctx.event("payment.link_opened", dossier, {"token": token})
    return ctx.payments.link_url(token)


def payment_deadline(ctx: Context) -> datetime:
    """The end (23:59:59, Paris) of the last day of the payment window."""
    last_day = paris_date(ctx.now()) + timedelta(days=ctx.settings.payment.deadline_days)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=PARIS)


def format_deadline(at: datetime) -> str:
    """``samedi 1er mars 2026``: the day in Paris, as French letters write it."""
    return long_date_fr(at.astimezone(PARIS), plain=True)


class _Unknown(Enum):
    """The payment link of a message context, when the caller has not just opened it."""

    LOOK_UP = "look up"


def message_context(
    ctx: Context,
    dossier: Dossier,
    client: Client | None = None,
    provider: Provider | None = None,
    *,
    link: str | Literal[_Unknown.LOOK_UP] | None = _Unknown.LOOK_UP,
) -> dict[str, Any]:
    """What every client message about a dossier can say.

    ``link`` is the address of the dossier's open payment link when the caller knows it
    (it has just opened it, or knows there is none); otherwise the store is asked.
    """
    client = client or ctx.client(dossier.client_id)
    provider = provider or ctx.provider(dossier.provider_id)
    if link is _Unknown.LOOK_UP:
        link = payment_link_url(ctx, dossier)
    return {
        "client": client,
        "provider": provider,
        "amount_due": format_eur(dossier.amount_due_cents),
        "deadline": format_deadline(dossier.payment_due_at) if dossier.payment_due_at else "",
        "payment_instructions": payment_instructions(provider, dossier, link),
    }


def payment_instructions(provider: Provider, dossier: Dossier, link: str | None = None) -> str:
    """How to pay: the card link when there is one, and the bank details or a contact."""
    lines = []
    if link:
        lines.append(f"Payer en ligne par carte bancaire : {link}")
    if provider.iban:
        bic = f" — BIC {provider.bic}" if provider.bic else ""
        lines.append(
            f"{'Ou par' if link else 'Par'} virement à l'ordre de {provider.name} :\n"
            f"IBAN {_spaced_iban(provider.iban)}{bic}\n"
            f"Référence à indiquer : {dossier.reference}"
        )
    elif not link:
        lines.append(
            f"Pour régler, contactez {provider.name} ({provider.email}) "
            f"en rappelant la référence {dossier.reference}."
        )
    return "\n".join(lines)


def _spaced_iban(iban: str) -> str:
    from stdnum import iban as stdnum_iban

    return str(stdnum_iban.format(iban))


def _read_documents(ctx: Context, answers: DemandeAnswers) -> dict[str, tuple[bytes, str]]:
    docs = {}
    for kind, path in answers.documents.items():
        field = f"documents.{kind}"
        try:
            docs[kind] = (read_piece_file(ctx, path, field=field), Path(path).name)
        except JustificatifRejected as exc:
            raise JustificatifRejected(
                f"{field}: {exc}", field=field, value=exc.value, limit=exc.limit
            ) from None
    return docs


def create_demande(
    ctx: Context,
    answers: DemandeAnswers | dict[str, Any] | str | Path,
    provider_ids: Iterable[int],
    documents: dict[str, tuple[bytes, str]] | None = None,
    *,
    force: bool = False,
) -> tuple[Client, list[Dossier]]:
    """One client, one dossier per chosen provider, each submitted (S1) and notified.

    ``answers`` is a :class:`DemandeAnswers`, a dict of the same shape, or the path of
    an answers file; ``documents`` (kind → ``(bytes, file name)``) replaces the files
    the answers name. A client (same SIREN, or same email and name) who already has an
    open dossier with one of the providers is refused (:class:`DuplicateRequest`)
    unless ``force``.
    """
    answers = _as_answers(answers)
    targets = list(dict.fromkeys(provider_ids))
    if not targets:
        raise InvalidInput(_("Choose at least one provider."), field="to", value=provider_ids)
    docs = documents if documents is not None else _read_documents(ctx, answers)
    vocabulary = ctx.settings.service_vocabulary()
    wanted = check_services(answers.services, vocabulary, field="services")
    client = answers.client.model_copy()
    for kind, (data, name) in docs.items():
        _check_kind(ctx, client, kind)
        ctx.files.check(data, filename=name)
    now = ctx.now()
    with ctx.store.transaction():
        providers = [ctx.provider(pid) for pid in targets]
        for provider in providers:
            problem = provider.agrement_problem(paris_date(now))
            if problem:
                raise AgrementInvalid(provider.id or 0, problem)
        if not force:
            _refuse_duplicate(ctx, client, providers)
        client.created_at = now
        client.id = ctx.store.insert_client(client)
        dossiers = [
            _submit_dossier(
                ctx, answers, client, provider, docs, [vocabulary[c] for c in wanted], now
            )
            for provider in providers
        ]
    return client, dossiers


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _refuse_duplicate(ctx: Context, client: Client, providers: list[Provider]) -> None:
    """Refuse a request from a client (same SIREN, or same email and name) who already
    has an open dossier with one of ``providers``."""
    names = {p.id: p.name for p in providers if p.id is not None}
    found = ctx.store.open_dossiers_of_clients_like(
        list(names), siren=client.siren, email=client.email
    )
    for dossier_id, provider_id, name, siren in found:
        if (client.siren is not None and siren == client.siren) or _same_name(name, client.name):
            dossier = ctx.dossier(dossier_id)
            raise DuplicateRequest(
                dossier_id=dossier_id,
                reference=dossier.reference,
                provider_id=provider_id,
                provider=names[provider_id],
                client=name,
            )


def _as_answers(answers: DemandeAnswers | dict[str, Any] | str | Path) -> DemandeAnswers:
    if isinstance(answers, str | Path):
        return load_answers(answers)
    if isinstance(answers, dict):
        return parse_answers(answers)
    return answers


def _submit_dossier(
    ctx: Context,
    answers: DemandeAnswers,
    client: Client,
    provider: Provider,
    docs: dict[str, tuple[bytes, str]],
    wanted: list[str],
    now: datetime,
) -> Dossier:
    """The dossier of one provider: created, pieces attached, submitted (S1), notified."""
    assert provider.id is not None
    assert client.id is not None
    offer = offer_for(ctx, provider, answers.offers.get(provider.id))
    if offer is None:
        offer = default_offer(ctx, provider)
    dossier = Dossier(
        provider_id=provider.id,
        client_id=client.id,
        status=INITIAL,
        offer_id=offer.id,
        terms=offer,
        created_at=now,
        updated_at=now,
        amount_due_cents=first_payment_cents(offer, provider),
    )
    dossier.id = ctx.store.insert_dossier(dossier)
    ctx.event("dossier.created", dossier, {"client_id": client.id})
    for kind, (data, name) in docs.items():
        attach_file(ctx, dossier, kind, data, name)
    ctx.move(dossier, "submit")
    views = pieces(ctx, dossier, client)
    required = [p for p in views if p.required]
    ctx.notify(
        "new_request",
        "email",
        provider.email,
        reply_to=client.email,  # the provider answers the client by replying
        dossier=dossier,
        client=client,
        provider=provider,
        amount_due=format_eur(dossier.amount_due_cents),
        received=sum(p.state != "missing" for p in required),
        expected=len(required),
        offer=offer,
        wanted=wanted,
        message=answers.message,
    )
    ctx.notify(
        "request_received",
        "email",
        client.email,
        dossier=dossier,
        client=client,
        provider=provider,
        pieces=views,
    )
    return dossier


def accept(ctx: Context, dossier_id: int) -> Dossier:
    """S1 → S2: every piece required before acceptance validated, agrément valid today."""
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        ctx.check_trigger(dossier, "accept")
        provider = ctx.provider(dossier.provider_id)
        problem = provider.agrement_problem(paris_date(ctx.now()))
        if problem:
            raise AgrementInvalid(dossier.provider_id, problem)
        client = ctx.client(dossier.client_id)
        states = ctx.store.current_states(dossier_id)
        missing = {
            kind.kind: states.get(kind.kind, "missing")
            for kind, req in ctx.catalog.applicable(
                company=client.is_company, en_formation=client.en_formation
            )
            if req is Requirement.BEFORE_ACCEPTANCE and states.get(kind.kind) != "validated"
        }
        if missing:
            raise MissingJustificatifs(dossier_id, missing)
        deadline = payment_deadline(ctx)
        was = dossier.status
        ctx.move(dossier, "accept", payment_due_at=deadline, accepted_at=ctx.now())
        # A dossier under review never had a payment link: the one just opened (if the
        # gateway takes payments online) is its only one.
        link = open_payment_link(ctx, dossier)
        _check_way_to_pay(dossier, was, provider, link)
        _notify_client(ctx, dossier, "accepted", client, provider, sms=True, link=link)
    return dossier


def _check_way_to_pay(dossier: Dossier, was: Status, provider: Provider, link: str | None) -> None:
    """Refuse to ask for a payment the client could not make: no link, no bank details.

    Raised inside the transaction, after the move and the link: nothing of them stays,
    and the dossier is still in ``was``."""
    if link is None and not provider.iban:
        assert dossier.id is not None
        raise NoWayToPay(dossier.id, dossier.provider_id, status=was)


def dismiss(ctx: Context, dossier_id: int, reason: str) -> Dossier:
    """S1/S2 → S7. The reason stays internal: the client is told nothing of it."""
    if not reason or not reason.strip():
        raise InvalidInput(
            _("The client is never told why, but a dismissal needs an internal reason."),
            field="reason",
            value=reason,
        )
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        # Payment links are opened only while the first payment is due: a dossier still
        # under review has none to close.
        had_links = dossier.status.first_payment_due
        ctx.move(dossier, "dismiss", dismissal_reason=reason.strip())
        if had_links:
            ctx.store.close_payment_links(dossier_id, "closed", ctx.now())
        _notify_client(ctx, dossier, "dismissed", link=None)
    return dossier


def reactivate(ctx: Context, dossier_id: int) -> Dossier:
    """S8 → S2 with a fresh payment window."""
    with ctx.store.transaction():
        dossier = ctx.dossier(dossier_id)
        was = dossier.status
        ctx.move(dossier, "reactivate", payment_due_at=payment_deadline(ctx))
        # Expiry closed the earlier links: the one just opened is its only one.
        link = open_payment_link(ctx, dossier)
        _check_way_to_pay(dossier, was, ctx.provider(dossier.provider_id), link)
        _notify_client(ctx, dossier, "reactivated", link=link)
    return dossier


def _notify_client(
    ctx: Context,
    dossier: Dossier,
    template: str,
    client: Client | None = None,
    provider: Provider | None = None,
    *,
    sms: bool = False,
    link: str | Literal[_Unknown.LOOK_UP] | None = _Unknown.LOOK_UP,
    **extra: Any,
) -> None:
    context = message_context(ctx, dossier, client, provider, link=link) | extra
    client = context["client"]
    ctx.notify(template, "email", client.email, dossier=dossier, **context)
    if sms and ctx.renderer.has(template, "sms") and is_mobile(client.phone):
        ctx.notify(template, "sms", client.phone, dossier=dossier, **context)
