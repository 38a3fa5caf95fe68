"""``--provider`` / DOMICILI_PROVIDER: every command sees one provider's records only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.cli._reference import commands
from domicili.testing import sample_png

if TYPE_CHECKING:
    from conftest import Cli


@pytest.fixture
def two(cli: Cli, societe_answers: Path) -> Cli:
    cli.add_provider(1)
    cli.add_provider(2)
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1, "--to", 2)
    return cli


def test_scoped_listing_shows_only_that_providers_dossiers(two: Cli) -> None:
    assert [d["id"] for d in two.json("--provider", 2, "dossier", "list")] == [2]
    assert [d["id"] for d in two.json("dossier", "list")] == [2, 1]
    assert {m["dossier_id"] for m in two.json("--provider", 2, "outbox", "list")} == {2}
    assert [p["id"] for p in two.json("--provider", 2, "provider", "list")] == [2]


@pytest.mark.parametrize(
    "argv",
    [
        ["dossier", "show", "1"],
        ["dossier", "accept", "1"],
        ["dossier", "dismiss", "1", "--reason", "Doublon"],
        ["justificatif", "list", "1"],
        ["justificatif", "review", "1", "--validate", "identite"],
        ["outbox", "list", "--dossier", "1"],
    ],
)
def test_another_providers_dossier_is_not_found(two: Cli, argv: list[str]) -> None:
    result = two("--provider", 2, *argv)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: Dossier 1 not found; `domicili dossier list` shows them."
    )
    assert two.json("dossier", "show", 1)["status_code"] == "S1"


def test_the_environment_variable_scopes_like_the_option(two: Cli) -> None:
    result = two("dossier", "show", "1", env={"DOMICILI_PROVIDER": "2"})
    assert result.exit_code == 1
    assert "Dossier 1 not found" in result.stderr
    shown = two.json("dossier", "show", 2, env={"DOMICILI_PROVIDER": "2"})
    assert shown["provider_id"] == 2


def test_a_scoped_request_cannot_reach_another_provider(two: Cli, societe_answers: Path) -> None:
    result = two("--provider", 2, "demande", "create", "--answers", societe_answers, "--to", 1)
    assert result.exit_code == 1
    assert "Provider 1 not found" in result.stderr
    assert len(two.json("dossier", "list")) == 2


REQUIRED = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
PAST_DEADLINE = "2026-03-10T10:00:00+01:00"  # accepted on 2 March, 7 days to pay


def unsent_by_dossier(cli: Cli) -> dict[int, int]:
    counts: dict[int, int] = {}
    for m in cli.json("outbox", "list"):
        if m["status"] != "sent" and m["channel"] == "email":
            counts[m["dossier_id"]] = counts.get(m["dossier_id"], 0) + 1
    return counts


def test_a_scoped_delivery_sends_only_that_providers_messages(
    cli: Cli, societe_answers: Path, mail_down: dict[str, str]
) -> None:
    cli.add_provider(1)
    cli.add_provider(2)
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1, "--to", 2, env=mail_down)
    assert unsent_by_dossier(cli) == {1: 2, 2: 2}  # to the client and to the provider
    report = cli.json("--provider", 2, "outbox", "deliver")  # the default outbox folder
    assert report == {"sent": 2, "failed": 0}
    assert unsent_by_dossier(cli) == {1: 2}
    assert cli.json("outbox", "deliver") == {"sent": 2, "failed": 0}


def test_a_scoped_sweep_expires_and_delivers_only_that_providers_dossiers(
    cli: Cli, societe_answers: Path, mail_down: dict[str, str]
) -> None:
    cli.add_provider(1)
    cli.add_provider(2)
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1, "--to", 2)
    for dossier in (1, 2):
        validate = [a for k in REQUIRED for a in ("--validate", k)]
        cli.ok("justificatif", "review", dossier, *validate, env=mail_down)
        cli.ok("dossier", "accept", dossier, env=mail_down)
    waiting = unsent_by_dossier(cli)
    assert set(waiting) == {1, 2}

    report = cli.json("--provider", 2, "sweep", now=PAST_DEADLINE)
    assert report["expired"] == [2]
    assert cli.json("dossier", "show", 1)["status_code"] == "S2"
    assert cli.json("dossier", "show", 2)["status_code"] == "S8"
    assert unsent_by_dossier(cli) == {1: waiting[1]}  # provider 1's messages still wait
    assert cli.json("sweep", now=PAST_DEADLINE)["expired"] == [1]
    assert unsent_by_dossier(cli) == {}


# -- the matrix: every command under --provider 1, against provider 2's records ----------
#: What names B's records, by parameter name (B is provider 2: see ``CommandWorld``).
B_RECORDS: dict[str, list[str]] = {
    "dossier_id": ["2", "4", "6", "7"],
    "provider_id": ["2"],
    "to": ["2"],
    "number": ["F2026-000002"],
    "held_id": ["5"],
    "message_id": ["47"],  # an email about dossier 6
    "link_id": ["<link of 4>"],
    "mailbox": ["4", "D-000006"],
}
#: The other values a command needs (A's, or none of anyone's).
NEEDED: dict[str, str] = {
    "kind": "identite",
    "file": "<root>/pieces/identite-camille-durand.pdf",
    "answers": "<root>/demande-A.yaml",
    "output": "<scratch>/sortie.pdf",
    "invoice export output": "<scratch>/export",
    "provider import file": "<root>/import-B.csv",
    "folder": "<root>/pieces",  # the demo works on a database of its own: refused here
    # The photo of a piece for B's dossier 6: refused under --provider 1, nothing recorded.
    "courrier intake folder": "<root>/courrier-B",
    "reason": "Erreur",
    "year": "2026",
    "period": "2026-03",
    "party": "client",
    "otp": "123456",
    "method": "transfer",
    "reference": "VIR-2026-0042",
    "gateway": "checkout",
    "name": "Cabinet",
    "price_ht": "29",
    "siren": "732829320",
    "agrement_numero": "2024-1",
    "agrement_prefecture": "Préfecture de police",
    "agrement_date": "2024-01-15",
    "address": "3 rue de Rivoli",
    "postcode": "75004",
    "city": "Lyon",
    "email": "contact@cabinet.example",
    "phone": "01 42 00 00 00",
    "validate": "identite",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "signed_on": "2026-03-02",
    "mandate show key": "D-000006",
    "token": "pm_1Q2w3E",
    "piece_id": "1",
    "sender": "URSSAF",
    "postage": "2,50",
    "action": "hold",
    "courrier receive kind": "lettre",
    "courrier list kind": "lettre",
    "offer_id": "1",
    "pieces_per_month": "20",
}
#: What only B's records show: none of it may appear under --provider 1.
B_MARKERS = [
    "Brasserie Bellevue",
    "Domiciliation Test 2",
    "contact2@domiciliation.example",
    "+33698765432",
    *(f"D-{d:06d}" for d in (2, 4, 6, 7)),
]


def _needed(path: str, name: str) -> str:
    key = f"{path} {name}"
    assert key in NEEDED or name in NEEDED, f"`domicili {path}`: add {name!r} to NEEDED"
    return NEEDED.get(key, NEEDED.get(name, ""))


def matrix_argv(path: str, command: Any) -> list[list[str]]:
    """The command lines of ``path`` naming B's records: one per record of B it takes
    (or one line naming none when it takes no record)."""
    import click

    base, slots = path.split(), []
    for param in command.params:
        flag = param.opts[0] if isinstance(param, click.Option) else None
        if param.name in B_RECORDS:
            slots.append([[flag, v] if flag else [v] for v in B_RECORDS[param.name]])
        elif param.required or (flag is None and param.name in NEEDED) or path == "demo":
            value = _needed(path, param.name or "")
            slots.append([[flag, value] if flag else [value]])
    lines = [base]
    for choices in slots:
        lines = [line + choice for line in lines for choice in choices[:1]] + [
            lines[0] + choice for choice in choices[1:]
        ]
    if path == "justificatif review":
        lines = [[*line, "--validate", "identite"] for line in lines]
    if path == "provider update":
        lines = [[*line, "--city", "Lyon"] for line in lines]
    return lines


MATRIX = {" ".join(p): c for p, c in commands()}


def test_the_matrix_covers_every_command() -> None:
    from domicili.cli import LAZY_COMMANDS, cli

    assert len(MATRIX) == len(commands())
    assert {path.split()[0] for path in MATRIX} == set(LAZY_COMMANDS) | set(cli.commands)
    for path, command in MATRIX.items():
        assert matrix_argv(path, command)  # and every value it needs is in NEEDED


def test_under_one_provider_another_providers_records_are_not_found(
    command_world: Any, tmp_path: Path, dump: Any
) -> None:
    """Every command, on one copy: each of them is refused or finds nothing of B's."""
    world = command_world(tmp_path / "world")
    cli = world.cli
    siren = cli.json("provider", "show", "2")["siren"]
    (cli.root / "import-B.csv").write_text(
        "name,siren,agrement_numero,agrement_prefecture,agrement_date,address,postcode,city,"
        f"email,phone\nRepris,{siren},2024-2,Préfecture,2024-01-15,1 rue X,75004,Paris,"
        "repris@cabinet.example,01 42 00 00 00\n",
        encoding="utf-8",
    )
    (cli.root / "courrier-B").mkdir()
    (cli.root / "courrier-B" / "d-6_impots.png").write_bytes(sample_png("impots"))
    places = {"<root>": str(cli.root), "<scratch>": str(world.scratch)}
    places["<link of 4>"] = world.links["4"]
    before, problems, covered = dump(cli.database), [], set()
    for path, command in MATRIX.items():
        for argv in matrix_argv(path, command):
            for key, value in places.items():
                argv = [a.replace(key, value) for a in argv]
            problems += _problems(cli.root, world, argv, places["<link of 4>"])
            if dump(cli.database) != before:
                problems.append(f"{argv} changed the database")
                before = dump(cli.database)
            covered.add(path)
    assert not problems, "\n".join(problems)
    assert covered == set(MATRIX)


