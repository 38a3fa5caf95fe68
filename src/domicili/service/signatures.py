"""Electronic signature of the contract by both parties (simple signature, one-time codes).

The contract PDF is rendered once when it is sent and kept with its SHA-256; each
signature records who signed, when, the hash it binds and how the code was checked.
A stored contract whose bytes no longer match the hash sent cannot be signed. When
the second party signs, the dossier becomes active and the signed contract gains a
certificate page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

from ..clock import PARIS, paris_date
from ..errors import InvalidInput, SignatureRefused, StoredFileAltered
from ..french import date_fr
from ..i18n import _, ngettext
from ..models import Attachment, Dossier, Signature
from .context import Context
from .dossiers import message_context
from .integrity import signature_digest

__all__ = ["resend_code", "send_contract", "sign", "signature_reminders"]

Party = Literal["client", "provider"]
PARTIES: tuple[Party, ...] = ("client", "provider")


def signing_reference(dossier: Dossier) -> str:
    return f"SIG-{dossier.reference}-{(dossier.contract_sha256 or '')[:12].upper()}"


def _party_contact(ctx: Context, dossier: Dossier, party: Party) -> tuple[str, str, str, str]:
    """(name of the signer, on behalf of, email, phone) for a party."""
    context = message_context(ctx, dossier)
    if party == "client":
        client = context["client"]
        rep = client.representative
        on_behalf = (
            f"la société {client.name} en formation"
            if client.is_company and client.en_formation
            else client.name
            if client.is_company
            else ""
        )
        return rep.full_name, on_behalf, client.email, rep.phone or client.phone
    provider = context["provider"]
    signer = provider.representative or f"{provider.name} (représentant légal)"
    # The person who signs receives the contract, the code and the signed copy.
    return signer, provider.name, provider.representative_email or provider.email, provider.phone


def _issue_code(ctx: Context, dossier: Dossier, party: Party) -> str:
    assert dossier.id is not None
    method = ctx.signatures
    code = method.new_code()
    salt = secrets.token_hex(16)
    ctx.store.set_signature_code(
        dossier.id,
        party,
        salt,
        method.digest(code, ctx.secret.code_key(salt)),
        ctx.now() + timedelta(minutes=method.lifetime_minutes),
        ctx.now(),
    )
    return code


def _send_code(
    ctx: Context,
    dossier: Dossier,
    party: Party,
    template: str,
    attachments: list[Attachment],
    **extra: Any,
) -> None:
    from ..identifiers import is_mobile

    code = _issue_code(ctx, dossier, party)
    signer, _on_behalf, email, phone = _party_contact(ctx, dossier, party)
    context = message_context(ctx, dossier)
    sms_phone = phone if is_mobile(phone) else None
    assert dossier.id is not None
    ctx.store.set_signature_code_channel(dossier.id, party, "sms" if sms_phone else "email")
    common = dict(
        context,
        party=party,
        greeting=signer.removesuffix(" (représentant légal)"),
        code_phone=sms_phone,
        code_minutes=ctx.signatures.lifetime_minutes,
        signing_reference=signing_reference(dossier),
        contract_sha256=dossier.contract_sha256,
        **extra,
    )
    # The code is only in the message delivered now; the outbox keeps a placeholder.
    lost = _(
        "The signature code it carried is not kept, so it is not sent again: "
        "send a new one with `domicili contract resend-code {id} --party "
        "{party}`."
    ).format(id=dossier.id, party=party)
    ctx.notify(
        template,
        "email",
        email,
        dossier=dossier,
        attachments=attachments,
        secret=None if sms_phone else code,  # the email carries the code without a mobile
        withheld_reason=lost,
        **common,
    )
    if sms_phone:
        ctx.notify(
            "signature_code",
            "sms",
            sms_phone,
            dossier=dossier,
            secret=code,
            withheld_reason=lost,
            **common,
        )


def send_contract(
    ctx: Context, dossier: Dossier, *, invoice_number: str, amount_paid: int, invoice_sha256: str
) -> None:
    """Render and keep the contract, then send it to both parties with a code each."""
    from ..documents import render_contract
    from ..french import format_eur
    from .paperwork import contract_data, templates_dir

    assert dossier.id is not None
    pdf = render_contract(contract_data(ctx, dossier), template_dir=templates_dir(ctx))
    stored = ctx.files.put(pdf, filename="contrat.pdf")
    ctx.store.record_blob(stored.sha256, stored.size, stored.content_type, ctx.now())
    ctx.store.update_dossier(dossier.id, contract_sha256=stored.sha256, contract_sent_at=ctx.now())
    dossier.contract_sha256, dossier.contract_sent_at = stored.sha256, ctx.now()
    ctx.event("contract.sent", dossier, {"sha256": stored.sha256})
    contract = Attachment(filename=f"contrat-{dossier.reference}.pdf", sha256=stored.sha256)
    invoice = Attachment(filename=f"facture-{invoice_number}.pdf", sha256=invoice_sha256)
    for party in PARTIES:
        _send_code(
            ctx,
            dossier,
            party,
            "contract_to_sign",
            [contract, invoice] if party == "client" else [contract],
            invoice_number=invoice_number,
            amount_paid=format_eur(amount_paid),
        )


def _named(party: str) -> str:
    """The party as a sentence names it (« le client », « le domiciliataire »)."""
    return _("client") if party == "client" else _("provider")


def resend_code(ctx: Context, dossier_id: int, party_name: str) -> None:
    """A new code for a party (the old one stops working; attempts start again)."""
    party = _check_party(party_name)
    with ctx.store.transaction():
        dossier = _awaiting(ctx, dossier_id)
        if any(s.party == party for s in ctx.store.signatures(dossier_id)):
            raise SignatureRefused(
                _("The {party} has already signed dossier {dossier_id}.").format(
                    party=_named(party), dossier_id=dossier_id
                ),
                dossier_id=dossier_id,
                party=party,
            )
        _send_code(ctx, dossier, party, "signature_reminder", [], sent_on=_sent_on(dossier))
        ctx.event("signature.code_sent", dossier, {"party": party})


def _sent_on(dossier: Dossier) -> str:
    """The day the contract was sent, in Paris: ``1er mars 2026``."""
    sent = dossier.contract_sent_at
    return date_fr(sent.astimezone(PARIS), plain=True) if sent else ""


def _check_party(party: str) -> Party:
    for known in PARTIES:
        if party == known:
            return known
    raise InvalidInput(
        _("Unknown party {party}; use client or provider.").format(party=repr(party)),
        field="party",
        value=party,
    )


def _awaiting(ctx: Context, dossier_id: int) -> Dossier:
    dossier = ctx.dossier(dossier_id)
    if not dossier.status.open_for_signature:
        raise SignatureRefused(
            _("{where}: there is no contract awaiting signature.").format(where=dossier.where),
            dossier_id=dossier_id,
            status=dossier.status,
        )
    return dossier


def sign(
    ctx: Context,
    dossier_id: int,
    party_name: str,
    code: str,
    *,
    document_sha256: str | None = None,
) -> Signature:
    """Record a party's signature after checking its code; the second one activates."""
    party = _check_party(party_name)
    with ctx.store.transaction():
        dossier = _awaiting(ctx, dossier_id)
        if any(s.party == party for s in ctx.store.signatures(dossier_id)):
            raise SignatureRefused(
                _("The {party} has already signed dossier {dossier_id}.").format(
                    party=_named(party), dossier_id=dossier_id
                ),
                dossier_id=dossier_id,
                party=party,
            )
        problem = ctx.provider(dossier.provider_id).agrement_problem(paris_date(ctx.now()))
        if problem:
            # C. com. R123-166-4: no new contract while the agrément is not in force.
            raise SignatureRefused(
                _(
                    "Dossier {dossier_id} cannot be signed: the provider's agrément is not "
                    "in force ({problem})."
                ).format(dossier_id=dossier_id, problem=problem),
                dossier_id=dossier_id,
                party=party,
            )
        sent = dossier.contract_sha256
        if sent is None:
            raise SignatureRefused(
                _("Dossier {dossier_id} has no contract sent for signature.").format(
                    dossier_id=dossier_id
                ),
                dossier_id=dossier_id,
                party=party,
            )
        if document_sha256 is not None and document_sha256.strip().lower() != sent:
            raise SignatureRefused(
                _(
                    "The document presented (SHA-256 {document_sha256}…) is not the contract "
                    "sent ({sent}…); only the contract sent can be signed."
                ).format(document_sha256=document_sha256[:12], sent=sent[:12]),
                dossier_id=dossier_id,
                party=party,
            )
        try:
            ctx.files.read(sent)  # checked against its SHA-256 on every read
        except StoredFileAltered:
            raise SignatureRefused(
                _(
                    "The contract of dossier {dossier_id} was changed after it was sent; it "
                    "cannot be signed."
                ).format(dossier_id=dossier_id),
                dossier_id=dossier_id,
                party=party,
            ) from None
        record = _check_code(ctx, dossier, party, code)
    if record is None:
        raise _wrong_code(ctx, dossier_id, party)
    return record


