"""``domicili demo``: the whole story on a fresh database, each step printed.

Every step shows the command a provider's staff would type, then what happened.
The clock is fixed and moved forward so that reminders and expiry happen in seconds.
Each step is one function below, in the order of the story; they only call the facade.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..app import Domicili
from ..clock import FixedClock, clock_from_env, paris_date
from ..config import Settings
from ..errors import DomiciliError
from ..money import format_eur
from ..testing import sample_pdf
from ._demo_data import COMPANY_ANSWERS, OFFERS, PROVIDERS

if TYPE_CHECKING:
    from ..annuaire import SearchResult
    from ..models import Dossier, Provider
    from ..service.payments import PaymentOutcome

__all__ = ["run_demo"]

#: The pieces the client sends, as files of the demo folder.
PIECES = ("identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs")


def _step(title: str, command: str | None = None) -> None:
    click.echo("")
    click.secho(f"▶ {title}", bold=True)
    if command:
        click.secho(f"  $ domicili {command}", fg="cyan")


def _say(text: str) -> None:
    click.echo(f"  {text}")


def _refused(exc: DomiciliError) -> None:
    _say(f"refused (exit 1): {exc}")


def _code(sms: str) -> str:
    """The six-digit code in a signature SMS."""
    found = re.search(r"code de signature .* est (\d{6})", sms)
    assert found is not None, sms
    return found.group(1)


def run_demo(folder: Path | None = None) -> Path:
    """Run the story in ``folder`` (created; must be empty) and return it."""
    folder = _fresh_folder(folder)
    clock = FixedClock(clock_from_env().now())
    db = folder / "domicili.db"
    pieces_dir = _write_pieces(folder / "pieces")
    click.secho(f"domicili demo — database {db}", bold=True)
    settings = Settings()
    # The demo's card payments go through the simulated checkout.
    settings.payment.checkout_url = "https://paiement.example.fr/checkout/{token}"
    with Domicili(db, settings=settings, clock=clock) as app:
        providers = _register_providers(app, clock)
        _publish_offers(app, providers)
        found = _search(app)
        mine, other = _request(app, found, pieces_dir)
        names = {p.id: p.name for p in providers}
        _review(app, mine, names[mine.provider_id], pieces_dir)
        _decide(app, mine, other, names)
        _sweeps(app, clock, mine)
        paid = _pay(app, mine)
        _sign(app, mine)
        _documents(app, folder, mine, paid, clock)
        _held_payment(app, mine)
        _outbox_and_audit(app)
    click.echo("")
    click.secho(f"Done. Explore it: domicili --db {db} dossier show {mine.id}", bold=True)
    return folder


def _fresh_folder(folder: Path | None) -> Path:
    if folder is None:
        return Path(tempfile.mkdtemp(prefix="domicili-demo-", dir=Path.cwd()))
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise click.UsageError(f"{folder} is not empty; the demo needs a fresh folder.")
    return folder


def _write_pieces(pieces_dir: Path) -> Path:
    """One small PDF per piece, and the second proof of address sent later."""
    pieces_dir.mkdir()
    for name in (*PIECES, "justificatif_domicile-v2"):
        (pieces_dir / f"{name}.pdf").write_bytes(sample_pdf(f"Piece : {name}"))
    return pieces_dir


def _register_providers(app: Domicili, clock: FixedClock) -> list[Provider]:
    _step(
        "Three domiciliataires register with their agrément and the places they serve",
        "provider add --name 'Seine Sièges' --siren 552100554 … --serves 92 --serves 75",
    )
    providers = [app.add_provider(**p) for p in PROVIDERS]
    for p in providers:
        _say(
            f"#{p.id} {p.name} — {p.city} ({p.departement}), serves "
            f"{', '.join(p.departements)}; agrément n° {p.agrement_numero}: "
            + (
                p.agrement_problem(paris_date(clock.now()))
                or f"valid until {p.agrement_expires:%d/%m/%Y}"
            )
        )
    return providers


def _publish_offers(app: Domicili, providers: list[Provider]) -> None:
    _step("They publish their offers", "offer add 1 --name Essentiel --price-ht 29 …")
    for index, offers in OFFERS.items():
        provider_id = providers[index].id
        assert provider_id is not None
        for fields in offers:
            offer = app.add_offer(provider_id, **fields)
            _say(
                f"#{offer.id} {providers[index].name}: {offer.name}, "
                f"{format_eur(offer.price_ht_cents)} HT per {offer.period}, "
                f"{', '.join(offer.services)}"
            )


def _search(app: Domicili) -> list[SearchResult]:
    _step(
        "A client looks for scanned mail in Paris, under 40 € HT a month",
        "annuaire search --departement 75 --service numerisation --max-price 40",
    )
    found = app.search(departement="75", services=["numerisation"], max_price_ht_cents=4000)
    for r in found:
        monthly = format_eur(r.monthly_ht_cents or 0)
        _say(f"#{r.provider_id} {r.name} ({r.city}) — {r.offer_name}: {monthly} HT/month")
    _say("Rhône Sièges neither serves Paris nor holds a valid agrément: never listed")
    return found


def _request(app: Domicili, found: list[SearchResult], pieces_dir: Path) -> tuple[Dossier, Dossier]:
    _step(
        "A company being created sends one request to both, choosing an offer",
        "demande create --answers demande.yaml --to 1 --to 2",
    )
    answers = dict(
        COMPANY_ANSWERS,
        documents={kind: pieces_dir / f"{kind}.pdf" for kind in PIECES},
        offers={r.provider_id: r.offer_id for r in found if r.offer_id is not None},
    )
    _client, dossiers = app.create_demande(answers, to=[r.provider_id for r in found])
    for d in dossiers:
        _say(
            f"dossier {d.reference} → provider #{d.provider_id}: {d.status.code} "
            f"{d.status.label}, first payment {format_eur(d.amount_due_cents)} TTC"
        )
    mine, other = dossiers[0], dossiers[1]
    assert mine.id is not None
    assert other.id is not None
    return mine, other


def _review(app: Domicili, mine: Dossier, provider_name: str, pieces_dir: Path) -> None:
    assert mine.id is not None
    _step(
        f"{provider_name} reviews the pieces: the proof of address is too old",
        f"justificatif review {mine.id} --validate identite --validate statuts "
        "--validate beneficiaires_effectifs --invalidate justificatif_domicile='…'",
    )
    app.review(
        mine.id,
        validate=["identite", "statuts", "beneficiaires_effectifs"],
        invalidate={"justificatif_domicile": "Facture de plus de 3 mois"},
    )
    _say("the client received a recap listing every piece and the reason")

    _step(
        "Accepting now is refused: a required piece is not validated",
        f"dossier accept {mine.id}",
    )
    try:
        app.accept(mine.id)
    except DomiciliError as exc:
        _refused(exc)

    _step(
        "The client sends a new proof of address; it is validated",
        f"justificatif add {mine.id} justificatif_domicile domicile-v2.pdf",
    )
    app.add_justificatif(
        mine.id, "justificatif_domicile", pieces_dir / "justificatif_domicile-v2.pdf"
    )
    app.review(mine.id, validate=["justificatif_domicile"])
    _say("revision 2 validated; revision 1 stays in the file")


def _decide(app: Domicili, mine: Dossier, other: Dossier, names: dict[int | None, str]) -> None:
    assert mine.id is not None
    assert other.id is not None
    _step(f"{names[mine.provider_id]} accepts the dossier", f"dossier accept {mine.id}")
    accepted = app.accept(mine.id)
    _say(
        f"{accepted.status.code} {accepted.status.label}; "
        f"pay {format_eur(accepted.amount_due_cents)} by "
        f"{accepted.payment_due_at:%d/%m/%Y}"
        if accepted.payment_due_at
        else ""
    )

    _step(
        f"{names[other.provider_id]} closes its dossier sans suite (the reason stays internal)",
        f"dossier dismiss {other.id} --reason 'Capacité d'accueil atteinte'",
    )
    app.dismiss(other.id, "Capacité d'accueil atteinte")
    _say("the client is told the request is closed — never why")


def _sweeps(app: Domicili, clock: FixedClock, mine: Dossier) -> None:
    assert mine.id is not None
    _step("Five days later, the daily sweep sends a payment reminder", "sweep")
    clock.advance(days=5)
    report = app.sweep()
    _say(f"{len(report.reminders)} reminder(s), {len(report.expired)} expired")

    _step("Running the sweep again changes nothing", "sweep")
    report = app.sweep()
    _say(f"{len(report.reminders)} reminder(s), {len(report.expired)} expired")

    _step("No payment by the deadline: the sweep expires the dossier", "sweep")
    clock.advance(days=4)
    report = app.sweep()
    _say(
        f"{len(report.reminders)} reminder(s), {len(report.expired)} expired "
        f"— dossier {mine.reference} is now S8 Expiré"
    )

    _step(
        "The client calls back; the provider reactivates with a fresh window",
        f"dossier reactivate {mine.id}",
    )
    again = app.reactivate(mine.id)
    if again.payment_due_at:
        _say(f"{again.status.code} {again.status.label}; pay by {again.payment_due_at:%d/%m/%Y}")


def _checkout_token(app: Domicili, dossier_id: int) -> str:
    """The card-payment token of the newest link the client received by email."""
    links = [
        (m.id or 0, found.group(1))
        for m in app.outbox(dossier_id=dossier_id)
        if m.channel == "email" and (found := re.search(r"/checkout/(pl_\w+)", m.body))
    ]
    assert links, "no payment link was sent"
    return max(links)[1]


def _pay(app: Domicili, mine: Dossier) -> PaymentOutcome:
    assert mine.id is not None
    token = _checkout_token(app, mine.id)
    _step(
        "The client's card is refused: told at once how to retry",
        f"payment simulate {token} --fail",
    )
    _say(app.simulate_checkout(token, succeed=False).message)

    _step(
        "The client pays by card: invoice issued, contract sent to both parties",
        f"payment simulate {token} --succeed",
    )
    paid = app.simulate_checkout(token, succeed=True)
    _say(paid.message)

    _step(
        "Paying the same link again is refused: no double charge",
        f"payment simulate {token} --succeed",
    )
    try:
        app.simulate_checkout(token, succeed=True)
    except DomiciliError as exc:
        _refused(exc)
    return paid


def _sign(app: Domicili, mine: Dossier) -> None:
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
    _step(
        "The client mistypes the code received by SMS, then signs",
        f"contract sign {mine.id} --party client --otp {client_code}",
    )
    try:
        app.sign(mine.id, "client", "000000" if client_code != "000000" else "111111")
    except DomiciliError as exc:
        _refused(exc)
    signed = app.sign(mine.id, "client", client_code)
    _say(
        f"signed by {signed.signer} for {signed.on_behalf_of}; "
        f"document SHA-256 {signed.document_sha256[:16]}…"
    )

    _step(
        "The provider signs: the domiciliation is active",
        f"contract sign {mine.id} --party provider --otp {provider_code}",
    )
    app.sign(mine.id, "provider", provider_code)
    active = app.get_dossier(mine.id).dossier
    _say(
        f"{active.status.code} {active.status.label} since {active.start_date:%d/%m/%Y}"
        if active.start_date
        else active.status.label
    )


def _documents(
    app: Domicili, folder: Path, mine: Dossier, paid: PaymentOutcome, clock: FixedClock
) -> None:
    assert mine.id is not None
    _step(
        "The documents, as the provider and the client receive them",
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
        _say(f"{folder / name} ({len(data) // 1024} KB)")
    for inv in app.list_invoices():
        _say(
            f"invoice {inv.number}: {format_eur(inv.total_ht_cents)} HT + "
            f"{format_eur(inv.total_vat_cents)} TVA = {format_eur(inv.total_ttc_cents)} "
            "TTC, Factur-X (EN 16931) embedded"
        )

    today = paris_date(clock.now())
    _step(
        "The month's invoices for the accountant",
        f"invoice export --year {today.year} --month {today.month} -o comptabilite",
    )
    export = app.export_invoices(folder / "comptabilite", year=today.year, month=today.month)
    _say(f"{export.invoices} PDF(s) and {export.summary.name} in {export.folder}")


def _held_payment(app: Domicili, mine: Dossier) -> None:
    assert mine.id is not None
    _step(
        "The client pays twice: the second transfer is kept for review, then refunded",
        f"payment record {mine.id} --method transfer; payment list --status held; "
        "payment refund ID --reference R",
    )
    twice = app.record_payment(mine.id, method="transfer", reference="VIR-2026-0318")
    assert twice.outcome == "held"
    assert twice.payment_id is not None
    _say(f"held payment {twice.payment_id}: {twice.message}")
    refunded = app.refund_held_payment(twice.payment_id, "REMB-2026-0001")
    _say(f"payment {refunded.id} refunded by the bank (reference {refunded.refund_reference})")


def _outbox_and_audit(app: Domicili) -> None:
    _step("Every message went through the outbox", "outbox list")
    for m in app.outbox():
        subject = m.subject or m.body[:70]
        _say(f"#{m.id:<2} {m.channel:<5} {m.to:<34} {subject}")
    _say(f"(files in {app.outbox_dir})")

    _step("The audit log and every record against it are intact", "audit verify; audit head")
    audit = app.verify_audit()
    _say(
        f"{audit.events} events, keyed by the secret outside the database, and every "
        f"invoice, status, signature and stored file checked: {'OK' if audit.ok else 'ALTERED'}"
    )
    head = app.audit_head()
    _say(f"head to keep elsewhere: {head['event_id']}:{head['hash']}")