def _problems(root: Path, world: Any, argv: list[str], link: str) -> list[str]:
    """What is wrong with ``--provider 1 ARGV``: B's data shown, or not refused as unknown."""
    result = world.cli("--provider", "1", "--json", *argv, env=world.env())
    written = "".join(
        p.read_bytes().decode("utf-8", "replace") for p in world.scratch.rglob("*") if p.is_file()
    )
    seen = [m for m in B_MARKERS if m in result.output or m in written]
    if seen:
        return [f"{argv}: B's {seen} shown under --provider 1:\n{result.output}"]
    names_b = link in argv or any(v in argv for values in B_RECORDS.values() for v in values)
    if result.exit_code == 0:
        empty = not names_b or json.loads(result.stdout) in ([], {})
        return [] if empty else [f"{argv} found B's record: {result.output}"]
    try:  # with --json, a refusal is one JSON object on stdout
        refusal = json.loads(result.stdout)
    except ValueError:
        refusal = {}
    said = refusal.get("error") if isinstance(refusal, dict) else None
    if result.exit_code not in (1, 2) or not isinstance(said, str) or "\n" in said:
        return [f"{argv}: not one sentence: {result.output}"]
    if refusal.get("exit_code") != result.exit_code:
        return [f"{argv}: the JSON refusal gives another exit code: {result.output}"]
    unknown = "not found" in said or "No payment link" in said
    if names_b and argv[:2] != ["provider", "import"] and not unknown:
        return [f"{argv}: refused, but not as unknown: {said}"]
    return []