def _check_code(ctx: Context, dossier: Dossier, party: Party, code: str) -> Signature | None:
    """Inside the transaction: a Signature when the code is right, else None (attempt counted)."""
    assert dossier.id is not None
    method = ctx.signatures
    current = ctx.store.signature_code(dossier.id, party)
    if current is None:
        raise _needs_new_code(
            _("No code was sent to the {party} of dossier {id}").format(
                party=_named(party), id=dossier.id
            ),
            dossier,
            party,
        )
    if current.locked:
        raise _needs_new_code(
            _("The code of the {party} is locked after {max_attempts} wrong attempts").format(
                party=_named(party), max_attempts=method.max_attempts
            ),
            dossier,
            party,
        )
    if current.expires_at <= ctx.now():
        raise _needs_new_code(
            _("The code of the {party} has expired ({lifetime_minutes} minutes)").format(
                party=_named(party), lifetime_minutes=method.lifetime_minutes
            ),
            dossier,
            party,
        )
    if not method.matches(code, ctx.secret.code_key(current.salt), current.code_hash):
        ctx.store.count_code_attempt(dossier.id, party, lock_at=method.max_attempts)
        ctx.event("signature.wrong_code", dossier, {"party": party})
        return None
    from ..identifiers import is_mobile

    signer, on_behalf, email, phone = _party_contact(ctx, dossier, party)
    attempt = current.attempts + 1
    # Codes issued before the channel was recorded went by SMS to a mobile, else by email.
    channel = current.channel or ("sms" if is_mobile(phone) else "email")
    sent = (
        f"par SMS au {_masked(phone)}"
        if channel == "sms"
        else f"par e-mail à {_masked_email(email)}"
    )
    record = Signature(
        dossier_id=dossier.id,
        party=party,
        signer=signer,
        on_behalf_of=on_behalf or None,
        signed_at=ctx.now(),
        document_sha256=dossier.contract_sha256 or "",
        method=method.label,
        email=email,
        phone=phone,
        code_check=f"Code à usage unique vérifié (essai n° {attempt}), envoyé {sent}",
    )
    record.id = ctx.store.insert_signature(record)
    ctx.store.delete_signature_code(dossier.id, party)
    (row,) = [r for r in ctx.store.signatures_of([dossier.id]) if r["id"] == record.id]
    ctx.event(
        "contract.signed",
        dossier,
        {"party": party, "sha256": record.document_sha256, "record": signature_digest(row)},
    )
    if len(ctx.store.signatures(dossier.id)) == len(PARTIES):
        _activate(ctx, dossier)
    return record


