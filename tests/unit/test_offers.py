"""Offers: publishing them, the default one, and the first payment a request asks for."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from domicili.config import PricingSettings, Settings
from domicili.errors import InvalidInput, OfferNotFound, ProviderNotFound
from domicili.models import Offer, Provider
from domicili.money import vat_rule_for_departement
from domicili.service.dossiers import default_offer, first_payment_cents
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def app() -> Any:
    app, _clock, _notifier = make_app(start=START)
    try:
        yield app
    finally:
        app.close()


def add(app: Any, seed: int = 1, **overrides: Any) -> int:
    provider = app.add_provider(**sample_provider(seed, **overrides))
    return int(provider.id)


def publish(app: Any, provider_id: int, euros: float, **fields: Any) -> Offer:
    fields.setdefault("name", f"Offre {euros:g}")
    return app.add_offer(provider_id, price_ht_cents=round(euros * 100), **fields)


def request(app: Any, *providers: int, **answers: Any) -> list[Any]:
    _client, dossiers = app.create_demande({**sample_answers(), **answers}, to=list(providers))
    return dossiers


# ------------------------------------------------------------------------ publishing


def test_first_offer_published_is_the_default(app: Any) -> None:
    provider_id = add(app)
    first = publish(app, provider_id, 29)
    second = publish(app, provider_id, 39)
    assert first.is_default
    assert not second.is_default
    assert [(o.id, o.is_default) for o in app.list_offers(provider_id)] == [
        (first.id, True),
        (second.id, False),
    ]


def test_a_new_default_offer_replaces_the_previous_one(app: Any) -> None:
    provider_id = add(app)
    first = publish(app, provider_id, 29)
    second = publish(app, provider_id, 39, is_default=True)
    assert [(o.id, o.is_default) for o in app.list_offers(provider_id)] == [
        (first.id, False),
        (second.id, True),
    ]


def test_default_flags_are_kept_per_provider(app: Any) -> None:
    one, two = add(app, 1), add(app, 2)
    first = publish(app, one, 29)
    publish(app, two, 30, is_default=True)
    assert app.list_offers(one)[0].id == first.id
    assert app.list_offers(one)[0].is_default


def test_offer_keeps_what_was_published(app: Any) -> None:
    provider_id = add(app)
    published = publish(
        app,
        provider_id,
        90,
        name="Trimestre scan",
        period="quarter",
        commitment_months=6,
        services=["domiciliation", "numerisation", "domiciliation"],
        setup_fee_cents=5000,
    )
    (stored,) = app.list_offers(provider_id)
    assert stored == published
    assert stored.services == ["domiciliation", "numerisation"]
    assert (stored.price_ht_cents, stored.period, stored.commitment_months) == (9000, "quarter", 6)
    assert stored.setup_fee_cents == 5000
    assert stored.created_at == START


def test_offers_services_default_to_domiciliation(app: Any) -> None:
    assert publish(app, add(app), 29).services == ["domiciliation"]


def test_list_offers_of_one_provider_or_of_all(app: Any) -> None:
    one, two = add(app, 1), add(app, 2)
    a = publish(app, one, 29)
    b = publish(app, two, 31)
    c = publish(app, one, 49)
    assert [o.id for o in app.list_offers(one)] == [a.id, c.id]
    assert [o.id for o in app.list_offers(two)] == [b.id]
    assert [o.id for o in app.list_offers()] == [a.id, c.id, b.id]


def test_list_offers_of_an_unknown_provider_is_refused(app: Any) -> None:
    with pytest.raises(ProviderNotFound):
        app.list_offers(42)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price_ht_cents": 0}, "price_ht_cents"),
        ({"price_ht_cents": -100}, "price_ht_cents"),
        ({"commitment_months": 2}, "commitment_months"),
        ({"period": "week"}, "period"),
        ({"setup_fee_cents": -1}, "setup_fee_cents"),
        ({"name": " "}, "name"),
        ({"services": ["domiciliation", "coworking"]}, "service"),
    ],
)
def test_bad_offer_is_refused_and_nothing_published(
    app: Any, fields: dict[str, Any], field: str
) -> None:
    provider_id = add(app)
    events = len(app.store.events())
    with pytest.raises(InvalidInput) as info:
        app.add_offer(provider_id, **{"name": "Offre", "price_ht_cents": 2900, **fields})
    assert info.value.field == field
    assert app.list_offers(provider_id) == []
    assert len(app.store.events()) == events


def test_offer_for_an_unknown_provider_is_refused(app: Any) -> None:
    with pytest.raises(ProviderNotFound):
        app.add_offer(7, name="Offre", price_ht_cents=2900)
    assert app.list_offers() == []


@pytest.mark.parametrize(
    ("price", "period", "monthly"),
    [
        (2900, "month", 2900),
        (9000, "quarter", 3000),
        (10000, "quarter", 3333),
        (30000, "year", 2500),
    ],
)
def test_monthly_price_compares_offers_of_any_period(price: int, period: str, monthly: int) -> None:
    offer = Offer(provider_id=1, name="Offre", price_ht_cents=price, period=period)
    assert offer.monthly_ht_cents == monthly
    assert offer.first_payment_ht_cents == price


# --------------------------------------------------------- the offer a request picks


def test_request_uses_the_providers_default_offer(app: Any) -> None:
    provider_id = add(app)
    publish(app, provider_id, 29, setup_fee_cents=5000)
    default = publish(app, provider_id, 39, is_default=True)
    (dossier,) = request(app, provider_id)
    assert dossier.offer_id == default.id
    assert dossier.amount_due_cents == 4680  # 39 € + 20 %


def test_request_uses_the_offer_chosen_in_the_answers(app: Any) -> None:
    one, two = add(app, 1), add(app, 2)
    publish(app, one, 29)
    chosen = publish(app, one, 90, period="quarter", setup_fee_cents=5000)
    default_two = publish(app, two, 35)
    first, second = request(app, one, two, offers={one: chosen.id})
    assert (first.offer_id, first.amount_due_cents) == (chosen.id, 16800)  # (90 + 50) × 1.2
    assert (second.offer_id, second.amount_due_cents) == (default_two.id, 4200)
    assert [d.amount_due_cents for d in app.list_dossiers()] == [4200, 16800]  # newest first


def test_offers_chosen_in_an_answers_file_are_read(app: Any, tmp_path: Path) -> None:
    provider_id = add(app)
    publish(app, provider_id, 29)
    chosen = publish(app, provider_id, 300, period="year")
    answers = tmp_path / "demande.yaml"
    answers.write_text(
        yaml.safe_dump({**sample_answers(), "offers": {provider_id: chosen.id}}), encoding="utf-8"
    )
    _client, (dossier,) = app.create_demande(answers, to=[provider_id])
    assert dossier.offer_id == chosen.id
    assert dossier.amount_due_cents == 36000


def test_an_offer_of_another_provider_is_refused_and_nothing_written(app: Any) -> None:
    one, two = add(app, 1), add(app, 2)
    publish(app, one, 29)
    foreign = publish(app, two, 19)
    events = len(app.store.events())
    with pytest.raises(OfferNotFound):
        request(app, one, offers={one: foreign.id})
    assert app.list_dossiers() == []
    assert len(app.store.events()) == events


def test_first_payment_is_first_period_plus_setup_fee_with_vat(app: Any) -> None:
    provider_id = add(app)
    publish(app, provider_id, 300, period="year", setup_fee_cents=4990)
    (dossier,) = request(app, provider_id)
    assert dossier.amount_due_cents == 41988  # (300 + 49,90) × 1.2


@pytest.mark.parametrize(
    ("postcode", "departement", "amount"),
    [
        ("75004", "75", 12000),
        ("20000", "2A", 12000),
        ("97110", "971", 10850),
        ("97200", "972", 10850),
        ("97400", "974", 10850),
        ("97300", "973", 10000),
        ("97600", "976", 10000),
    ],
)
def test_vat_follows_the_providers_departement(
    app: Any, postcode: str, departement: str, amount: int
) -> None:
    provider_id = add(app, postcode=postcode)
    assert app.get_provider(provider_id).departement == departement
    publish(app, provider_id, 100)
    (dossier,) = request(app, provider_id)
    assert dossier.amount_due_cents == amount


def test_vat_follows_the_seat_not_the_departements_served(app: Any) -> None:
    provider_id = add(app, postcode="97400", departements=["974", "976"])
    publish(app, provider_id, 100)
    (dossier,) = request(app, provider_id)
    assert dossier.amount_due_cents == 10850


def test_vat_is_rounded_half_up_to_the_cent() -> None:
    provider = Provider.model_validate(
        {**sample_provider(1, postcode="97400"), "departement": "974"}
    )
    offer = Offer(provider_id=1, name="Offre", price_ht_cents=100)  # 8.5 cents of VAT
    assert first_payment_cents(offer, provider) == 109
    assert vat_rule_for_departement("976").exemption_mention is not None


def test_provider_without_offer_uses_the_implicit_offer(app: Any) -> None:
    provider_id = add(app)
    (dossier,) = request(app, provider_id)
    assert dossier.offer_id is None
    assert dossier.amount_due_cents == 12600  # 35 € HT × 3 months + 20 %


def test_implicit_offer_is_billed_by_quarter_from_pricing_settings() -> None:
    settings = Settings(pricing=PricingSettings(monthly_price_ht="40,50", commitment_months=12))
    app, _clock, _notifier = make_app(start=START, settings=settings)
    try:
        provider = app.get_provider(add(app))
        offer = default_offer(app.ctx, provider)
        assert (offer.period, offer.price_ht_cents, offer.commitment_months) == (
            "quarter",
            12150,
            12,
        )
        assert offer.services == ["domiciliation"]
        (dossier,) = request(app, provider.id)
        assert dossier.amount_due_cents == 14580
    finally:
        app.close()


def test_implicit_offer_overseas_takes_the_local_vat(app: Any) -> None:
    guyane, reunion = add(app, 1, postcode="97300"), add(app, 2, postcode="97400")
    first, second = request(app, guyane, reunion)
    assert first.amount_due_cents == 10500
    assert second.amount_due_cents == 11393  # 105 € + 8,925 € rounded half up


def test_amount_due_is_what_the_provider_is_told(app: Any) -> None:
    provider_id = add(app)
    publish(app, provider_id, 29, setup_fee_cents=5000)
    mark = len(app.outbox())
    request(app, provider_id)
    (to_provider,) = [m for m in app.outbox()[mark:] if m.template == "new_request"]
    assert "94,80\u00a0€" in to_provider.body


def test_documents_of_a_request_are_stored_once_and_attached_to_each_dossier(app: Any) -> None:
    one, two, three = add(app, 1), add(app, 2), add(app, 3)
    identite = sample_pdf("identite Camille Durand")
    docs = {"identite": (identite, "identite.pdf"), "statuts": (sample_pdf("statuts"), "s.pdf")}
    _client, dossiers = app.create_demande(sample_answers(), to=[one, two, three], documents=docs)
    stored = {
        p.relative_to(app.ctx.files.root) for p in app.ctx.files.root.rglob("*") if p.is_file()
    }
    assert len(stored) == 2
    (blobs,) = app.store.execute("SELECT count(*) FROM blobs")[0]
    assert blobs == 2
    hashes = {}
    for dossier in dossiers:
        revisions = app.store.latest_revisions(dossier.id)
        assert set(revisions) == {"identite", "statuts"}
        for kind, revision in revisions.items():
            hashes.setdefault(kind, set()).add(revision.sha256)
            assert revision.state == "submitted"
    assert all(len(found) == 1 for found in hashes.values())
    assert app.ctx.files.read(next(iter(hashes["identite"]))) == identite


def test_same_provider_twice_gets_one_dossier(app: Any) -> None:
    provider_id = add(app)
    assert len(request(app, provider_id, provider_id)) == 1
