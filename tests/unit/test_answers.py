"""Identifiers and questionnaire answers: every refusal names the field to fix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.answers import load_answers, parse_answers
from domicili.errors import AnswersError, InvalidIdentifier, InvalidInput
from domicili.testing import sample_answers, sample_provider, valid_siren

if TYPE_CHECKING:
    from conftest import World


# -- identifiers of a provider -------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siren", "123456789", "not a valid SIREN"),
        ("siren", "12345678", "not a valid SIREN"),
        ("siren", "ABCDEFGHI", "not a valid SIREN"),
        ("phone", "12", "not a phone number"),
        ("phone", "06 12 34", "not a phone number"),
        ("email", "contact.example.fr", "not an email address"),
        ("email", "contact@", "not an email address"),
        ("iban", "FR76 0000 0000 0000", "not a valid IBAN"),
        ("vat_number", "FR00123456789", "not a valid French VAT number"),
    ],
)
def test_invalid_identifier_is_refused_naming_the_field(
    world: World, field: str, value: str, message: str
) -> None:
    with pytest.raises(InvalidIdentifier, match=message) as caught:
        world.app.add_provider(**sample_provider(1, **{field: value}))
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert world.app.list_providers() == []


@pytest.mark.parametrize(
    ("field", "written", "stored"),
    [
        ("siren", "732 829 320", "732829320"),
        ("phone", "01 42 00 00 00", "+33142000000"),
        ("phone", "+33 6 12 34 56 78", "+33612345678"),
        ("email", "Contact@Domiciliation.EXAMPLE", "Contact@domiciliation.example"),
    ],
)
def test_identifiers_are_stored_in_their_canonical_form(
    world: World, field: str, written: str, stored: str
) -> None:
    provider = world.app.add_provider(**sample_provider(1, **{field: written}))
    assert provider.id is not None
    assert getattr(world.app.get_provider(provider.id), field) == stored


def test_a_second_provider_with_the_same_siren_is_refused(world: World) -> None:
    world.app.add_provider(**sample_provider(1))
    with pytest.raises(InvalidInput, match="already exists") as caught:
        world.app.add_provider(**sample_provider(2, siren=valid_siren(1)))
    assert caught.value.field == "siren"
    assert len(world.app.list_providers()) == 1


def test_a_postcode_outside_any_departement_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.app.add_provider(**sample_provider(1, postcode="7500"))
    assert caught.value.field == "postcode"


# -- answers -------------------------------------------------------------------------


def without(answers: dict[str, Any], *path: str) -> dict[str, Any]:
    node = answers
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return answers


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        (without(sample_answers(), "client", "representative", "last_name"),
         "client.representative.last_name"),
        (without(sample_answers(), "client", "email"), "client.email"),
        (without(sample_answers(), "client", "kind"), "client.kind"),
        (without(sample_answers(en_formation=False), "client", "siren"), "client.siren"),
        (sample_answers(en_formation=False, siren="123456789"), "client.siren"),
        (sample_answers(phone="12"), "client.phone"),
        (sample_answers(email="camille-at-atelier"), "client.email"),
        (sample_answers(kind="association"), "client.kind"),
        (sample_answers(colour="rouge"), "client.colour"),
        ({"client": sample_answers()["client"], "extra": 1}, "extra"),
    ],
    ids=[
        "representative last name missing",
        "email missing",
        "kind missing",
        "siren missing for a registered business",
        "siren invalid",
        "phone invalid",
        "email invalid",
        "kind unknown",
        "unknown client field",
        "unknown section",
    ],
)  # fmt: skip
def test_answers_error_names_the_field(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(answers)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_answers_with_a_siren_while_en_formation_are_refused() -> None:
    answers = sample_answers(en_formation=True, siren=valid_siren(5))
    with pytest.raises(AnswersError, match="has no SIREN yet") as caught:
        parse_answers(answers)
    assert caught.value.field == "client.en_formation"


def test_beneficial_owners_of_an_individual_are_refused() -> None:
    answers = sample_answers("individual", en_formation=False)
    answers["client"]["beneficial_owners"] = [
        {"first_name": "A", "last_name": "B", "share_percent": 50}
    ]
    with pytest.raises(AnswersError) as caught:
        parse_answers(answers)
    assert caught.value.field == "client.beneficial_owners"


def test_answers_that_are_not_a_mapping_are_refused() -> None:
    with pytest.raises(AnswersError, match="expected a mapping"):
        parse_answers(["client"])


def test_refused_answers_create_nothing(world: World) -> None:
    provider = world.provider()
    with pytest.raises(AnswersError):
        world.app.create_demande(sample_answers(phone="12"), to=[provider])
    assert world.app.list_dossiers() == []


def test_answers_file_documents_are_read_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "pieces").mkdir()
    file = tmp_path / "demande.yaml"
    file.write_text(
        "client:\n"
        "  kind: individual\n"
        "  name: Julien Petit\n"
        '  siren: "732829320"\n'
        "  email: julien@example.fr\n"
        '  phone: "07 81 23 45 67"\n'
        "  representative: {first_name: Julien, last_name: Petit}\n"
        "documents:\n"
        "  identite: pieces/identite.pdf\n",
        encoding="utf-8",
    )
    answers = load_answers(file)
    assert answers.documents == {"identite": tmp_path / "pieces" / "identite.pdf"}
    assert answers.client.phone == "+33781234567"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("client: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("client:\n  kind: company\n", "client.name"),
    ],
)
def test_a_broken_answers_file_is_refused_with_a_sentence(
    tmp_path: Path, text: str, message: str
) -> None:
    file = tmp_path / "demande.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError, match=message):
        load_answers(file)


def test_an_answers_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnswersError, match=r"absent\.yaml does not exist"):
        load_answers(tmp_path / "absent.yaml")


def test_a_document_named_in_the_answers_but_missing_is_refused(
    world: World, tmp_path: Path
) -> None:
    answers = sample_answers()
    answers["documents"] = {"identite": str(tmp_path / "absent.pdf")}
    provider = world.provider()
    with pytest.raises(InvalidInput, match=r"documents\.identite") as caught:
        world.app.create_demande(answers, to=[provider])
    assert caught.value.field == "documents.identite"
    assert world.app.list_dossiers() == []
