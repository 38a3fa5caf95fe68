"""Which justificatifs a dossier needs: individual, registered company, company en formation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from domicili.catalog import Catalog, Requirement

if TYPE_CHECKING:
    from conftest import World

B, LATER, OPT = "before_acceptance", "later", "optional"

CASES = {
    "individual": (
        dict(kind="individual", en_formation=False),
        {
            "identite": B,
            "justificatif_domicile": B,
            "kbis": B,
            "pouvoir": OPT,
            "procuration_postale": OPT,
        },
    ),
    "company registered": (
        dict(kind="company", en_formation=False),
        {
            "identite": B,
            "justificatif_domicile": B,
            "statuts": B,
            "beneficiaires_effectifs": B,
            "kbis": B,
            "pouvoir": OPT,
            "procuration_postale": OPT,
        },
    ),
    "company en formation": (
        dict(kind="company", en_formation=True),
        {
            "identite": B,
            "justificatif_domicile": B,
            "statuts": B,
            "beneficiaires_effectifs": B,
            "kbis": LATER,
            "pouvoir": OPT,
            "procuration_postale": OPT,
        },
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_catalog_requirements_for_each_kind_of_client(case: str) -> None:
    who, expected = CASES[case]
    applicable = Catalog().applicable(
        company=who["kind"] == "company", en_formation=who["en_formation"]
    )
    assert {k.kind: req.value for k, req in applicable} == expected


@pytest.mark.parametrize("case", CASES)
def test_dossier_lists_the_pieces_its_client_needs_all_missing_at_first(
    world: World, case: str
) -> None:
    who, expected = CASES[case]
    (dossier_id,) = world.demande(**who)
    pieces = world.app.justificatifs(dossier_id)
    assert {p.kind: p.requirement for p in pieces} == expected
    assert {p.kind for p in pieces if p.required} == {k for k, r in expected.items() if r == B}
    assert {p.state for p in pieces} == {"missing"}


def test_kbis_of_a_company_en_formation_is_due_later_not_before_acceptance() -> None:
    kbis = Catalog().get("kbis")
    assert kbis.requirement(company=True, en_formation=True) is Requirement.LATER
    assert kbis.requirement(company=True, en_formation=False) is Requirement.BEFORE_ACCEPTANCE
    assert kbis.requirement(company=False, en_formation=False) is Requirement.BEFORE_ACCEPTANCE


def test_unknown_kind_lookup_names_the_known_kinds() -> None:
    with pytest.raises(KeyError, match="identite"):
        Catalog().get("passeport")
