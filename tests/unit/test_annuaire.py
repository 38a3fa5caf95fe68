"""The directory: providers checked against the annuaire, agrément, suspension and search."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from domicili.annuaire import SERVICE_LABELS, SERVICES, check_services, service_labels
from domicili.config import AnnuaireSettings, Settings, load_settings
from domicili.errors import AgrementInvalid, InvalidInput, Refused, UnknownCode
from domicili.models import Provider
from domicili.testing import make_app, sample_answers, sample_provider

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Paris


def add(app: Any, seed: int, **overrides: Any) -> int:
    provider = app.add_provider(**sample_provider(seed, **overrides))
    assert provider.id is not None
    return int(provider.id)


def offer(app: Any, provider_id: int, price_euros: int, **fields: Any) -> int:
    fields.setdefault("name", f"Offre {price_euros}")
    created = app.add_offer(provider_id, price_ht_cents=price_euros * 100, **fields)
    return int(created.id)


def ids(results: list[Any]) -> list[int]:
    return [r.provider_id for r in results]


@pytest.fixture
def app() -> Any:
    app, _clock, _notifier = make_app(start=START)
    try:
        yield app
    finally:
        app.close()


# ----------------------------------------------------------- address against the annuaire


def test_departement_follows_from_the_postcode(app: Any) -> None:
    provider = app.add_provider(**sample_provider(1, postcode="69003", city="Lyon"))
    assert provider.departement == "69"
    assert app.get_provider(provider.id).departement == "69"


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [("20000", "2A"), ("20167", "2A"), ("20200", "2B"), ("20290", "2B")],
)
def test_corsican_postcodes_give_2a_or_2b(app: Any, postcode: str, expected: str) -> None:
    provider = app.add_provider(**sample_provider(1, postcode=postcode, city="Corse"))
    assert provider.departement == expected
    assert provider.departements == [expected]


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [("97110", "971"), ("97200", "972"), ("97300", "973"), ("97400", "974"), ("97600", "976")],
)
def test_overseas_postcodes_give_the_three_digit_departement(
    app: Any, postcode: str, expected: str
) -> None:
    assert app.add_provider(**sample_provider(1, postcode=postcode)).departement == expected


def test_insee_commune_decides_the_departement_of_a_border_commune(app: Any) -> None:
    provider = app.add_provider(
        **sample_provider(1, postcode="04200", city="Le Poët"), insee_commune="05001"
    )
    assert provider.departement == "05"


def test_declared_departement_matching_the_postcode_is_accepted(app: Any) -> None:
    provider = app.add_provider(**sample_provider(1, postcode="20200", departement="2b"))
    assert provider.departement == "2B"


def test_declared_departement_other_than_the_postcode_is_refused(app: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        app.add_provider(**sample_provider(1, postcode="69003", departement="75"))
    assert str(info.value) == "Postcode 69003 is not in département 75 (Paris) but in 69 (Rhône)."
    assert info.value.field == "postcode"
    assert app.list_providers() == []


def test_corsican_postcode_declared_in_the_other_corsica_is_refused(app: Any) -> None:
    with pytest.raises(InvalidInput, match="not in département 2A"):
        app.add_provider(**sample_provider(1, postcode="20200", departement="2A"))


@pytest.mark.parametrize("code", ["99", "20", "975", "2C"])
def test_unknown_declared_departement_is_refused(app: Any, code: str) -> None:
    with pytest.raises(UnknownCode, match=f"Département '{code}' does not exist") as caught:
        app.add_provider(**sample_provider(1, departement=code))
    assert (caught.value.field, caught.value.value) == ("departement", code)
    assert app.list_providers() == []


@pytest.mark.parametrize("postcode", ["97133", "97150", "98000", "97500", "00100"])
def test_postcode_outside_any_departement_is_refused(app: Any, postcode: str) -> None:
    with pytest.raises(InvalidInput) as info:
        app.add_provider(**sample_provider(1, postcode=postcode))
    assert info.value.field == "postcode"
    assert app.list_providers() == []


# ----------------------------------------------------------------- served départements


def test_provider_serves_its_own_departement_by_default(app: Any) -> None:
    provider = app.add_provider(**sample_provider(1, postcode="13001", city="Marseille"))
    assert provider.departements == ["13"]


def test_served_departements_are_normalised_and_deduplicated(app: Any) -> None:
    provider = app.add_provider(
        **sample_provider(1, departements=["69", " 2a ", "01", "69", "2A"], postcode="69003")
    )
    assert provider.departements == ["69", "2A", "01"]
    assert sorted(app.get_provider(provider.id).departements) == ["01", "2A", "69"]


@pytest.mark.parametrize("code", ["20", "99", "00", "Paris"])
def test_unknown_served_departement_is_refused(app: Any, code: str) -> None:
    with pytest.raises(InvalidInput, match=r"does not exist"):
        app.add_provider(**sample_provider(1, departements=["75", code]))
    assert app.list_providers() == []


def test_update_replaces_the_served_departements(app: Any) -> None:
    provider_id = add(app, 1)
    app.update_provider(provider_id, departements=["92", "93"])
    assert app.get_provider(provider_id).departements == ["92", "93"]
    assert ids(app.search(departement="93")) == [provider_id]
    assert app.search(departement="75") == []


def test_moving_the_address_follows_the_new_postcode(app: Any) -> None:
    provider_id = add(app, 1)
    moved = app.update_provider(provider_id, postcode="33000", city="Bordeaux")
    assert moved.departement == "33"
    assert app.get_provider(provider_id).departement == "33"


# -------------------------------------------------------------------------- services


def test_services_default_to_domiciliation(app: Any) -> None:
    assert app.add_provider(**sample_provider(1)).services == ["domiciliation"]


def test_builtin_vocabulary_has_the_usual_services() -> None:
    assert {
        "domiciliation",
        "numerisation",
        "reexpedition",
        "salle_reunion",
        "permanence_telephonique",
        "collecte",
    } <= set(SERVICES)
    assert all(label and label[0].isupper() for label in SERVICES.values())
    assert "'" not in "".join(SERVICES.values())


def test_services_read_by_their_french_labels_in_lists() -> None:
    assert set(SERVICE_LABELS) == set(SERVICES)
    assert service_labels(["domiciliation", "numerisation", "reexpedition"]) == (
        "domiciliation, numérisation, réexpédition du courrier"
    )
    # a deployment's own service shows its label, an unknown code as it is
    own = {"coworking": "Accès à un espace de coworking"}
    assert service_labels(["coworking", "autre"], own) == "Accès à un espace de coworking, autre"


def test_services_are_kept_in_order_without_duplicates(app: Any) -> None:
    provider = app.add_provider(
        **sample_provider(1, services=["numerisation", "domiciliation", "numerisation"])
    )
    assert provider.services == ["numerisation", "domiciliation"]
    assert app.get_provider(provider.id).services == ["numerisation", "domiciliation"]


def test_unknown_service_is_refused_with_the_known_ones(app: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        app.add_provider(**sample_provider(1, services=["domiciliation", "coworking"]))
    message = str(info.value)
    assert "unknown service 'coworking'" in message
    assert "salle_reunion" in message
    assert app.list_providers() == []


def test_deployment_settings_extend_the_vocabulary() -> None:
    settings = Settings(annuaire=AnnuaireSettings(services={"coworking": "Espace de coworking"}))
    app, _clock, _notifier = make_app(start=START, settings=settings)
    try:
        provider = app.add_provider(**sample_provider(1, services=["coworking", "numerisation"]))
        assert provider.services == ["coworking", "numerisation"]
        assert ids(app.search(departement="75", services=["coworking"])) == [provider.id]
    finally:
        app.close()


def test_domicili_toml_annuaire_services_add_to_the_builtin_ones(tmp_path: Path) -> None:
    toml = tmp_path / "domicili.toml"
    toml.write_text(
        '[annuaire.services]\ncoworking = "Accès à un espace de coworking"\n', encoding="utf-8"
    )
    vocabulary = load_settings(toml).service_vocabulary()
    assert vocabulary["coworking"] == "Accès à un espace de coworking"
    assert set(SERVICES) < set(vocabulary)
    assert check_services(["coworking"], vocabulary) == ["coworking"]
    with pytest.raises(InvalidInput, match="coworking"):
        check_services(["coworking"], Settings().service_vocabulary())


# -------------------------------------------------------------------------- agrément


@pytest.mark.parametrize(
    ("granted", "expires"),
    [
        (date(2024, 1, 15), date(2030, 1, 15)),
        (date(2020, 2, 29), date(2026, 2, 28)),
        (date(2019, 12, 31), date(2025, 12, 31)),
    ],
)
def test_agrement_expires_six_years_after_its_date(app: Any, granted: date, expires: date) -> None:
    provider = app.add_provider(**sample_provider(1, agrement_date=granted.isoformat()))
    assert provider.agrement_expires == expires
    (stored,) = app.store.execute(
        "SELECT agrement_expires FROM providers WHERE id = ?", (provider.id,)
    )[0]
    assert stored == expires.isoformat()


def test_agrement_problem_names_suspension_start_and_expiry() -> None:
    provider = Provider.model_validate(sample_provider(1, agrement_date="2020-03-02"))
    assert provider.agrement_problem(date(2026, 3, 1)) is None
    assert provider.agrement_problem(date(2026, 3, 2)) == "its agrément expired on 02/03/2026"
    assert provider.agrement_problem(date(2020, 3, 1)) == "its agrément only starts on 02/03/2020"
    provider.suspended = True
    assert provider.agrement_problem(date(2026, 3, 1)) == "its agrément is suspended"


def test_suspend_records_the_reason_and_resume_clears_it(app: Any) -> None:
    provider_id = add(app, 1)
    suspended = app.suspend_provider(provider_id, "Arrêté préfectoral du 02/03/2026")
    assert suspended.suspended
    stored = app.get_provider(provider_id)
    assert stored.suspended
    assert stored.suspension_reason == "Arrêté préfectoral du 02/03/2026"
    resumed = app.resume_provider(provider_id)
    assert not resumed.suspended
    assert app.get_provider(provider_id).suspension_reason is None
    types = [e.type for e in app.store.events()]
    assert types[-2:] == ["provider.suspended", "provider.resumed"]


def test_request_to_a_suspended_provider_is_refused_and_nothing_written(app: Any) -> None:
    listed, suspended = add(app, 1), add(app, 2)
    app.suspend_provider(suspended)
    events = len(app.store.events())
    with pytest.raises(AgrementInvalid, match=f"Provider {suspended} .*suspended"):
        app.create_demande(sample_answers(), to=[listed, suspended])
    assert app.list_dossiers() == []
    assert len(app.store.events()) == events


def test_request_to_an_expired_provider_is_refused(app: Any) -> None:
    expired = add(app, 1, agrement_date="2020-03-01")
    with pytest.raises(AgrementInvalid, match="expired on 01/03/2026"):
        app.create_demande(sample_answers(), to=[expired])
    assert app.list_dossiers() == []


def test_accept_is_refused_once_the_provider_is_suspended(world: Any) -> None:
    (dossier_id,) = world.demande()
    world.ready(dossier_id)
    provider_id = world.app.get_dossier(dossier_id).dossier.provider_id
    world.app.suspend_provider(provider_id)
    with pytest.raises(AgrementInvalid, match="suspended"):
        world.app.accept(dossier_id)
    assert world.app.get_dossier(dossier_id).dossier.status.code == "S1"
    world.app.resume_provider(provider_id)
    assert world.app.accept(dossier_id).status.code == "S2"


def test_accept_is_refused_once_the_agrement_has_expired(world: Any) -> None:
    provider_id = world.provider(agrement_date="2020-03-05")
    (dossier_id,) = world.demande(provider_id)
    world.ready(dossier_id)
    world.clock.advance(days=3)  # 2026-03-05: expiry day
    with pytest.raises(AgrementInvalid, match="expired on 05/03/2026"):
        world.app.accept(dossier_id)
    assert world.app.get_dossier(dossier_id).dossier.status.code == "S1"


# -------------------------------------------------------------------------- search


def test_search_lists_providers_serving_the_departement(app: Any) -> None:
    lyon = add(app, 1, postcode="69003", city="Lyon", departements=["69", "01"])
    paris = add(app, 2)
    assert ids(app.search(departement="69")) == [lyon]
    assert ids(app.search(departement="01")) == [lyon]
    assert ids(app.search(departement="75")) == [paris]
    assert app.search(departement="38") == []


def test_search_by_region_covers_every_departement_of_it(app: Any) -> None:
    lyon = add(app, 1, postcode="69003", city="Lyon", name="B Lyon")
    grenoble = add(app, 2, postcode="38000", city="Grenoble", name="A Grenoble")
    add(app, 3)  # Paris, Île-de-France
    assert ids(app.search(region="84", sort="name")) == [grenoble, lyon]
    assert app.search(region="76") == []


def test_search_by_region_and_departement_narrows_to_the_departement(app: Any) -> None:
    lyon = add(app, 1, postcode="69003", city="Lyon")
    add(app, 2, postcode="38000", city="Grenoble")
    assert ids(app.search(region="84", departement="69")) == [lyon]


def test_search_without_place_lists_every_listed_provider(app: Any) -> None:
    first, second = add(app, 1, name="A"), add(app, 2, postcode="97400", name="B")
    assert ids(app.search(sort="name")) == [first, second]


def test_search_hides_expired_and_not_yet_valid_agrements(app: Any) -> None:
    valid = add(app, 1, agrement_date="2020-03-03")  # expires tomorrow
    add(app, 2, agrement_date="2020-03-02")  # expires today
    add(app, 3, agrement_date="2020-03-01")  # expired yesterday
    add(app, 4, agrement_date="2026-03-03")  # starts tomorrow
    today = add(app, 5, agrement_date="2026-03-02")  # starts today
    assert sorted(ids(app.search(departement="75"))) == [valid, today]


def test_search_uses_the_day_in_paris() -> None:
    app2, clock, _notifier = make_app(start=datetime(2026, 3, 1, 22, 30, tzinfo=UTC))
    try:
        # 23:30 on 1 March in Paris: still 1 March there.
        provider_id = add(app2, 1, agrement_date="2020-03-02")
        assert ids(app2.search(departement="75")) == [provider_id]
        clock.set(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))  # 00:30 on 2 March in Paris
        assert app2.search(departement="75") == []
    finally:
        app2.close()


def test_suspended_provider_is_hidden_until_resumed(app: Any) -> None:
    provider_id = add(app, 1)
    app.suspend_provider(provider_id)
    assert app.search(departement="75") == []
    app.resume_provider(provider_id)
    assert ids(app.search(departement="75")) == [provider_id]


def test_search_requires_every_requested_service(app: Any) -> None:
    both = add(app, 1, services=["domiciliation", "numerisation", "reexpedition"])
    add(app, 2, services=["domiciliation", "numerisation"])
    assert ids(app.search(departement="75", services=["numerisation", "reexpedition"])) == [both]


def test_search_gives_the_cheapest_offer_including_every_requested_service(app: Any) -> None:
    provider_id = add(app, 1, services=["domiciliation", "numerisation", "reexpedition"])
    offer(app, provider_id, 19, name="Essentiel")
    cheapest_scan = offer(
        app,
        provider_id,
        90,
        name="Scan",
        period="quarter",
        services=["domiciliation", "numerisation"],
    )
    offer(app, provider_id, 45, name="Tout compris", services=["numerisation", "reexpedition"])
    (plain,) = app.search(departement="75")
    assert (plain.offer_name, plain.monthly_ht_cents) == ("Essentiel", 1900)
    (scan,) = app.search(departement="75", services=["numerisation"])
    assert (scan.offer_id, scan.monthly_ht_cents, scan.price_ht_cents, scan.period) == (
        cheapest_scan,
        3000,
        9000,
        "quarter",
    )
    (full,) = app.search(departement="75", services=["reexpedition", "numerisation"])
    assert (full.offer_name, full.monthly_ht_cents) == ("Tout compris", 4500)


def test_max_price_caps_the_monthly_price_before_vat(app: Any) -> None:
    yearly = add(app, 1, name="Annuel")
    offer(app, yearly, 300, period="year")  # 25 €/month
    quarterly = add(app, 2, name="Trimestriel")
    offer(app, quarterly, 90, period="quarter")  # 30 €/month
    assert ids(app.search(departement="75", max_price_ht_cents=2500)) == [yearly]
    assert ids(app.search(departement="75", max_price_ht_cents=2499)) == []
    assert ids(app.search(departement="75", max_price_ht_cents=3000)) == [yearly, quarterly]


def test_max_price_applies_to_the_offer_with_the_requested_services(app: Any) -> None:
    provider_id = add(app, 1, services=["domiciliation", "numerisation"])
    offer(app, provider_id, 20)
    offer(app, provider_id, 40, services=["domiciliation", "numerisation"])
    assert ids(app.search(departement="75", max_price_ht_cents=3000)) == [provider_id]
    assert app.search(departement="75", services=["numerisation"], max_price_ht_cents=3000) == []


def test_provider_without_offer_is_listed_without_price_but_not_under_a_cap(app: Any) -> None:
    priced = add(app, 1, name="Z priced")
    offer(app, priced, 50)
    unpriced = add(app, 2, name="A unpriced")
    results = app.search(departement="75")
    assert ids(results) == [priced, unpriced]
    assert results[1].offer_id is None
    assert results[1].monthly_ht_cents is None
    assert ids(app.search(departement="75", max_price_ht_cents=10_000)) == [priced]


def test_sort_by_price_then_by_name(app: Any) -> None:
    dear = add(app, 1, name="Alpha")
    offer(app, dear, 60)
    cheap_b = add(app, 2, name="Bravo")
    offer(app, cheap_b, 20)
    cheap_a = add(app, 3, name="Charlie")
    offer(app, cheap_a, 240, period="year")  # 20 €/month as well
    assert ids(app.search(departement="75", sort="price")) == [cheap_b, cheap_a, dear]
    assert ids(app.search(departement="75", sort="name")) == [dear, cheap_b, cheap_a]
    assert ids(app.search(departement="75", limit=2)) == [cheap_b, cheap_a]


def test_search_result_carries_the_provider_and_its_expiry(app: Any) -> None:
    provider_id = add(app, 1, services=["domiciliation", "collecte"], departements=["75", "92"])
    (result,) = app.search(departement="92")
    data = result.as_dict()
    assert data["id"] == data["provider_id"] == provider_id
    assert data["departement"] == "75"
    assert data["postcode"] == "75004"
    assert data["services"] == ["domiciliation", "collecte"]
    assert data["agrement_expires"] == "2030-01-15"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"departement": "99"}, "Département '99' does not exist"),
        ({"departement": "20"}, "Département '20' does not exist"),
        ({"region": "99"}, "Région '99' does not exist"),
        ({"region": "84", "departement": "75"}, "Département 75 is not in région 84"),
        ({"services": ["coworking"]}, "unknown service 'coworking'"),
        ({"max_price_ht_cents": 0}, "more than 0"),
        ({"max_price_ht_cents": -100}, "more than 0"),
        ({"sort": "distance"}, "Unknown sort"),
    ],
)
def test_bad_search_is_refused_in_one_sentence(app: Any, query: dict[str, Any], says: str) -> None:
    add(app, 1)
    with pytest.raises(InvalidInput) as info:
        app.search(**query)
    assert says in str(info.value)
    assert "\n" not in str(info.value)


def test_listed_provider_ids_of_a_departement(app: Any) -> None:
    first = add(app, 1, name="B")
    second = add(app, 2, name="A", postcode="92100", departements=["92", "75"])
    add(app, 3, postcode="69003")
    expired = add(app, 4, agrement_date="2019-01-01")
    assert app.listed_provider_ids("75") == [second, first]
    assert expired not in app.listed_provider_ids("75")


def test_listed_provider_ids_refuses_a_departement_without_provider(app: Any) -> None:
    add(app, 1)
    with pytest.raises(Refused, match="No provider is listed in département 13"):
        app.listed_provider_ids("13")


def test_facade_lists_regions_and_departements_of_a_region(app: Any) -> None:
    assert len(app.regions()) == 18
    assert [d.code for d in app.departements("94")] == ["2A", "2B"]
    assert len(app.departements()) == 101
    with pytest.raises(InvalidInput, match="Région '00'"):
        app.departements("00")
