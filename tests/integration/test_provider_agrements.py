"""Providers over time: the agrément renewed with its history, the fields staff change,
phones written as people write them overseas, dates written the French way."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader

from domicili.errors import InvalidIdentifier, InvalidInput
from domicili.i18n import speaking
from domicili.service.paperwork import contract_data
from domicili.testing import sample_answers, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice, World

SMS_CODE = r"code de signature du contrat D-\d{6} est (\S+)\."


def text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(p.extract_text().replace("\u00a0", " ").split()) for p in pages)


def events(world: World, provider_id: int) -> list[tuple[str, dict[str, Any]]]:
    found = world.app.store.events()
    return [(e.type, e.data) for e in found if e.provider_id == provider_id]


def snapshot(world: World, provider_id: int) -> tuple[object, ...]:
    """What a refused change must leave as it was."""
    app = world.app
    return (
        app.get_provider(provider_id).model_dump(),
        [a.model_dump() for a in app.agrements(provider_id)],
        [e.model_dump() for e in app.store.events()],
    )


def signed_dossier(world: World, provider_id: int) -> int:
    """A dossier at ``provider_id`` accepted, paid and signed by both parties (S4)."""
    app = world.app
    _client, (dossier,) = app.create_demande(sample_answers(), to=[provider_id])
    assert dossier.id is not None
    world.ready(dossier.id)
    app.accept(dossier.id)
    mark = len(world.notifier.sent)
    assert app.record_payment(dossier.id, method="transfer").outcome == "applied"
    codes = {}
    for message in world.notifier.sent[mark:]:
        found = re.search(SMS_CODE, message.body) if message.channel == "sms" else None
        if found:
            codes[message.to] = found.group(1)
    phones = {"client": "+33612345678", "provider": "+33698765432"}
    for party, phone in phones.items():
        app.sign(dossier.id, party, codes[phone])
    assert app.get_dossier(dossier.id).dossier.status.code == "S4"
    return dossier.id


# -------------------------------------------------------------------- the agrément


def test_a_renewal_keeps_the_agrement_a_signed_contract_names(world: World) -> None:
    provider = world.provider(phone="06 98 76 54 32")
    signed = signed_dossier(world, provider)
    world.clock.advance(hours=2)  # renewed later that day
    app = world.app
    renewed = app.update_provider(
        provider,
        agrement_numero="2026-075-0099",
        agrement_date="02/03/2026",
        agrement_prefecture="Préfecture de police de Paris",
    )
    assert (renewed.agrement_numero, renewed.agrement_date) == ("2026-075-0099", date(2026, 3, 2))
    assert renewed.agrement_expires == date(2032, 3, 2)
    old, new = app.agrements(provider)
    assert (old.numero, old.date, old.until) == (
        "2024-075-0001",
        date(2024, 1, 15),
        date(2026, 3, 2),
    )
    assert (new.numero, new.prefecture, new.until) == (
        "2026-075-0099",
        "Préfecture de police de Paris",
        None,
    )
    kind, data = events(world, provider)[-1]
    assert kind == "provider.agrement_renewed"
    assert data["renews"] == {"numero": "2024-075-0001", "date": "2024-01-15"}
    # The contract signed before the renewal names the agrément it was signed under …
    assert contract_data(app.ctx, app.get_dossier(signed).dossier).provider.agrement_numero == (
        "2024-075-0001"
    )
    signed_text = text(app.signed_contract(signed))
    assert "2024-075-0001" in signed_text
    assert "2026-075-0099" not in signed_text
    # … and a contract drawn up now names the renewed one.
    _client, (fresh,) = app.create_demande(sample_answers(seed=1), to=[provider])
    assert fresh.id is not None
    assert contract_data(app.ctx, fresh).provider.agrement_numero == "2026-075-0099"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"agrement_numero": "2026-075-0099"}, "agrement_date", "give the date of agrément"),
        (
            {"agrement_numero": "2026-075-0099", "agrement_date": "2023-01-15"},
            "agrement_date",
            "before the agrément in force",
        ),
        (
            {"agrement_numero": "2026-075-0099", "agrement_date": "2026-03-03"},
            "agrement_date",
            "after today",
        ),
        (
            {"agrement_numero": "2026-075-0099", "agrement_date": "31/02/2026"},
            "agrement_date",
            "is not a date",
        ),
    ],
)
def test_a_renewal_that_cannot_be_one_is_refused_and_nothing_changes(
    world: World, change: dict[str, str], field: str, words: str
) -> None:
    provider = world.provider()
    before = snapshot(world, provider)
    with pytest.raises(InvalidInput, match=words) as caught:
        world.app.update_provider(provider, **change)
    assert caught.value.field == field
    assert snapshot(world, provider) == before


def test_the_current_date_given_again_corrects_the_current_agrement(world: World) -> None:
    provider = world.provider()
    fixed = world.app.update_provider(
        provider, agrement_numero="2024-075-0010", agrement_date="15/01/2024"
    )
    assert fixed.agrement_numero == "2024-075-0010"
    (only,) = world.app.agrements(provider)
    assert (only.numero, only.date, only.until) == ("2024-075-0010", date(2024, 1, 15), None)
    kind, data = events(world, provider)[-1]
    assert kind == "provider.agrement_corrected"
    assert data["was"]["numero"] == "2024-075-0001"


def test_a_refusal_of_the_agrement_reads_in_french(world: World) -> None:
    provider = world.provider()
    with speaking("fr"), pytest.raises(InvalidInput) as caught:
        world.app.update_provider(
            provider, agrement_numero="2026-075-0099", agrement_date="2026-03-09"
        )
    assert "09/03/2026 est postérieure à aujourd’hui" in str(caught.value)


# -------------------------------------------------------------- the other fields


def test_each_change_of_a_provider_is_an_audit_event_with_what_it_was(world: World) -> None:
    provider = world.provider()
    updated = world.app.update_provider(
        provider,
        rcs_city="Paris",
        share_capital_cents=1_000_000,
        iban="FR14 2004 1010 0505 0001 3M02 606",
        representative="Claire Martin",
    )
    assert (updated.rcs_city, updated.share_capital_cents) == ("Paris", 1_000_000)
    again = world.app.get_provider(provider)
    assert (again.rcs_city, again.share_capital_cents) == ("Paris", 1_000_000)
    assert again.iban == "FR1420041010050500013M02606"
    kind, data = events(world, provider)[-1]
    assert kind == "provider.updated"
    assert data["fields"] == ["iban", "rcs_city", "representative", "share_capital_cents"]
    assert data["changes"]["share_capital_cents"] == {"from": None, "to": 1_000_000}
    assert data["changes"]["representative"]["to"] == "Claire Martin"


def test_a_share_capital_below_zero_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.app.add_provider(**sample_provider(2, share_capital_cents=-1))
    assert caught.value.field == "share_capital_cents"


# ------------------------------------------------------------------ phones overseas


@pytest.mark.parametrize(
    ("postcode", "city", "written", "e164"),
    [
        ("97400", "Saint-Denis", "0262 12 34 56", "+262262123456"),
        ("97400", "Saint-Denis", "06 92 12 34 56", "+262692123456"),
        ("97110", "Pointe-à-Pitre", "0590 12 34 56", "+590590123456"),
        ("97200", "Fort-de-France", "0696 12 34 56", "+596696123456"),
        ("97300", "Cayenne", "05 94 12 34 56", "+594594123456"),
        ("97600", "Mamoudzou", "0269 61 23 45", "+262269612345"),
        ("97400", "Saint-Denis", "06 12 34 56 78", "+33612345678"),  # a mobile from Paris
    ],
)
def test_a_provider_phone_is_read_as_written_at_its_address(
    world: World, postcode: str, city: str, written: str, e164: str
) -> None:
    provider = world.provider(postcode=postcode, city=city, phone=written)
    assert world.app.get_provider(provider).phone == e164


def test_a_reunion_number_is_refused_at_a_paris_address(world: World) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        world.provider(phone="0262 12 34 56")
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("postcode", "city", "contact", "own", "expected"),
    [
        (
            "97400",
            "Saint-Denis",
            "0692 12 34 56",
            "0262 98 76 54",
            ("+262692123456", "+262262987654"),
        ),
        ("97500", "Saint-Pierre", "55 12 34", "41 23 45", ("+508551234", "+508412345")),
        ("69003", "Lyon", "06 12 34 56 78", "04 72 00 00 00", ("+33612345678", "+33472000000")),
    ],
)
def test_a_client_phone_is_read_where_its_representative_lives(
    world: World, postcode: str, city: str, contact: str, own: str, expected: tuple[str, str]
) -> None:
    provider = world.provider()
    answers = sample_answers(phone=contact)
    answers["client"]["representative"].update(postcode=postcode, city=city, phone=own)
    client, __ = world.app.create_demande(answers, to=[provider])
    assert (client.phone, client.representative.phone) == expected


# --------------------------------------------------------------------------- dates


def test_dates_are_taken_the_french_way_or_in_iso(world: World) -> None:
    provider = world.provider(agrement_date="15/01/2024")
    assert world.app.get_provider(provider).agrement_date == date(2024, 1, 15)
    answers = sample_answers()
    answers["client"]["representative"]["birth_date"] = "12/04/1988"
    client, __ = world.app.create_demande(answers, to=[provider])
    assert client.representative.birth_date == date(1988, 4, 12)
    answers["client"]["representative"]["birth_date"] = "1988-04-31"
    with pytest.raises(InvalidInput) as caught:
        world.app.create_demande(answers, to=[provider])
    assert caught.value.field == "client.representative.birth_date"


# ------------------------------------------------------------------ an older database


def test_providers_of_an_older_database_get_their_agrement_as_history(
    store: StoreChoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 13 records each provider's agrément as the first of its history."""
    from domicili.store.migrations import MIGRATIONS
    from domicili.store.postgres import PostgresStore
    from domicili.store.postgres_schema import PG_MIGRATIONS
    from domicili.store.sqlite import SQLiteStore
    from domicili.testing import make_app

    db, files = store.unmigrated()
    before = [m for m in MIGRATIONS if m.number < 13]
    with monkeypatch.context() as old:
        old.setattr(SQLiteStore, "_migrations", lambda self: before)
        old.setattr(PostgresStore, "_migrations", lambda self: PG_MIGRATIONS[: len(before)])
        app, _clock, _notifier = make_app(db, files=files)
        try:
            app.store.execute(
                "INSERT INTO providers (name, siren, agrement_numero, agrement_prefecture, "
                "agrement_date, agrement_expires, address, postcode, city, departement, email, "
                "phone, suspended, created_at) VALUES ('Ancien', '732829320', '2020-075-0001', "
                "'Préfecture de police', '2020-01-15', '2026-01-15', '1 rue de Rivoli', '75004', "
                "'Paris', '75', 'a@b.example', '+33142000000', 0, '2020-01-20T09:00:00+00:00')"
            )
        finally:
            app.close()
    app, _clock, _notifier = make_app(db, files=files)
    try:
        (provider,) = app.list_providers()
        assert provider.id is not None
        assert (provider.rcs_city, provider.share_capital_cents) == (None, None)
        (first,) = app.agrements(provider.id)
        assert (first.numero, first.date, first.expires, first.until) == (
            "2020-075-0001",
            date(2020, 1, 15),
            date(2026, 1, 15),
            None,
        )
    finally:
        app.close()
