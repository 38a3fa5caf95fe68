"""Requests, acceptance and dismissal through the facade, over fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from domicili.config import PaymentSettings, Settings
from domicili.errors import (
    AgrementInvalid,
    InvalidInput,
    InvalidTransition,
    MissingJustificatifs,
    ProviderNotFound,
)
from domicili.models import add_years
from domicili.statuses import Status
from domicili.testing import make_app, sample_answers, sample_provider

if TYPE_CHECKING:
    from conftest import World

REASON = "Soupçon de montage frauduleux — signalement interne 4471"


def snapshot(world: World) -> tuple[object, ...]:
    """Everything a refused operation must leave as it was."""
    app = world.app
    dossiers = [d.model_dump() for d in app.list_dossiers()]
    return (
        dossiers,
        [e.model_dump() for e in app.store.events()],
        [m.model_dump() for m in app.outbox()],
        len(world.notifier.sent),
        [[p.as_dict() for p in app.justificatifs(d["id"])] for d in dossiers],
    )


# -- requests ------------------------------------------------------------------------


def test_one_request_makes_one_client_and_one_dossier_per_provider_in_s1(world: World) -> None:
    first, second = world.provider(), world.provider()
    client, dossiers = world.app.create_demande(sample_answers(), to=[first, second])
    assert [d.provider_id for d in dossiers] == [first, second]
    assert {d.client_id for d in dossiers} == {client.id}
    for d in dossiers:
        assert d.id is not None
        assert world.app.get_dossier(d.id).dossier.status is Status.PENDING_REVIEW
    providers = {world.app.get_provider(p).email for p in (first, second)}
    new_requests = [m for m in world.notifier.sent if m.template == "new_request"]
    assert {m.to for m in new_requests} == providers
    confirmations = [m for m in world.notifier.sent if m.template == "request_received"]
    assert [m.dossier_id for m in confirmations] == [d.id for d in dossiers]
    assert {m.to for m in confirmations} == {"camille@atelier.example"}


def test_request_sent_twice_to_the_same_provider_makes_one_dossier(world: World) -> None:
    provider = world.provider()
    _client, dossiers = world.app.create_demande(sample_answers(), to=[provider, provider])
    assert len(dossiers) == 1


def test_request_without_provider_is_refused_naming_the_field(world: World) -> None:
    with pytest.raises(InvalidInput, match="Choose at least one provider") as caught:
        world.app.create_demande(sample_answers(), to=[])
    assert caught.value.field == "to"


def test_request_to_an_unknown_provider_creates_nothing(world: World) -> None:
    provider = world.provider()
    before = snapshot(world)
    with pytest.raises(ProviderNotFound, match="99"):
        world.app.create_demande(sample_answers(), to=[provider, 99])
    assert snapshot(world) == before


def test_request_to_a_provider_whose_agrement_expired_creates_nothing(world: World) -> None:
    good = world.provider()
    expired = world.provider(agrement_date="2019-03-01")
    before = snapshot(world)
    with pytest.raises(AgrementInvalid, match="expired on 01/03/2025"):
        world.app.create_demande(sample_answers(), to=[good, expired])
    assert snapshot(world) == before
    assert world.app.store.get_client(1) is None


# -- acceptance ----------------------------------------------------------------------


def test_accept_refused_naming_every_missing_piece(world: World) -> None:
    (dossier_id,) = world.demande()
    with pytest.raises(MissingJustificatifs) as caught:
        world.app.accept(dossier_id)
    expected = {"identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"}
    assert caught.value.problems == dict.fromkeys(expected, "missing")
    for kind in expected:
        assert kind in str(caught.value)


def test_accept_refused_while_pieces_are_only_submitted(world: World) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id)
    with pytest.raises(MissingJustificatifs) as caught:
        world.app.accept(dossier_id)
    assert set(caught.value.problems.values()) == {"submitted"}


def test_accept_refused_while_identite_invalidated(world: World) -> None:
    (dossier_id,) = world.demande()
    kinds = world.send_pieces(dossier_id)
    world.app.review(
        dossier_id,
        validate=[k for k in kinds if k != "identite"],
        invalidate={"identite": "Copie illisible"},
    )
    before = snapshot(world)
    with pytest.raises(MissingJustificatifs, match=r"identite \(invalidated\)") as caught:
        world.app.accept(dossier_id)
    assert caught.value.problems == {"identite": "invalidated"}
    assert snapshot(world) == before


def test_company_en_formation_is_accepted_without_its_kbis(world: World) -> None:
    (dossier_id,) = world.demande(kind="company", en_formation=True)
    world.ready(dossier_id)
    assert "kbis" not in world.required(dossier_id)
    assert world.app.accept(dossier_id).status is Status.AWAITING_PAYMENT


@pytest.mark.parametrize("kind", ["individual", "company"])
def test_registered_business_is_not_accepted_without_its_kbis(world: World, kind: str) -> None:
    (dossier_id,) = world.demande(kind=kind, en_formation=False)
    kinds = [k for k in world.required(dossier_id) if k != "kbis"]
    world.app.review(dossier_id, validate=world.send_pieces(dossier_id, kinds))
    with pytest.raises(MissingJustificatifs) as caught:
        world.app.accept(dossier_id)
    assert caught.value.problems == {"kbis": "missing"}
    world.ready(dossier_id)
    assert world.app.accept(dossier_id).status is Status.AWAITING_PAYMENT


def test_accept_refused_when_the_agrement_is_seven_years_old(world: World) -> None:
    provider = world.provider()
    (dossier_id,) = world.demande(provider)
    world.ready(dossier_id)
    world.app.update_provider(provider, agrement_date=date(2019, 3, 2))
    before = snapshot(world)
    with pytest.raises(AgrementInvalid, match="expired on 02/03/2025") as caught:
        world.app.accept(dossier_id)
    assert caught.value.provider_id == provider
    assert snapshot(world) == before


def test_agrement_stops_allowing_acceptance_on_its_sixth_anniversary(world: World) -> None:
    today = date(2026, 3, 2)
    provider = world.provider(agrement_date=date(2020, 3, 3))
    assert world.app.get_provider(provider).agrement_expires == date(2026, 3, 3)
    first, second = world.demande(provider), world.demande(provider)
    world.ready(first[0])
    world.ready(second[0])
    world.app.accept(first[0])  # 2 March: last valid day
    world.clock.advance(days=1)
    assert add_years(date(2020, 3, 3), 6) == today + timedelta(days=1)
    with pytest.raises(AgrementInvalid, match="expired on 03/03/2026"):
        world.app.accept(second[0])


def test_accept_refused_for_a_suspended_provider(world: World) -> None:
    provider = world.provider()
    (dossier_id,) = world.demande(provider)
    world.ready(dossier_id)
    world.app.suspend_provider(provider, "Contrôle en cours")
    before = snapshot(world)
    with pytest.raises(AgrementInvalid, match="suspended"):
        world.app.accept(dossier_id)
    assert snapshot(world) == before


def test_accept_sets_the_deadline_at_the_end_of_the_seventh_day_in_paris(world: World) -> None:
    (dossier_id,) = world.demande()
    world.ready(dossier_id)
    accepted_at = world.clock.now()
    dossier = world.app.accept(dossier_id)
    stored = world.app.get_dossier(dossier_id).dossier
    # 2 March 10:00 in Paris → 9 March 23:59:59 in Paris (UTC+1).
    assert stored.payment_due_at == datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC)
    assert dossier.payment_due_at == stored.payment_due_at
    assert stored.accepted_at == accepted_at
    assert stored.status is Status.AWAITING_PAYMENT


def test_deadline_counts_days_in_paris_not_in_utc(world: World) -> None:
    (dossier_id,) = world.demande()
    world.ready(dossier_id)
    world.clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # already 3 March in Paris
    world.app.accept(dossier_id)
    due = world.app.get_dossier(dossier_id).dossier.payment_due_at
    assert due == datetime(2026, 3, 10, 22, 59, 59, tzinfo=UTC)


def test_deadline_after_the_change_to_summer_time_is_still_midnight_in_paris(
    world: World,
) -> None:
    (dossier_id,) = world.demande()
    world.ready(dossier_id)
    world.clock.set(datetime(2026, 3, 25, 9, 0, tzinfo=UTC))
    world.app.accept(dossier_id)
    due = world.app.get_dossier(dossier_id).dossier.payment_due_at
    assert due == datetime(2026, 4, 1, 21, 59, 59, tzinfo=UTC)  # UTC+2 from 29 March


def test_payment_window_follows_the_configured_number_of_days() -> None:
    settings = Settings(payment=PaymentSettings(deadline_days=14))
    app, _clock, _notifier = make_app(settings=settings)
    with app:
        provider = app.add_provider(**sample_provider(1))
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        assert dossier.id is not None
        for kind in ("identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"):
            app.add_justificatif(dossier.id, kind, b"%PDF-1.4 " + kind.encode(), f"{kind}.pdf")
        app.review(
            dossier.id,
            validate=["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"],
        )
        accepted = app.accept(dossier.id)
    assert accepted.payment_due_at == datetime(2026, 3, 16, 22, 59, 59, tzinfo=UTC)


def test_acceptance_tells_the_client_the_amount_and_the_deadline_by_email_and_sms(
    world: World,
) -> None:
    (dossier_id,) = world.demande()
    world.ready(dossier_id)
    mark = len(world.notifier.sent)
    world.app.accept(dossier_id)
    sent = world.sent_since(mark)
    assert [(m.template, m.channel) for m in sent] == [("accepted", "email"), ("accepted", "sms")]
    email, sms = sent
    assert email.to == "camille@atelier.example"
    assert sms.to == "+33612345678"
    assert email.subject is not None
    assert "acceptée" in email.subject
    for text in (email.body, sms.body):
        flat = " ".join(text.split())  # no-break spaces become plain ones
        assert "126,00 €" in flat
        assert "lundi 9 mars 2026" in flat


def test_acceptance_sends_no_sms_to_a_landline(world: World) -> None:
    (dossier_id,) = world.demande(phone="01 44 55 66 77")
    world.ready(dossier_id)
    mark = len(world.notifier.sent)
    world.app.accept(dossier_id)
    assert [m.channel for m in world.sent_since(mark)] == ["email"]


def test_accepting_twice_is_refused_as_a_transition(world: World) -> None:
    dossier_id = world.accepted()
    with pytest.raises(InvalidTransition, match=r"is S2 \(Accepté"):
        world.app.accept(dossier_id)


# -- dismissal -----------------------------------------------------------------------


@pytest.mark.parametrize("accepted_first", [False, True], ids=["from S1", "from S2"])
def test_dismissal_reason_never_reaches_the_client(world: World, accepted_first: bool) -> None:
    if accepted_first:
        dossier_id = world.accepted()
    else:
        (dossier_id,) = world.demande()
    mark = len(world.notifier.sent)
    dossier = world.app.dismiss(dossier_id, REASON)
    assert dossier.status is Status.DISMISSED
    assert [m.template for m in world.sent_since(mark)] == ["dismissed"]
    assert world.sent_since(mark)[0].to == "camille@atelier.example"
    for message in [*world.notifier.sent, *world.app.outbox()]:
        text = f"{message.subject or ''}\n{message.body}"
        assert REASON not in text
        assert "4471" not in text
        assert "frauduleux" not in text


def test_dismissal_reason_is_kept_in_the_providers_file(world: World) -> None:
    (dossier_id,) = world.demande()
    world.app.dismiss(dossier_id, f"  {REASON}  ")
    details = world.app.get_dossier(dossier_id)
    assert details.dossier.dismissal_reason == REASON
    assert details.as_dict()["dismissal_reason"] == REASON


@pytest.mark.parametrize("reason", ["", "   "])
def test_dismissal_without_a_reason_is_refused_and_changes_nothing(
    world: World, reason: str
) -> None:
    (dossier_id,) = world.demande()
    before = snapshot(world)
    with pytest.raises(InvalidInput, match="reason") as caught:
        world.app.dismiss(dossier_id, reason)
    assert caught.value.field == "reason"
    assert snapshot(world) == before


def test_dismissal_of_an_expired_dossier_is_refused(world: World) -> None:
    dossier_id = world.accepted()
    world.clock.advance(days=8)
    world.app.sweep()
    with pytest.raises(InvalidTransition, match=r"is S8 \(Expiré\).*reactivate"):
        world.app.dismiss(dossier_id, REASON)


def test_each_decision_is_recorded_as_an_event_with_from_and_to(world: World) -> None:
    dossier_id = world.accepted()
    world.app.dismiss(dossier_id, REASON)
    moves = [
        (e.type, e.data["from"], e.data["to"])
        for e in world.app.get_dossier(dossier_id).events
        if "from" in e.data
    ]
    assert moves == [
        ("dossier.submit", "S0", "S1"),
        ("dossier.accept", "S1", "S2"),
        ("dossier.dismiss", "S2", "S7"),
    ]
