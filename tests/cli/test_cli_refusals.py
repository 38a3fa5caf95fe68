"""Refused commands: the documented exit code, one clear sentence, and nothing changed."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.testing import sample_answers, sample_pdf

if TYPE_CHECKING:
    from conftest import Cli, StoreChoice, Templates

LATER = "2026-03-07T10:00:00+01:00"  # provider 3's agrément expired on 5 March


def build(cli: Cli, societe_answers: Path) -> None:
    """Providers 1–3; dossier 1 in S1 (pieces not reviewed), 2 dismissed, 3 ready to accept.

    Provider 3's agrément (5 March 2020) expires on 5 March 2026. Built once; each test
    works on its own copy.
    """
    tmp_path = cli.root
    cli.add_provider(1)
    cli.add_provider(2)
    cli.add_provider(3, agrement_date="2020-03-05")
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1, "--to", 2, "--to", 3)
    cli.ok("dossier", "dismiss", 2, "--reason", "Doublon")
    validate = [
        "--validate", "identite", "--validate", "justificatif_domicile",
        "--validate", "statuts", "--validate", "beneficiaires_effectifs",
    ]  # fmt: skip
    cli.ok("justificatif", "review", 3, *validate)
    files = tmp_path / "fichiers"
    files.mkdir()
    (files / "lettre.pdf").write_text("Ceci est une lettre, pas un PDF.\n", encoding="utf-8")
    (files / "vide.pdf").write_bytes(b"")
    (files / "ok.pdf").write_bytes(sample_pdf("ok"))
    missing = sample_answers()
    del missing["client"]["representative"]["last_name"]
    (files / "manque.yaml").write_text(json.dumps(missing), encoding="utf-8")
    (files / "faute.yaml").write_text(
        json.dumps(sample_answers(telephone="06 12 34 56 78")), encoding="utf-8"
    )
    (files / "siren.yaml").write_text(
        json.dumps(sample_answers(en_formation=False, siren="732829321")), encoding="utf-8"
    )
    (files / "casse.yaml").write_text("client: [pas fermé\n", encoding="utf-8")


@pytest.fixture
def state(templates: Templates, store: StoreChoice, tmp_path: Path, societe_answers: Path) -> Cli:
    return templates.cli("refusals", store, tmp_path, lambda cli: build(cli, societe_answers))


def provider_argv(**overrides: str) -> list[str]:
    fields = {
        "name": "Nouveau Cabinet",
        "siren": "552100554",
        "agrement-numero": "2024-01",
        "agrement-prefecture": "Préfecture du Rhône",
        "agrement-date": "2024-01-15",
        "address": "1 place Bellecour",
        "postcode": "69002",
        "city": "Lyon",
        "email": "contact@cabinet.example",
        "phone": "04 72 00 00 00",
        **overrides,
    }
    argv = ["provider", "add"]
    for name, value in fields.items():
        argv += [f"--{name}", value]
    return argv


F = "{files}"
CASES: dict[str, tuple[list[str], int, list[str], dict[str, Any]]] = {
    # name: (argv, exit code, fragments of the message, options)
    "unknown dossier": (["dossier", "show", "999"], 1, ["Dossier 999 not found"], {}),
    "accept unknown dossier": (["dossier", "accept", "999"], 1, ["Dossier 999 not found"], {}),
    "invalid SIREN": (provider_argv(siren="552100555"), 1, ["siren", "not a valid SIREN"], {}),
    "bad phone": (provider_argv(phone="12 34"), 1, ["phone", "not a phone number"], {}),
    "bad email": (provider_argv(email="contact-at-cabinet"), 1, ["email"], {}),
    "control character in a name": (
        provider_argv(name="Cabinet\x1b[31m"), 1, ["name", "control character"], {},
    ),
    "SIREN already registered": (
        provider_argv(email="autre@cabinet.example"), 1, ["already exists"], {"second": True},
    ),
    "text file named .pdf": (
        ["justificatif", "add", "1", "identite", f"{F}/lettre.pdf"], 1, ["not a PDF"], {},
    ),
    "empty file": (["justificatif", "add", "1", "identite", f"{F}/vide.pdf"], 1, ["empty"], {}),
    "unknown piece kind": (
        ["justificatif", "add", "1", "passeport", f"{F}/ok.pdf"], 1, ["known kinds"], {},
    ),
    "file that does not exist": (
        ["justificatif", "add", "1", "identite", f"{F}/absent.pdf"], 2, ["does not exist"], {},
    ),
    "piece for a dismissed dossier": (
        ["justificatif", "add", "2", "identite", f"{F}/ok.pdf"], 1, ["no more pieces"], {},
    ),
    "answers with a missing field": (
        ["demande", "create", "--answers", f"{F}/manque.yaml", "--to", "1"], 1,
        ["client.representative.last_name", "required"], {},
    ),
    "answers with a wrong field": (
        ["demande", "create", "--answers", f"{F}/faute.yaml", "--to", "1"], 1,
        ["client.telephone", "unknown field"], {},
    ),
    "answers with an invalid SIREN": (
        ["demande", "create", "--answers", f"{F}/siren.yaml", "--to", "1"], 1,
        ["client.siren", "not a valid SIREN"], {},
    ),
    "answers that are not YAML": (
        ["demande", "create", "--answers", f"{F}/casse.yaml", "--to", "1"], 1, ["YAML"], {},
    ),
    "request to an unknown provider": (
        ["demande", "create", "--answers", f"{F}/manque.yaml", "--to", "42"], 1, [], {},
    ),
    "trigger not allowed from S1": (
        ["dossier", "reactivate", "1"], 1,
        ["S1 (En attente", "reactivate is not allowed", "accept, dismiss"], {},
    ),
    "trigger not allowed from S7": (
        ["dossier", "accept", "2"], 1, ["S7 (Classé sans suite", "final status"], {},
    ),
    "accept with pieces not validated": (
        ["dossier", "accept", "1"], 1,
        ["identite (submitted)", "justificatif_domicile (submitted)", "statuts (submitted)",
         "beneficiaires_effectifs (submitted)"], {},
    ),
    "accept with an expired agrément": (
        ["dossier", "accept", "3"], 1, ["Provider 3", "expired on 05/03/2026"], {"now": LATER},
    ),
    "dismiss without a reason": (["dossier", "dismiss", "1"], 2, ["--reason"], {}),
    "dismiss with a blank reason": (
        ["dossier", "dismiss", "1", "--reason", "   "], 1, ["internal reason (--reason TEXT)."], {},
    ),
    "a month without its year": (
        ["invoice", "list", "--month", "3"], 1, ["--year: a month is given without its year."], {},
    ),
    "unknown région": (
        ["annuaire", "departements", "--region", "99"], 1,
        ["Région '99' does not exist; `domicili annuaire regions` lists the valid codes."], {},
    ),
    "unknown département": (
        ["annuaire", "search", "--departement", "99"], 1,
        ["Département '99' does not exist; `domicili annuaire departements` lists the valid "
         "codes."], {},
    ),
    "unknown invoice": (
        ["invoice", "pdf", "F2026-000099", "-o", f"{F}/f.pdf"], 1,
        ["Invoice F2026-000099 not found; `domicili invoice list` shows them."], {},
    ),
    "a scoped command registering a provider": (
        ["--provider", "1", *provider_argv()], 1,
        ["Scoped to provider 1, domicili cannot register providers; run this without "
         "--provider."], {},
    ),
    "review with nothing to save": (["justificatif", "review", "1"], 2, ["--validate"], {}),
    "invalidation without a reason": (
        ["justificatif", "review", "1", "--invalidate", "identite"], 2, ["KIND=REASON"], {},
    ),
    "review of a piece never sent": (
        ["justificatif", "review", "1", "--validate", "kbis"], 1, ["kbis: no file received"], {},
    ),
    "status that does not exist": (["dossier", "list", "--status", "S9"], 2, ["S9"], {}),
    "id that is not a number": (
        ["dossier", "show", "un"], 2, ["not a dossier number or reference"], {},
    ),
    "id in other digits than 0-9": (
        ["dossier", "show", "١"], 2, ["not a dossier number or reference"], {},
    ),
    "revision in other digits than 0-9": (
        ["justificatif", "review", "1", "--validate", "identite@²"], 2, ["KIND@REVISION"], {},
    ),
    "review of a revision never received": (
        ["justificatif", "review", "1", "--validate", "identite@7"], 1,
        ["identite: dossier 1 has no revision 7 (the latest is 1); nothing was saved."], {},
    ),
    "agrément date without an expiry date": (
        provider_argv(**{"agrement-date": "9999-12-31"}), 1, ["agrement_date"], {},
    ),
    "output onto a named pipe": (
        ["invoice", "pdf", "F2026-000001", "-o", f"{F}/tube"], 2, ["not a regular file"], {},
    ),
    "negative limit": (["dossier", "list", "--limit", "0"], 2, ["--limit"], {}),
    "clock that is not a time": (
        ["dossier", "accept", "3"], 1, ["DOMICILI_NOW"], {"now": "mardi prochain"},
    ),
    "another provider's dossier": (
        ["--provider", "1", "dossier", "accept", "3"], 1, ["Dossier 3 not found"], {},
    ),
    "scope to an unknown provider": (
        ["--provider", "9", "dossier", "list"], 1, ["Provider 9 not found"], {},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_refused_command_exits_with_one_sentence_and_changes_nothing(
    state: Cli, dump: Any, files: Any, tmp_path: Path, case: str
) -> None:
    argv, code, fragments, options = CASES[case]
    if options.get("second"):
        state.ok(*provider_argv())
    argv = [a.replace(F, str(tmp_path / "fichiers")) for a in argv]
    os.mkfifo(tmp_path / "fichiers" / "tube")  # a named pipe (copies of the database have none)
    data_dir = state.files
    before, files_before = dump(state.database), files(data_dir)

    result = state(*argv, now=options.get("now"))

    assert result.exit_code == code, result.output
    message = result.stderr
    for fragment in fragments:
        assert fragment in message, message
    if code == 1:
        lines = message.strip().splitlines()
        assert len(lines) == 1, message
        assert lines[0].startswith("Error: ")
    assert result.stdout == ""
    assert dump(state.database) == before
    assert files(data_dir) == files_before


@pytest.mark.one_store  # a SQLite file on purpose
def test_a_read_command_on_a_missing_database_refuses_without_creating_it(
    cli: Cli, tmp_path: Path
) -> None:
    for argv in (
        ["dossier", "list"],
        ["dossier", "show", "1"],
        ["justificatif", "list", "1"],
        ["outbox", "list"],
        ["audit", "verify"],
        ["sweep"],
        ["provider", "list"],
        ["dossier", "accept", "1"],
    ):
        result = cli(*argv)
        assert result.exit_code == 1, (argv, result.output)
        assert "No database at" in result.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd"]


@pytest.mark.one_store  # a SQLite file on purpose
def test_a_database_written_by_a_newer_version_is_refused(cli: Cli) -> None:
    cli.ok("init")
    conn = sqlite3.connect(cli.db)
    with conn:
        conn.execute("INSERT INTO migrations (id, name, applied_at) VALUES (999, 'futur', 'x')")
    conn.close()
    result = cli("dossier", "list")
    assert result.exit_code == 1
    assert "newer domicili" in result.stderr


@pytest.mark.one_store  # a SQLite file on purpose
def test_a_file_that_is_not_a_database_is_refused(cli: Cli) -> None:
    cli.db.write_text("pas une base\n" * 100, encoding="utf-8")
    result = cli("dossier", "list")
    assert result.exit_code == 1
    assert "Error:" in result.stderr
    assert cli.db.read_text(encoding="utf-8") == "pas une base\n" * 100


@pytest.mark.one_store  # a SQLite file on purpose
def test_a_refused_first_command_leaves_no_new_database_behind(
    cli: Cli, societe_answers: Path, tmp_path: Path
) -> None:
    bad_provider = provider_argv(siren="552100555")
    assert cli(*bad_provider).exit_code == 1
    assert cli("demande", "create", "--answers", societe_answers, "--to", "1").exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd"]
    assert cli(*provider_argv()).exit_code == 0  # the same command, corrected, creates it
    assert cli.db.is_file()


def test_a_refusal_keeps_an_existing_database_and_its_files(cli: Cli, tmp_path: Path) -> None:
    cli.ok(*provider_argv())
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli(*provider_argv(email="x@cabinet.example")).exit_code == 1  # same SIREN
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert [p["id"] for p in cli.json("provider", "list")] == [1]