def _masked(phone: str) -> str:
    """``+33612345678`` → ``+336••••••78``: enough to recognise, not to reuse."""
    return phone[:4] + "•" * max(0, len(phone) - 6) + phone[-2:]


def _masked_email(email: str) -> str:
    """``camille@atelier.example`` → ``c…@atelier.example``."""
    local, __, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def _needs_new_code(problem: str, dossier: Dossier, party: Party) -> SignatureRefused:
    return SignatureRefused(
        _("{problem}; ask for a new code.").format(problem=problem),
        dossier_id=dossier.id,
        status=dossier.status,
        party=party,
        needs_new_code=True,
    )


def _wrong_code(ctx: Context, dossier_id: int, party: Party) -> SignatureRefused:
    current = ctx.store.signature_code(dossier_id, party)
    max_attempts = ctx.signatures.max_attempts
    if current is not None and current.locked:
        return SignatureRefused(
            _(
                "Wrong code; after {max_attempts} wrong attempts the code is locked: ask for "
                "a new code."
            ).format(max_attempts=max_attempts),
            dossier_id=dossier_id,
            party=party,
            needs_new_code=True,
        )
    left = max_attempts - (current.attempts if current else 0)
    if party == "client":
        text = ngettext(
            "Wrong code for the client of dossier {dossier_id}; {left} attempt left.",
            "Wrong code for the client of dossier {dossier_id}; {left} attempts left.",
            left,
        )
    else:
        text = ngettext(
            "Wrong code for the provider of dossier {dossier_id}; {left} attempt left.",
            "Wrong code for the provider of dossier {dossier_id}; {left} attempts left.",
            left,
        )
    return SignatureRefused(
        text.format(dossier_id=dossier_id, left=left),
        dossier_id=dossier_id,
        party=party,
    )


