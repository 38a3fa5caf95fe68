"""The public API as an embedding application sees it: every result has its real type.

Written as an integrator would, importing from ``domicili`` (and its ``testing``
fakes) only. ``mypy --strict tests/typing/api.py`` checks the types: a result typed
``Any``, or typed otherwise than below, fails it. ``tests/unit/test_public_api.py``
runs the file, so the values are checked too.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TypeVar, assert_type

import domicili
from domicili import (
    AuditReport,
    Client,
    DatabaseInfo,
    DeliveryReport,
    Departement,
    Domicili,
    DomiciliError,
    Dossier,
    DossierDetails,
    DossierNotFound,
    ExportReport,
    ImportReport,
    InvalidIdentifier,
    InvalidInput,
    InvalidTransition,
    Invoice,
    JustificatifRevision,
    MissingJustificatifs,
    NotFound,
    Offer,
    OutboxMessage,
    Payment,
    PaymentEvent,
    PaymentGateway,
    PaymentNotFound,
    PaymentOutcome,
    PaymentRefused,
    PieceView,
    Provider,
    ProviderNotFound,
    Refused,
    Region,
    SearchResult,
    Signature,
    Status,
    SweepReport,
)
from domicili.testing import FakePayments, RecordingNotifier, make_app, sample_answers, sample_pdf

E = TypeVar("E", bound=DomiciliError)
CLIENT_PHONE, PROVIDER_PHONE = "+33612345678", "+33670000000"

IMPORTED = (
    "name,legal_form,siren,agrement_numero,agrement_prefecture,agrement_date,address,"
    "postcode,city,email,phone\n"
    "Sud Sièges,SAS,812345676,13-2022-001,Préfecture des Bouches-du-Rhône,2022-05-01,"
    "1 La Canebière,13001,Marseille,contact@sud.fr,04 91 00 00 00\n"
)


def register(app: Domicili) -> int:
    """A provider, its bank details and an offer; the directory lists it."""
    provider = app.add_provider(
        name="Lumière Domiciliation",
        legal_form="SAS",
        siren="732829320",
        representative="Claire Martin",
        agrement_numero="2024-075-0042",
        agrement_prefecture="Préfecture de police de Paris",
        agrement_date=date(2024, 1, 15),
        address="10 rue de Rivoli",
        postcode="75004",
        city="Paris",
        email="contact@lumiere-domiciliation.fr",
        phone="06 70 00 00 00",
        services=["domiciliation", "numerisation"],
    )
    assert_type(provider, Provider)
    assert provider.id is not None
    provider_id: int = provider.id
    updated = app.update_provider(
        provider_id, iban="FR76 3000 6000 0112 3456 7890 189", bic="AGRIFRPP"
    )
    assert_type(updated, Provider)
    assert updated.iban == "FR7630006000011234567890189"
    offer = app.add_offer(
        provider_id,
        name="Courrier scanné",
        price_ht_cents=3900,
        period="month",
        services=["domiciliation", "numerisation"],
        setup_fee_cents=5000,
    )
    assert_type(offer, Offer)
    assert offer.is_default
    assert_type(app.get_provider(provider_id), Provider)
    assert_type(app.list_providers(), list[Provider])
    assert_type(app.iter_providers(limit=10), Iterator[Provider])
    assert [p.id for p in app.iter_providers(before=provider_id + 1)] == [provider_id]
    assert_type(app.list_offers(provider_id), list[Offer])

    found = app.search(departement="75", services=["numerisation"], max_price_ht_cents=4000)
    assert_type(found, list[SearchResult])
    assert [(r.provider_id, r.offer_id) for r in found] == [(provider_id, offer.id)]
    assert_type(app.listed_provider_ids("75"), list[int])
    assert_type(app.regions(), list[Region])
    assert_type(Domicili.departements("11"), list[Departement])
    return provider_id


def request_and_review(app: Domicili, provider_id: int) -> int:
    """One request; its pieces sent, reviewed and the dossier accepted (S2)."""
    pair = app.create_demande(sample_answers(), to=[provider_id])
    assert_type(pair, tuple[Client, list[Dossier]])
    _client, (dossier,) = pair
    assert dossier.id is not None
    dossier_id: int = dossier.id
    assert_type(dossier.status, Status)
    assert dossier.status is Status.PENDING_REVIEW

    pieces = app.justificatifs(dossier_id)
    assert_type(pieces, list[PieceView])
    required = [p.kind for p in pieces if p.required]
    try:
        app.accept(dossier_id)
    except MissingJustificatifs as exc:  # a Refused: one sentence naming the pieces
        missing = exc.problems
    else:
        raise AssertionError("accepted while required pieces are missing")
    assert set(missing) == set(required)
    for kind in required:
        view = app.add_justificatif(dossier_id, kind, sample_pdf(kind), f"{kind}.pdf")
        assert_type(view, PieceView)
        assert view.state == "submitted"
    received = app.justificatif_file(dossier_id, "identite")
    assert_type(received, tuple[JustificatifRevision, bytes])
    assert received[1].startswith(b"%PDF")
    reviewed = app.review(dossier_id, validate=required)
    assert_type(reviewed, list[PieceView])

    accepted = app.accept(dossier_id)
    assert_type(accepted, Dossier)
    assert accepted.status is Status.AWAITING_PAYMENT
    assert_type(app.list_dossiers(status="S2"), list[Dossier])
    assert [d.id for d in app.list_dossiers(status=Status.AWAITING_PAYMENT)] == [dossier_id]
    newest_first = app.iter_dossiers(limit=50, before=dossier_id + 1)
    assert_type(newest_first, Iterator[Dossier])
    assert next(newest_first).id == dossier_id
    assert app.list_dossiers(before=dossier_id) == []
    details = app.get_dossier(dossier_id)
    assert_type(details, DossierDetails)
    assert_type(details.dossier, Dossier)
    assert details.as_dict()["status_code"] == "S2"
    return dossier_id


def texted(notifier: RecordingNotifier) -> dict[str, str]:
    """The last signature code each phone received by SMS."""
    codes = {}
    for message in notifier.sent:
        found = re.search(r"code de signature .* est (\d{6})", message.body)
        if message.channel == "sms" and found:
            codes[message.to] = found.group(1)
    return codes


def pay_and_sign(app: Domicili, notifier: RecordingNotifier, dossier_id: int) -> str:
    """The first payment (invoice, contract sent), then both signatures (S4)."""
    report = app.sweep()
    assert_type(report, SweepReport)
    assert_type(report.expired, list[int])
    outcome = app.record_payment(dossier_id, method="transfer", reference="VIR-42")
    assert_type(outcome, PaymentOutcome)
    assert outcome.outcome == "applied"
    assert_type(outcome.invoice_number, str | None)
    assert outcome.invoice_number is not None
    assert_type(app.list_payments(dossier_id=dossier_id), list[Payment])
    assert_type(app.iter_payments(status="succeeded", limit=1), Iterator[Payment])
    stray = PaymentEvent(
        adapter="virement",
        event_id="evt-1",
        kind="succeeded",
        dossier_id=None,
        amount_cents=100,
        method="transfer",
    )
    kept = app.handle_payment_event(stray)  # names no dossier: held, never lost
    assert (kept.outcome, kept.dossier_id) == ("held", None)
    assert kept.payment_id is not None
    assert [p.id for p in app.list_payments(status="held")] == [kept.payment_id]
    refunded = app.refund_held_payment(kept.payment_id, "RMB-2026-0001")
    assert_type(refunded, Payment)
    assert (refunded.status, refunded.refund_reference) == ("refunded", "RMB-2026-0001")

    codes = texted(notifier)
    signature = app.sign(dossier_id, "client", codes[CLIENT_PHONE])
    assert_type(signature, Signature)
    app.resend_code(dossier_id, "provider")  # "send me a new code"
    app.sign(dossier_id, "provider", texted(notifier)[PROVIDER_PHONE])
    assert_type(app.signatures(dossier_id), list[Signature])
    assert app.get_dossier(dossier_id).dossier.status is Status.ACTIVE
    assert_type(app.signed_contract(dossier_id), bytes)
    assert_type(app.render_contract(dossier_id), bytes)
    assert app.render_attestation(dossier_id).startswith(b"%PDF")
    return outcome.invoice_number


def invoices_and_records(app: Domicili, dossier_id: int, number: str, folder: Path) -> None:
    """Invoices, the accountant's export, a bulk import, the outbox and the audit log."""
    invoice = app.get_invoice(number)
    assert_type(invoice, Invoice)
    assert_type(app.list_invoices(year=invoice.issue_date.year), list[Invoice])
    assert_type(app.iter_invoices(limit=1, before=invoice.id), Iterator[Invoice])
    assert app.invoice_pdf(number).startswith(b"%PDF")
    next_one = app.issue_invoice(dossier_id, period_start=date(2026, 6, 1))
    assert_type(next_one, Invoice)
    assert_type(app.credit_note(next_one.number, "Erreur sur la période"), Invoice)
    export = app.export_invoices(folder / "export", year=invoice.issue_date.year)
    assert_type(export, ExportReport)
    assert export.invoices == 3

    (folder / "annuaire.csv").write_text(IMPORTED, encoding="utf-8")
    imported = app.import_providers(folder / "annuaire.csv")
    assert_type(imported, ImportReport)
    assert imported.created == 1

    messages = app.outbox(dossier_id=dossier_id)
    assert_type(messages, list[OutboxMessage])
    assert_type(app.iter_outbox(status="sent", limit=5), Iterator[OutboxMessage])
    assert [m.id for m in app.outbox(dossier_id=dossier_id, limit=2)] == [
        m.id for m in messages[:2]
    ]
    assert_type(app.deliver(), DeliveryReport)
    audit = app.verify_audit()
    assert_type(audit, AuditReport)
    assert audit.ok
    info = app.info()
    assert_type(info, DatabaseInfo)
    assert_type(info["schema_version"], int)
    assert_type(info["dossiers"], dict[str, int])


