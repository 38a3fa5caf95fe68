"""The second half of ``domicili demo``: payment, signature, documents, a held payment,
the outbox and the audit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import FixedClock, paris_date
from ..errors import DomiciliError
from ..french import format_eur
from ..i18n import _, ngettext
from ._demo_data import COMPANY_ANSWERS
from ._demo_talk import day, refused, say, status, step

if TYPE_CHECKING:
    from ..app import Domicili
    from ..models import Dossier
    from ..service.payments import PaymentOutcome

__all__ = ["documents", "held_payment", "outbox_and_audit", "pay", "sign"]


def _code(sms: str) -> str:
    """The six-digit code in a signature SMS."""
    found = re.search(r"code de signature .* est (\d{6})", sms)
    assert found is not None, sms
    return found.group(1)


def _checkout_token(app: Domicili, dossier_id: int) -> str:
    """The token that ends the card-payment link the client was sent (``dossier show``)."""
    link = app.get_dossier(dossier_id).payment_link
    assert link is not None, "no payment link was sent"
    return link.rsplit("/", 1)[1]


def pay(app: Domicili, mine: Dossier) -> PaymentOutcome:
    assert mine.id is not None
    token = _checkout_token(app, mine.id)
    step(
        _("The client's card is refused: told at once how to retry"),
        f"payment simulate {token} --fail",
    )
    say(app.simulate_checkout(token, succeed=False).message)

    step(
        _("The client pays by card: invoice issued, contract sent to both parties"),
        f"payment simulate {token} --succeed",
    )
    paid = app.simulate_checkout(token, succeed=True)
    say(paid.message)

    step(
        _("Paying the same link again is refused: no double charge"),
        f"payment simulate {token} --succeed",
    )
    try:
        app.simulate_checkout(token, succeed=True)
    except DomiciliError as exc:
        refused(exc)
    return paid


def sign(app: Domicili, mine: Dossier) -> None:
    assert mine.id is not None
    # The codes as the phones received them: the SMS files of the outbox folder (the
    # outbox table keeps a placeholder instead of each code).
    codes = {
        m.to: next(app.outbox_dir.glob(f"{m.id:06d}-sms-*")).read_text(encoding="utf-8")
        for m in app.outbox(dossier_id=mine.id)
        if m.template == "signature_code"
    }
    client_phone = "+33612345678"
    client_code = _code(codes[client_phone])
    provider_code = _code(next(body for to, body in codes.items() if to != client_phone))
    step(
        _("The client mistypes the code received by SMS, then signs"),
        f"contract sign {mine.id} --party client --otp {client_code}",
    )
    try:
        app.sign(mine.id, "client", "000000" if client_code != "000000" else "111111")
    except DomiciliError as exc:
        refused(exc)
    signed = app.sign(mine.id, "client", client_code)
    say(
        _(
            "signed by {signer} for {client}, a company being formed; "
            "SHA-256 of the document {sha256}…"
        ).format(
            signer=signed.signer,
            client=COMPANY_ANSWERS["client"]["name"],
            sha256=signed.document_sha256[:16],
        )
    )

    step(
        _("The provider signs: the domiciliation is active"),
        f"contract sign {mine.id} --party provider --otp {provider_code}",
    )
    app.sign(mine.id, "provider", provider_code)
    active = app.get_dossier(mine.id).dossier
    assert active.start_date is not None
    say(_("{status} since {day}").format(status=status(active), day=day(active.start_date)))


def documents(
    app: Domicili, folder: Path, mine: Dossier, paid: PaymentOutcome, clock: FixedClock
) -> None:
    assert mine.id is not None
    step(
        _("The documents, as the provider and the client receive them"),
        f"invoice pdf {paid.invoice_number} -o facture.pdf; contract signed {mine.id} "
        f"-o contrat-signe.pdf; attestation render {mine.id} -o attestation.pdf",
    )
    papers = {
        f"facture-{paid.invoice_number}.pdf": app.invoice_pdf(paid.invoice_number or ""),
        f"contrat-signe-{mine.reference}.pdf": app.signed_contract(mine.id),
        f"attestation-{mine.reference}.pdf": app.render_attestation(mine.id),
    }
    for name, data in papers.items():
        (folder / name).write_bytes(data)
        say(_("{path} ({size} KB)").format(path=folder / name, size=len(data) // 1024))
    for inv in app.list_invoices():
        say(
            _(
                "invoice {number} of {day}: {ht} excl. VAT + {vat} VAT = {ttc} incl. VAT, "
                "Factur-X (EN 16931) embedded"
            ).format(
                number=inv.number,
                day=day(inv.issue_date),
                ht=format_eur(inv.total_ht_cents),
                vat=format_eur(inv.total_vat_cents),
                ttc=format_eur(inv.total_ttc_cents),
            )
        )

    today = paris_date(clock.now())
    step(
        _("The month's invoices for the accountant"),
        f"invoice export --year {today.year} --month {today.month} -o comptabilite",
    )
    export = app.export_invoices(folder / "comptabilite", year=today.year, month=today.month)
    say(
        ngettext(
            "{count} PDF and {summary} in {folder}",
            "{count} PDFs and {summary} in {folder}",
            export.invoices,
        ).format(count=export.invoices, summary=export.summary.name, folder=export.folder)
    )


def held_payment(app: Domicili, mine: Dossier) -> None:
    assert mine.id is not None
    step(
        _("The client pays twice: the second transfer is kept for review, then refunded"),
        f"payment record {mine.id} --method transfer; payment list --status held; "
        "payment refund ID --reference R",
    )
    twice = app.record_payment(mine.id, method="transfer", reference="VIR-2026-0318")
    assert twice.outcome == "held"
    assert twice.payment_id is not None
    say(
        _("held payment {payment_id}: {message}").format(
            payment_id=twice.payment_id, message=twice.message
        )
    )
    refunded = app.refund_held_payment(twice.payment_id, "REMB-2026-0001")
    say(
        _("payment {payment_id} refunded by the bank (reference {reference})").format(
            payment_id=refunded.id, reference=refunded.refund_reference
        )
    )


def outbox_and_audit(app: Domicili) -> None:
    step(_("Every message went through the outbox"), "outbox list")
    for m in app.outbox():
        subject = m.subject or m.body[:70]
        say(f"#{m.id:<2} {m.channel:<5} {m.to:<34} {subject}")
    say(_("(files in {folder})").format(folder=app.outbox_dir))

    step(_("The audit log and every record against it are intact"), "audit verify; audit head")
    audit = app.verify_audit()
    say(
        (
            _(
                "{events} events, keyed by the secret outside the database, and every "
                "invoice, status, signature and stored file checked: OK"
            )
            if audit.ok
            else _(
                "{events} events, keyed by the secret outside the database, and every "
                "invoice, status, signature and stored file checked: ALTERED"
            )
        ).format(events=audit.events)
    )
    head = app.audit_head()
    say(_("head to keep elsewhere: {head}").format(head=f"{head['event_id']}:{head['hash']}"))