def _activate(ctx: Context, dossier: Dossier) -> None:
    """Both signed: S3 → S4, the signed contract (with certificate) sent to both."""
    from ..documents import append_signature_page, render_attestation
    from .paperwork import attestation_data, signature_records, templates_dir

    assert dossier.id is not None
    assert dossier.contract_sha256 is not None
    records = signature_records(ctx, dossier)
    signed = append_signature_page(
        ctx.files.read(dossier.contract_sha256), records, dossier.contract_sha256
    )
    stored = ctx.files.put(signed, filename="contrat-signe.pdf")
    ctx.store.record_blob(stored.sha256, stored.size, stored.content_type, ctx.now())
    ctx.move(dossier, "sign", signed_contract_sha256=stored.sha256)
    # Remote onboarding needs two verification measures (CMF R561-5-2); record which.
    ctx.event(
        "dossier.aml_measures",
        dossier,
        {
            "measures": [
                "premier paiement depuis un compte au nom du client",
                "signature électronique du contrat",
            ]
        },
    )
    attestation = render_attestation(
        attestation_data(ctx, dossier), template_dir=templates_dir(ctx)
    )
    att = ctx.files.put(attestation, filename="attestation.pdf")
    ctx.store.record_blob(att.sha256, att.size, att.content_type, ctx.now())
    contract = Attachment(filename=f"contrat-signe-{dossier.reference}.pdf", sha256=stored.sha256)
    certificate = Attachment(
        filename=f"attestation-domiciliation-{dossier.reference}.pdf", sha256=att.sha256
    )
    context = message_context(ctx, dossier)
    start = date_fr(dossier.start_date, plain=True) if dossier.start_date else ""
    for party in PARTIES:
        signer, _on_behalf, email, _phone = _party_contact(ctx, dossier, party)
        ctx.notify(
            "activated",
            "email",
            email,
            dossier=dossier,
            attachments=[contract, certificate] if party == "client" else [contract],
            **dict(
                context,
                party=party,
                start_date=start,
                greeting=signer.removesuffix(" (représentant légal)"),
            ),
        )


def signature_reminders(
    ctx: Context, *, after_each: Callable[[Context], object] | None = None
) -> list[int]:
    """Remind each party that has not signed, on the configured days after sending;
    ``after_each(ctx)`` runs after each dossier's transaction (to deliver its messages)."""
    days = sorted(set(ctx.settings.payment.signature_reminder_days))
    reminded = []
    for candidate in ctx.store.dossiers_awaiting_signature(ctx.provider_scope):
        assert candidate.id is not None
        if candidate.contract_sent_at is None:
            continue
        with ctx.store.transaction():
            # One entry per party reminded.
            reminded += [candidate.id] * _remind_signers(ctx, candidate.id, days)
        if after_each is not None:
            after_each(ctx)
    return reminded


def _remind_signers(ctx: Context, dossier_id: int, days: list[int]) -> int:
    """Remind the parties of one dossier that have not signed; how many were."""
    now = ctx.now()
    dossier = ctx.store.get_dossier(dossier_id)
    if dossier is None or not dossier.status.open_for_signature:
        return 0
    signed = {s.party for s in ctx.store.signatures(dossier_id)}
    assert dossier.contract_sent_at is not None
    reminded = 0
    for party in PARTIES:
        if party in signed:
            continue
        due = [d for d in days if now >= dossier.contract_sent_at + timedelta(days=d)]
        unsent = [d for d in due if not ctx.store.signature_reminder_sent(dossier_id, party, d)]
        if not unsent:
            continue
        for d in unsent:
            ctx.store.record_signature_reminder(dossier_id, party, d, now)
        _send_code(ctx, dossier, party, "signature_reminder", [], sent_on=_sent_on(dossier))
        ctx.event("signature.reminder", dossier, {"party": party})
        reminded += 1
    return reminded