def refused(error: type[E], call: Callable[[], object]) -> E:
    """The error of class ``error`` that ``call`` raises (fails if it raises none)."""
    try:
        call()
    except error as exc:
        return exc
    raise AssertionError(f"{error.__name__} expected")


def refusals(app: Domicili, provider_id: int, dossier_id: int) -> None:
    """Errors are caught by their class; each is a DomiciliError and a builtin."""
    not_found = refused(DossierNotFound, lambda: app.get_dossier(999))
    assert_type(not_found, DossierNotFound)
    assert isinstance(not_found, NotFound)
    assert isinstance(not_found, LookupError)
    wrong = refused(InvalidIdentifier, lambda: app.update_provider(provider_id, siren="123456789"))
    assert isinstance(wrong, InvalidInput)
    assert isinstance(wrong, ValueError)
    assert wrong.field == "siren"
    again = refused(InvalidTransition, lambda: app.accept(dossier_id))  # already active
    assert isinstance(again, Refused)
    empty = refused(InvalidInput, lambda: app.dismiss(dossier_id, " "))
    assert empty.field == "reason"
    unknown = refused(DomiciliError, lambda: app.suspend_provider(provider_id + 100))
    assert isinstance(unknown, ProviderNotFound)
    suspended = app.suspend_provider(provider_id, "Contrôle en cours")
    assert_type(suspended, Provider)
    assert suspended.suspended
    assert_type(app.resume_provider(provider_id), Provider)


