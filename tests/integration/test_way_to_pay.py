"""A dossier is accepted (or reactivated) only when its client has a way to pay: the
provider's bank details, or a card-payment link; otherwise refused, saying what to set."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.config import Settings
from domicili.errors import NoWayToPay, Refused
from domicili.i18n import speaking
from domicili.statuses import Status
from domicili.testing import (
    FakePayments,
    make_app,
    sample_answers,
    sample_pdf,
    sample_provider,
)

if TYPE_CHECKING:
    from conftest import Cli, World
    from domicili.app import Domicili
    from domicili.clock import FixedClock
    from domicili.testing import RecordingNotifier

IBAN = "FR76 3000 6000 0112 3456 7890 189"
CHECKOUT = "https://paiement.example.fr/checkout/{token}"


def _ready_dossier(world: World, **provider: object) -> tuple[int, int]:
    provider_id = world.provider(iban=None, **provider)
    (dossier_id,) = world.demande(provider_id)
    world.ready(dossier_id)
    return provider_id, dossier_id


def test_no_iban_and_no_link_refuses_the_acceptance_and_changes_nothing(
    file_world: World,
) -> None:
    app = file_world.app
    provider_id, dossier_id = _ready_dossier(file_world)
    before = app.get_dossier(dossier_id)
    sent = len(file_world.notifier.sent)
    with pytest.raises(NoWayToPay) as caught:
        app.accept(dossier_id)
    err = caught.value
    assert isinstance(err, Refused)
    assert (err.dossier_id, err.provider_id, err.status) == (
        dossier_id,
        provider_id,
        Status.PENDING_REVIEW,
    )
    assert "IBAN" in str(err)
    assert "checkout_url" in str(err)
    after = app.get_dossier(dossier_id)
    assert after.dossier.status == Status.PENDING_REVIEW
    assert after.dossier.payment_due_at is None
    assert [e.type for e in after.events] == [e.type for e in before.events]
    assert after.payment_link is None
    assert len(file_world.notifier.sent) == sent
    assert app.verify_audit().ok

    app.update_provider(provider_id, iban=IBAN)
    assert app.accept(dossier_id).status == Status.AWAITING_PAYMENT


def test_the_refusal_reads_in_french(file_world: World) -> None:
    _provider_id, dossier_id = _ready_dossier(file_world)
    with speaking("fr"), pytest.raises(NoWayToPay) as caught:
        file_world.app.accept(dossier_id)
    assert str(caught.value) == (
        f"Le dossier {dossier_id} ne laisserait au client aucun moyen de payer : le "
        f"domiciliataire {caught.value.provider_id} n’a pas de coordonnées bancaires et les "
        "liens de paiement par carte ne sont pas activés. Renseignez l’IBAN (et le BIC) du "
        "domiciliataire, ou réglez checkout_url dans la section [payment] des réglages."
    )


def _ready_elsewhere(
    world: World, seed: int, **adapters: Any
) -> tuple[Domicili, FixedClock, RecordingNotifier, int]:
    """Another facade on the world's database (its own settings or gateway), with a
    provider without bank details and one of its dossiers ready to accept."""
    db, files = world.app.store.location, world.app.data_dir
    app, clock, notifier = make_app(db, files=files, **adapters)
    provider_id = app.add_provider(**sample_provider(seed, iban=None)).id
    assert provider_id is not None
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider_id])
    assert dossier.id is not None
    kinds = [p.kind for p in app.justificatifs(dossier.id) if p.required]
    for kind in kinds:
        app.add_justificatif(dossier.id, kind, sample_pdf(kind), f"{kind}.pdf")
    app.review(dossier.id, validate=kinds)
    return app, clock, notifier, dossier.id


def _with_links() -> Settings:
    settings = Settings()
    settings.payment.checkout_url = CHECKOUT
    return settings


def test_a_card_link_alone_is_a_way_to_pay_and_dossier_show_gives_it(file_world: World) -> None:
    app, _clock, notifier, dossier_id = _ready_elsewhere(file_world, 7, settings=_with_links())
    try:
        app.accept(dossier_id)
        details = app.get_dossier(dossier_id)
        assert details.payment_link is not None
        assert details.payment_link.startswith("https://paiement.example.fr/checkout/pl_")
        assert details.as_dict()["payment_link"] == details.payment_link
        (accepted,) = [
            m for m in notifier.sent if m.template == "accepted" and m.channel == "email"
        ]
        assert details.payment_link in accepted.body
        # Paid: no link to show any more.
        app.record_payment(dossier_id, method="transfer")
        assert app.get_dossier(dossier_id).payment_link is None
    finally:
        app.close()


def test_a_gateway_that_opens_no_link_needs_bank_details(file_world: World) -> None:
    app, _clock, _notifier, dossier_id = _ready_elsewhere(
        file_world, 8, payments=FakePayments(online=False)
    )
    try:
        with pytest.raises(NoWayToPay):
            app.accept(dossier_id)
        provider_id = app.get_dossier(dossier_id).dossier.provider_id
        app.update_provider(provider_id, iban=IBAN)
        assert app.accept(dossier_id).status == Status.AWAITING_PAYMENT
        assert app.get_dossier(dossier_id).payment_link is None
    finally:
        app.close()


def test_a_reactivation_with_no_way_to_pay_left_is_refused(file_world: World) -> None:
    """Accepted while card links were enabled; the links are switched off before the
    client calls back: reactivating would leave the client no way to pay."""
    app, clock, _notifier, dossier_id = _ready_elsewhere(file_world, 9, settings=_with_links())
    try:
        app.accept(dossier_id)
        clock.advance(days=8)
        assert app.sweep().expired == [dossier_id]
        later = clock.now() + timedelta(hours=1)
    finally:
        app.close()
    db, files = file_world.app.store.location, file_world.app.data_dir
    plain, _clock, _notifier = make_app(db, files=files, start=later)
    try:
        with pytest.raises(NoWayToPay) as caught:
            plain.reactivate(dossier_id)
        assert caught.value.status == Status.EXPIRED
        assert plain.get_dossier(dossier_id).dossier.status == Status.EXPIRED
    finally:
        plain.close()


def test_the_command_refuses_with_the_sentence_and_exit_1(cli: Cli, societe_answers: Path) -> None:
    fields = sample_provider(1)
    del fields["iban"]
    argv: list[object] = ["provider", "add"]
    for name, value in fields.items():
        argv += [f"--{name.replace('_', '-')}", value]
    cli.ok(*argv)
    cli.ok("demande", "create", "--answers", societe_answers, "--to", 1)
    cli.ok("justificatif", "review", 1, *[a for k in REQUIRED for a in ("--validate", k)])
    refused = cli("dossier", "accept", 1)
    assert refused.exit_code == 1, refused.output
    assert "no way to pay" in refused.output
    assert "checkout_url" in refused.output
    assert "(`domicili provider update 1 --iban …`)." in refused.output
    assert cli.json("dossier", "show", 1)["status_code"] == "S1"


REQUIRED = ("identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs")
