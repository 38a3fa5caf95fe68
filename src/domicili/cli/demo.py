"""``domicili demo``: the whole story on a fresh database, each step printed.

Every step shows the command a provider's staff would type, then what happened, in the
language of the command (French by default, English with ``DOMICILI_LANG=en``); dates
are written one way, ``15/01/2024``. The clock is fixed and moved forward so that
reminders and expiry happen in seconds. Each step is one function below, in the order
of the story; they only call the facade.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..app import Domicili
from ..clock import FixedClock, clock_from_env, paris_date
from ..config import Settings
from ..errors import DomiciliError
from ..french import format_eur
from ..i18n import _
from ..testing import sample_pdf
from ._demo_billing import running_month
from ._demo_data import COMPANY_ANSWERS, OFFERS, PROVIDERS
from ._demo_mail import mailbox_day
from ._demo_payment import documents, held_payment, outbox_and_audit, pay, sign
from ._demo_talk import PRICES, day, refused, say, services, status, step

if TYPE_CHECKING:
    from ..annuaire import SearchResult
    from ..models import Dossier, Provider
    from ..service.sweep import SweepReport

__all__ = ["run_demo"]

#: The pieces the client sends, as files of the demo folder.
PIECES = ("identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs")


def run_demo(folder: Path | None = None) -> Path:
    """Run the story in ``folder`` (created; must be empty) and return it."""
    folder = _fresh_folder(folder)
    clock = FixedClock(clock_from_env().now())
    db = folder / "domicili.db"
    pieces_dir = _write_pieces(folder / "pieces")
    click.secho(_("domicili demo — database {db}").format(db=db), bold=True)
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
        paid = pay(app, mine)
        sign(app, mine)
        documents(app, folder, mine, paid, clock)
        held_payment(app, mine)
        running_month(app, clock, folder, mine)
        with Domicili(db, settings=settings, clock=clock, provider=mine.provider_id) as desk:
            mailbox_day(app, desk, folder, mine, other)
        outbox_and_audit(app)
    click.echo("")
    click.secho(
        _("Done. Explore it: domicili --db {db} dossier show {dossier_id}").format(
            db=db, dossier_id=mine.id
        ),
        bold=True,
    )
    return folder


def _fresh_folder(folder: Path | None) -> Path:
    if folder is None:
        return Path(tempfile.mkdtemp(prefix="domicili-demo-", dir=Path.cwd()))
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise click.UsageError(
            _("{folder} is not empty; the demo needs an empty folder.").format(folder=folder)
        )
    return folder


def _write_pieces(pieces_dir: Path) -> Path:
    """One small PDF per piece, and the second proof of address sent later."""
    pieces_dir.mkdir()
    for name in (*PIECES, "justificatif_domicile-v2"):
        (pieces_dir / f"{name}.pdf").write_bytes(sample_pdf(f"Piece : {name}"))
    return pieces_dir


def _register_providers(app: Domicili, clock: FixedClock) -> list[Provider]:
    step(
        _("Three domiciliataires register with their agrément and the places they serve"),
        "provider add --name 'Seine Sièges' --siren 552100554 … --serves 92 --serves 75",
    )
    providers = [app.add_provider(**p) for p in PROVIDERS]
    for p in providers:
        state = p.agrement_problem(paris_date(clock.now())) or _("valid until {day}").format(
            day=day(p.agrement_expires)
        )
        say(
            _(
                "#{id} {name} — {city} ({departement}), serves {departements}; "
                "agrément n° {numero}: {state}"
            ).format(
                id=p.id,
                name=p.name,
                city=p.city,
                departement=p.departement,
                departements=", ".join(p.departements),
                numero=p.agrement_numero,
                state=state,
            )
        )
    return providers


def _publish_offers(app: Domicili, providers: list[Provider]) -> None:
    step(_("They publish their offers"), "offer add 1 --name Essentiel --price-ht 29 …")
    for index, offers in OFFERS.items():
        provider_id = providers[index].id
        assert provider_id is not None
        for fields in offers:
            offer = app.add_offer(provider_id, **fields)
            price = _(PRICES[offer.period]).format(price=format_eur(offer.price_ht_cents))
            say(
                _("#{id} {provider}: {offer}, {price}; {services}").format(
                    id=offer.id,
                    provider=providers[index].name,
                    offer=offer.name,
                    price=price,
                    services=services(offer.services),
                )
            )


def _search(app: Domicili) -> list[SearchResult]:
    step(
        _("A client looks for scanned mail in Paris, under 40 € excl. VAT a month"),
        "annuaire search --departement 75 --service numerisation --max-price 40",
    )
    found = app.search(departement="75", services=["numerisation"], max_price_ht_cents=4000)
    for r in found:
        monthly = _(PRICES["month"]).format(price=format_eur(r.monthly_ht_cents or 0))
        say(
            _("#{id} {name} ({city}) — {offer}: {price}").format(
                id=r.provider_id, name=r.name, city=r.city, offer=r.offer_name, price=monthly
            )
        )
    say(_("Rhône Sièges neither serves Paris nor holds a valid agrément: never listed"))
    return found


def _request(app: Domicili, found: list[SearchResult], pieces_dir: Path) -> tuple[Dossier, Dossier]:
    step(
        _("A company being formed sends one request to both, choosing an offer"),
        "demande create --answers demande.yaml --to 1 --to 2",
    )
    answers = dict(
        COMPANY_ANSWERS,
        documents={kind: pieces_dir / f"{kind}.pdf" for kind in PIECES},
        offers={r.provider_id: r.offer_id for r in found if r.offer_id is not None},
    )
    _client, dossiers = app.create_demande(answers, to=[r.provider_id for r in found])
    for d in dossiers:
        say(
            _(
                "dossier {reference} → provider #{provider_id}: {status}, "
                "first payment {amount} incl. VAT"
            ).format(
                reference=d.reference,
                provider_id=d.provider_id,
                status=status(d),
                amount=format_eur(d.amount_due_cents),
            )
        )
    mine, other = dossiers[0], dossiers[1]
    assert mine.id is not None
    assert other.id is not None
    return mine, other


def _review(app: Domicili, mine: Dossier, provider_name: str, pieces_dir: Path) -> None:
    assert mine.id is not None
    step(
        _("{provider} reviews the pieces: the proof of address is too old").format(
            provider=provider_name
        ),
        f"justificatif review {mine.id} --validate identite --validate statuts "
        "--validate beneficiaires_effectifs --invalidate justificatif_domicile='…'",
    )
    app.review(
        mine.id,
        validate=["identite", "statuts", "beneficiaires_effectifs"],
        invalidate={"justificatif_domicile": "Facture de plus de 3 mois"},
    )
    say(_("the client received a recap listing every piece and the reason"))

    step(
        _("Accepting now is refused: a required piece is not validated"),
        f"dossier accept {mine.id}",
    )
    try:
        app.accept(mine.id)
    except DomiciliError as exc:
        refused(exc)

    step(
        _("The client sends a new proof of address; it is validated"),
        f"justificatif add {mine.id} justificatif_domicile domicile-v2.pdf",
    )
    app.add_justificatif(
        mine.id, "justificatif_domicile", pieces_dir / "justificatif_domicile-v2.pdf"
    )
    app.review(mine.id, validate=["justificatif_domicile"])
    say(_("revision 2 validated; revision 1 stays in the dossier"))


def _decide(app: Domicili, mine: Dossier, other: Dossier, names: dict[int | None, str]) -> None:
    assert mine.id is not None
    assert other.id is not None
    step(
        _("{provider} accepts the dossier").format(provider=names[mine.provider_id]),
        f"dossier accept {mine.id}",
    )
    accepted = app.accept(mine.id)
    assert accepted.payment_due_at is not None
    say(
        _("{status}; {amount} to pay by {day}").format(
            status=status(accepted),
            amount=format_eur(accepted.amount_due_cents),
            day=day(accepted.payment_due_at),
        )
    )

    step(
        _("{provider} closes its dossier sans suite (the reason stays internal)").format(
            provider=names[other.provider_id]
        ),
        f"dossier dismiss {other.id} --reason 'Capacité d’accueil atteinte'",
    )
    app.dismiss(other.id, "Capacité d’accueil atteinte")
    say(_("the client is told the request is closed — never why"))


def _sweeps(app: Domicili, clock: FixedClock, mine: Dossier) -> None:
    assert mine.id is not None
    clock.advance(days=5)
    step(
        _("Five days later ({day}), the daily sweep sends a payment reminder").format(
            day=day(clock.now())
        ),
        "sweep",
    )
    say(_swept(app.sweep()))

    step(_("Running the sweep again changes nothing"), "sweep")
    say(_swept(app.sweep()))

    clock.advance(days=4)
    step(
        _("No payment by the deadline: on {day} the sweep expires the dossier").format(
            day=day(clock.now())
        ),
        "sweep",
    )
    say(_swept(app.sweep()))
    say(
        _("dossier {reference} is now {status}").format(
            reference=mine.reference, status=status(app.get_dossier(mine.id).dossier)
        )
    )

    step(
        _("The client calls back; the provider reactivates with a fresh window"),
        f"dossier reactivate {mine.id}",
    )
    again = app.reactivate(mine.id)
    assert again.payment_due_at is not None
    say(_("{status}; to pay by {day}").format(status=status(again), day=day(again.payment_due_at)))


def _swept(report: SweepReport) -> str:
    return _("reminders sent: {reminders}, dossiers expired: {expired}").format(
        reminders=len(report.reminders), expired=len(report.expired)
    )
