"""SEPA mandates on each store: recorded, amended with the old values kept, revoked,
their first collection noted; each refusal one sentence with nothing changed."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from domicili.errors import (
    DossierNotFound,
    InvalidIdentifier,
    InvalidInput,
    MandateNotFound,
    MandateRefused,
)

if TYPE_CHECKING:
    from conftest import World

IBAN = "FR76 3000 6000 0112 3456 7890 189"
OTHER_IBAN = "DE89 3704 0044 0532 0130 00"


def add(world: World, dossier_id: int, **changes: Any) -> Any:
    fields: dict[str, Any] = dict(
        iban=IBAN, reference=f"RUM-{dossier_id:06d}", signed_on=date(2026, 3, 2)
    )
    fields.update(changes)
    return world.app.add_mandate(dossier_id, **fields)


def test_a_mandate_of_a_dossier_in_force_takes_the_bic_and_bank_from_its_iban(
    world: World,
) -> None:
    dossier_id = world.in_force()
    client = world.app.get_dossier(dossier_id).client

    mandate = add(world, dossier_id)

    assert mandate.iban == "FR7630006000011234567890189"
    assert (mandate.bic, mandate.bank_name) == ("AGRIFRPPXXX", "CREDIT AGRICOLE SA")
    assert mandate.debtor_name == client.name
    assert mandate.sequence == "FRST"
    assert world.app.active_mandate(dossier_id) == mandate
    assert world.app.find_mandate(f"RUM-{dossier_id:06d}") == mandate
    assert world.app.find_mandate(f"D-{dossier_id:06d}") == mandate
    events = [e.type for e in world.app.get_dossier(dossier_id).events]
    assert events[-1] == "mandate.added"


def test_a_bic_given_is_kept_and_the_debtor_may_be_another_account_holder(world: World) -> None:
    dossier_id = world.in_force()
    mandate = add(world, dossier_id, bic="BNPAFRPPXXX", debtor_name="Jeanne Martin")
    assert (mandate.bic, mandate.debtor_name) == ("BNPAFRPPXXX", "Jeanne Martin")


def test_a_new_iban_amends_the_mandate_and_keeps_the_old_values(world: World) -> None:
    dossier_id = world.in_force()
    first = add(world, dossier_id)
    world.clock.advance(days=40)

    amended = add(world, dossier_id, iban=OTHER_IBAN, reference="RUM-NEW-1")

    assert amended.id == first.id
    assert (amended.iban, amended.bic, amended.reference) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        "RUM-NEW-1",
    )
    (kept,) = amended.amendments
    assert (kept.iban, kept.bic, kept.reference) == (first.iban, first.bic, first.reference)
    assert kept.changed == ["reference", "iban", "bic"]
    assert kept.amended_at == world.clock.now()
    assert world.app.find_mandate("RUM-NEW-1") == amended
    event = world.app.get_dossier(dossier_id).events[-1]
    assert event.type == "mandate.amended"
    assert event.data["changes"]["iban"] == {"from": "FR76…0189", "to": "DE89…3000"}
    assert "FR7630006000011234567890189" not in str(event.data)


def test_the_next_debit_after_an_amendment_tells_the_bank_what_changed(world: World) -> None:
    from domicili.sepa import Amendment

    dossier_id = world.in_force()
    add(world, dossier_id, reference="RUM-1")
    collected = world.clock.advance(days=30)
    assert world.app.active_mandate(dossier_id).amendment_since(collected) is None  # type: ignore[union-attr]
    world.clock.advance(days=1)
    same_bank = add(world, dossier_id, reference="RUM-2", iban="FR76 3000 6000 0111 1111 1111 186")
    assert same_bank.amendment_since(None) is None  # never collected: nothing to tell
    assert same_bank.amendment_since(collected) == Amendment(
        mandate_reference="RUM-1", iban="FR7630006000011234567890189"
    )
    world.clock.advance(days=1)
    moved = add(world, dossier_id, reference="RUM-2", iban=OTHER_IBAN)
    # The values of the first amendment since the collection: the reference, another bank.
    assert moved.amendment_since(collected) == Amendment(mandate_reference="RUM-1", other_bank=True)
    assert moved.amendment_since(world.clock.now()) is None


def test_the_same_mandate_given_again_changes_nothing(world: World, dump: Any) -> None:
    dossier_id = world.in_force()
    first = add(world, dossier_id)
    before = dump(world.app.store.location)
    assert add(world, dossier_id) == first
    assert dump(world.app.store.location) == before


def test_a_reference_is_the_providers_for_good(world: World) -> None:
    provider_id = world.provider()
    one, two = world.in_force(provider_id), world.in_force(provider_id)
    add(world, one, reference="RUM-A")
    add(world, one, reference="RUM-B")  # RUM-A amended away
    for taken in ("RUM-A", "RUM-B"):
        with pytest.raises(MandateRefused, match=f"reference {taken} is already used"):
            add(world, two, reference=taken)
    assert world.app.active_mandate(two) is None
    other = world.in_force()  # another provider may use the same reference
    assert add(world, other, reference="RUM-A").reference == "RUM-A"


@pytest.mark.parametrize(
    ("changes", "error", "said"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 180"}, InvalidIdentifier, "is not a valid IBAN"),
        ({"bic": "NOPE"}, InvalidIdentifier, "is not a valid BIC"),
        ({"reference": "RUM 1"}, InvalidIdentifier, "is not a valid mandate reference"),
        ({"reference": "R" * 36}, InvalidIdentifier, "is not a valid mandate reference"),
        ({"signed_on": date(2027, 1, 1)}, InvalidInput, "is after today"),
        ({"signed_on": "2026-02-30"}, InvalidInput, "signed_on"),
    ],
)
def test_bad_mandate_details_are_refused_with_nothing_changed(
    world: World, dump: Any, changes: dict[str, Any], error: type[Exception], said: str
) -> None:
    dossier_id = world.in_force()
    before = dump(world.app.store.location)
    with pytest.raises(error, match=said):
        add(world, dossier_id, **changes)
    assert dump(world.app.store.location) == before


def test_a_dossier_not_in_force_or_unknown_has_no_mandate(world: World) -> None:
    dossier_id = world.accepted()
    with pytest.raises(MandateRefused, match="a SEPA mandate is recorded for a contract in force"):
        add(world, dossier_id)
    with pytest.raises(DossierNotFound):
        add(world, 999)
    with pytest.raises(MandateNotFound, match=f"Dossier {dossier_id} has no SEPA mandate"):
        world.app.find_mandate(str(dossier_id))
    with pytest.raises(MandateNotFound, match="SEPA mandate RUM-NONE not found"):
        world.app.find_mandate("RUM-NONE")


def test_a_revoked_mandate_is_not_collected_and_is_revoked_once(world: World, dump: Any) -> None:
    dossier_id = world.in_force()
    mandate = add(world, dossier_id)

    revoked = world.app.revoke_mandate(mandate.reference)

    assert revoked.revoked_at == world.clock.now()
    assert world.app.active_mandate(dossier_id) is None
    assert world.app.find_mandate(mandate.reference).revoked_at == revoked.revoked_at
    assert world.app.get_dossier(dossier_id).events[-1].type == "mandate.revoked"
    before = dump(world.app.store.location)
    with pytest.raises(MandateRefused, match="was revoked on 02/03/2026; nothing was changed"):
        world.app.revoke_mandate(mandate.reference)
    assert dump(world.app.store.location) == before
    assert world.app.verify_audit().ok
    # A new mandate takes a new reference; the old one stays the provider's.
    with pytest.raises(MandateRefused, match="already used"):
        add(world, dossier_id)
    again = add(world, dossier_id, reference="RUM-2")
    assert world.app.active_mandate(dossier_id) == again
    assert [m.reference for m in world.app.dossier_mandates(dossier_id)] == [
        mandate.reference,
        "RUM-2",
    ]


def test_after_its_first_collection_a_mandate_is_collected_as_recurring(world: World) -> None:
    dossier_id = world.in_force()
    mandate = add(world, dossier_id)
    assert mandate.id is not None

    marked = world.app.mark_first_collection(mandate.id, date(2026, 4, 10))
    again = world.app.mark_first_collection(mandate.id, date(2026, 5, 10))

    assert marked.sequence == again.sequence == "RCUR"
    assert world.app.active_mandate(dossier_id).first_collected_on == date(2026, 4, 10)  # type: ignore[union-attr]
    types = [e.type for e in world.app.get_dossier(dossier_id).events]
    assert types.count("mandate.first_collection") == 1
    with pytest.raises(MandateNotFound):
        world.app.mark_first_collection(mandate.id + 100, date(2026, 4, 10))


def test_the_creditor_identifier_is_a_provider_field_checked_with_its_key(world: World) -> None:
    provider_id = world.provider()
    assert world.app.get_provider(provider_id).creditor_identifier is None
    updated = world.app.update_provider(provider_id, creditor_identifier="fr72 zzz 123456")
    assert updated.creditor_identifier == "FR72ZZZ123456"
    assert world.app.get_provider(provider_id).creditor_identifier == "FR72ZZZ123456"
    with pytest.raises(InvalidIdentifier, match="is not a valid French creditor identifier"):
        world.app.update_provider(provider_id, creditor_identifier="FR73ZZZ123456")
    assert world.app.get_provider(provider_id).creditor_identifier == "FR72ZZZ123456"