def a_gateway_of_our_own() -> None:
    """An application that receives its payment service's webhooks itself."""
    fake = FakePayments(name="banque")
    app, _clock, _notifier = make_app(payments=fake)
    with app:
        assert_type(app.payment_gateway, PaymentGateway)
        assert app.payment_gateway is fake
        dossier_id = request_and_review(app, register(app))
        (link,) = fake.links
        assert link.dossier_id == dossier_id
        fake.script(fake.event(None, link.amount_cents, external_id="virement-1"))
        outcome = app.receive_webhook(b"{}", {"X-Banque-Signature": "ok"})
        assert_type(outcome, PaymentOutcome)
        assert outcome.outcome == "held"  # the transfer named no dossier
        assert outcome.payment_id is not None
        applied = app.apply_held_payment(outcome.payment_id, dossier_id)
        assert_type(applied, PaymentOutcome)
        assert (applied.outcome, applied.dossier_id) == ("applied", dossier_id)
        missing = refused(PaymentNotFound, lambda: app.refund_held_payment(999, "RMB-1"))
        assert_type(missing.payment_id, object)
        assert isinstance(missing, NotFound)
        fake.script(PaymentRefused("Webhook refused: unsigned."))
        assert refused(PaymentRefused, lambda: app.receive_webhook(b"", {})).dossier_id is None


def main() -> None:
    a_gateway_of_our_own()
    app, _clock, notifier = make_app()
    assert_type(app, Domicili)
    assert_type(domicili.Status.ACTIVE.code, str)
    with app, tempfile.TemporaryDirectory() as tmp:
        provider_id = register(app)
        dossier_id = request_and_review(app, provider_id)
        number = pay_and_sign(app, notifier, dossier_id)
        invoices_and_records(app, dossier_id, number, Path(tmp))
        refusals(app, provider_id, dossier_id)


if __name__ == "__main__":
    main()
