"""Finding a dossier as staff do: by the reference a client quotes, by a name, an email
or a SIREN; lists that name the client and the provider; a history in words."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import domicili
from domicili.events import EVENT_LABELS, event_label
from domicili.statuses import TRANSITIONS

if TYPE_CHECKING:
    from conftest import Cli

EXAMPLES = Path(__file__).parents[2] / "examples"
FR = {"DOMICILI_LANG": "fr"}


@pytest.fixture
def office(cli: Cli, societe_answers: Path) -> Cli:
    """Two providers; Atelier Lumière (en formation) asks both, Julien Petit (SIREN
    812345676) asks the second."""
    cli.add_provider(1)
    cli.add_provider(2)
    cli.ok("demande", "create", "--answers", societe_answers, "--to", 1, "--to", 2)
    cli.ok("demande", "create", "--answers", EXAMPLES / "demande-individuel.yaml", "--to", 2)
    return cli


def _ids(cli: Cli, *args: object) -> list[int]:
    return [d["id"] for d in cli.json("dossier", "list", *args)]


@pytest.mark.parametrize("reference", ["D-000002", "d-000002", "D-2", " D-000002 "])
def test_every_command_that_takes_a_dossier_takes_its_reference(
    office: Cli, reference: str
) -> None:
    assert office.json("dossier", "show", reference)["id"] == 2
    pieces = office.json("justificatif", "list", reference)
    assert pieces == office.json("justificatif", "list", 2)
    office.ok("dossier", "dismiss", reference, "--reason", "Doublon")
    assert office.json("dossier", "show", 2)["status_code"] == "S7"
    assert [m["dossier_id"] for m in office.json("outbox", "list", "--dossier", reference)] != []


def test_a_reference_of_no_dossier_is_not_found_and_junk_is_a_usage_error(office: Cli) -> None:
    missing = office("dossier", "show", "D-000099")
    assert missing.exit_code == 1
    assert "Dossier 99 not found" in missing.stderr
    junk = office("dossier", "show", "DOSSIER-1")
    assert junk.exit_code == 2
    assert "'DOSSIER-1' is not a dossier number or reference (such as 7 or D-000007)" in (
        junk.stderr
    )
    french = office("dossier", "accept", "X-1", env=FR)
    assert french.exit_code == 2
    assert "n’est ni un numéro ni une référence de dossier" in french.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lumière", [2, 1]),
        ("ATELIER", [2, 1]),
        ("julien.petit@", [3]),
        ("Petit", [3]),
        ("812 345 676", [3]),
        ("8123", [3]),
        ("D-000001", [1]),
        ("d-3", [3]),
        ("personne", []),
        ("100%", []),
    ],
)
def test_search_matches_name_email_siren_and_reference(
    office: Cli, text: str, expected: list[int]
) -> None:
    assert _ids(office, "--search", text) == expected


def test_search_pages_and_combines_with_the_other_filters(office: Cli) -> None:
    assert _ids(office, "--search", "lumière", "--limit", "1") == [2]
    page = office("dossier", "list", "--search", "lumière", "--limit", "1")
    assert "--before 2" in page.stderr
    assert _ids(office, "--search", "lumière", "--before", "2") == [1]
    office.ok("dossier", "dismiss", 1, "--reason", "Doublon")
    assert _ids(office, "--search", "lumière", "--status", "S7") == [1]
    assert _ids(office, "--search", "lumière", "--status", "S1") == [2]
    scoped = json.loads(
        office.ok("--provider", "1", "dossier", "list", "--search", "e", "--json").stdout
    )
    assert [d["id"] for d in scoped] == [1]


def test_an_empty_search_is_refused_in_a_sentence(office: Cli) -> None:
    result = office("dossier", "list", "--search", "  ")
    assert result.exit_code == 1
    assert "A search is from 1 to 200 characters." in result.stderr


def test_lists_name_the_client_and_the_provider(office: Cli) -> None:
    rows = office.json("dossier", "list")
    assert [(d["client_name"], d["provider_name"]) for d in rows] == [
        ("Julien Petit", "Domiciliation Test 2"),
        ("Atelier Lumière", "Domiciliation Test 2"),
        ("Atelier Lumière", "Domiciliation Test 1"),
    ]
    header, __, *lines = office.ok("dossier", "list", env=FR).stdout.splitlines()
    assert header.split()[:4] == ["ID", "Réf.", "Domiciliataire", "Client"]
    assert "Domiciliation Test 2  Julien Petit" in lines[0]


def _required(cli: Cli, dossier: int) -> list[str]:
    return ["--validate=" + p["kind"] for p in cli.json("justificatif", "list", dossier)
            if p["required"] and p["state"] == "submitted"]  # fmt: skip


def test_show_prints_the_history_in_french_and_a_deadline_only_while_one_runs(
    office: Cli,
) -> None:
    office.ok("justificatif", "review", 1, *_required(office, 1))
    office.ok("dossier", "accept", "D-000001")
    awaiting = office.ok("dossier", "show", "D-000001", env=FR).stdout
    assert "TTC, avant le 09/03/2026 23:59" in awaiting
    assert "Dossier accepté" in awaiting
    assert "Demande reçue" in awaiting
    assert "dossier.accept" not in awaiting
    office.ok("payment", "record", "D-000001", "--method", "transfer")
    paid = office.ok("dossier", "show", 1, env=FR).stdout
    assert "Premier paiement reçu" in paid
    assert "avant le" not in paid
    rows = office.ok("dossier", "list", env=FR).stdout.splitlines()
    assert rows[-1].rstrip().endswith("S3 Payé – contrat en attente de signature")  # no deadline


def test_every_event_the_services_write_has_a_french_label() -> None:
    service = Path(domicili.__file__).parent / "service"
    written = set()
    for source in service.glob("*.py"):
        written |= set(re.findall(r'event\(\s*"([a-z_]+\.[a-z_]+)"', source.read_text()))
    assert len(written) > 20
    assert sorted(written - set(EVENT_LABELS)) == []
    assert {f"dossier.{t.trigger}" for t in TRANSITIONS} <= set(EVENT_LABELS)
    assert event_label("contract.signed", {"party": "client"}) == "Contrat signé (le client)"
    assert event_label("some.new_code") == "some.new_code"


def test_the_history_names_the_pieces_received_and_reviewed(office: Cli) -> None:
    shown = office.ok("dossier", "show", 1, env=FR).stdout
    assert "Pièce justificative reçue : Identité de chaque bénéficiaire effectif" in shown
    assert "justificatif.submitted" not in shown
    names = {"identite": "Pièce d’identité", "domicile": "Justificatif de domicile"}
    reviewed = {"validated": ["identite"], "invalidated": {"domicile": "illisible"}}
    assert event_label("justificatif.reviewed", reviewed, names) == (
        "Pièces justificatives examinées (conforme : Pièce d’identité ; "
        "non conforme : Justificatif de domicile)"
    )
    again = {"kind": "domicile", "revision": 2}
    assert event_label("justificatif.submitted", again, names) == (
        "Pièce justificative reçue : Justificatif de domicile (version 2)"
    )


def test_the_reference_is_given_in_help(office: Cli) -> None:
    assert "D-000007" in office.ok("dossier", "show", "--help").stdout
