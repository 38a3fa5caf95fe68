"""``demande create`` without --answers: the questionnaire asked at the terminal, in French."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result

from domicili.cli import cli as command
from domicili.testing import sample_pdf, sample_provider, valid_siren

if TYPE_CHECKING:
    from conftest import Cli

NOW = "2026-03-02T10:00:00+01:00"

Run = Callable[..., Result]
Tries = str | list[str]


@pytest.fixture(autouse=True)
def _state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A questionnaire draft on a database server's URL goes to the user's state folder."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def db(cli: Cli) -> str:
    return cli.database


@pytest.fixture
def run(cli: Cli) -> Run:
    def invoke(*args: str, input: str | None = None, lang: str = "en") -> Result:
        return CliRunner().invoke(
            command,
            [*cli.target, *args],
            input=input,
            env={"DOMICILI_NOW": NOW, "DOMICILI_LANG": lang},
        )

    return invoke


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def add_provider(run: Run, seed: int, **overrides: Any) -> int:
    args = []
    for key, value in sample_provider(seed, **overrides).items():
        args += ["--" + key.replace("_", "-"), str(value)]
    result = ok(run("provider", "add", *args, "--json"))
    return int(json.loads(result.stdout)["id"])


def lines(*answers: Tries) -> str:
    """The typed input: each answer, or each try of it, on its own line."""
    out: list[str] = []
    for answer in answers:
        out += answer if isinstance(answer, list) else [answer]
    return "\n".join(out) + "\n"


def company(
    *,
    email: Tries = "contact@atelier.example",
    phone: Tries = "06 12 34 56 78",
    birth_date: Tries = "12/04/1988",
    postcode: Tries = "69003",
    owners: list[list[Tries]] | None = None,
    documents: list[Tries] | None = None,
    send: str = "y",
) -> str:
    """Answers of a company being registered (no SIREN yet), one line per question."""
    owners = owners if owners is not None else [["", "", "100"]]
    typed_owners: list[Tries] = []
    for index, owner in enumerate(owners):
        if index:
            typed_owners.append("y")  # add another beneficial owner
        typed_owners += owner
    typed_owners.append("n")
    return lines(
        "1",  # a company
        "Atelier Lumière",
        "",  # legal form: SAS by default
        "n",  # not registered yet
        "Conception d'éclairages",
        "Camille",
        "Durand",
        birth_date,
        "12 rue des Lilas",
        postcode,
        "Lyon",
        phone,  # the representative's phone
        email,
        "",  # the contact phone: the representative's by default
        *typed_owners,
        *(documents or ["", "", "", "", ""]),  # identite, domicile, statuts, BE, kbis
        send,
    )


def client_of(run: Run, dossier_id: int) -> dict[str, Any]:
    result = ok(run("dossier", "show", str(dossier_id), "--json"))
    return dict(json.loads(result.stdout)["client"])


def created(result: Result) -> list[dict[str, Any]]:
    return list(json.loads(ok(result).stdout)["dossiers"])


# ---------------------------------------------------------------------- answering


def test_questionnaire_creates_the_request_from_the_typed_answers(run: Run) -> None:
    provider_id = add_provider(run, 1)
    result = run("demande", "create", "--to", str(provider_id), "--json", input=company())
    (dossier,) = created(result)
    assert (dossier["provider_id"], dossier["status_code"]) == (provider_id, "S1")
    assert dossier["amount_due_cents"] == 12600
    client = client_of(run, dossier["id"])
    assert client["kind"] == "company"
    assert (client["name"], client["legal_form"], client["en_formation"]) == (
        "Atelier Lumière",
        "SAS",
        True,
    )
    assert client["siren"] is None
    assert client["activity"] == "Conception d'éclairages"
    assert (client["email"], client["phone"]) == ("contact@atelier.example", "+33612345678")
    representative = client["representative"]
    assert representative["birth_date"] == "1988-04-12"
    assert representative["phone"] == "+33612345678"
    assert (representative["postcode"], representative["city"]) == ("69003", "Lyon")
    assert client["beneficial_owners"] == [
        {
            "first_name": "Camille",
            "last_name": "Durand",
            "birth_date": None,
            "nationality": None,
            "share_percent": 100.0,
        }
    ]


def test_questions_and_summary_are_in_french_on_stderr(run: Run) -> None:
    provider_id = add_provider(run, 1)
    typed = company(owners=[["", "", "100"]], send="oui").replace("\nn\n", "\nnon\n", 1)
    result = ok(
        run("demande", "create", "--to", str(provider_id), "--json", input=typed, lang="fr")
    )
    asked = result.stderr.replace("\u00a0", " ").replace("\u202f", " ")
    for label in (
        "Vous êtes : (1) une société, (2) un entrepreneur individuel",
        "Dénomination de la société",
        "L’entreprise est-elle déjà immatriculée (SIREN) ? [o/N]",
        "Bénéficiaires effectifs",
        "Pièce d'identité du dirigeant ou de l'entrepreneur",
        "Récapitulatif",
        "Société : Atelier Lumière (SAS) — en formation",
        "Bénéficiaire effectif : Camille Durand (100 %)",
        # The justificatif catalog's labels, not the kinds' internal names.
        "Justificatif de domicile de moins de 3 mois : à envoyer plus tard",
        # The providers it goes to, and their price.
        "Envoyée à",
        "Domiciliation Test 1 (Paris), offre « Domiciliation » : 105,00 € HT, 126,00 € TTC "
        "par trimestre ; premier paiement 126,00 € TTC",
        "Envoyer cette demande ? [O/n]",
    ):
        assert label in asked, label
    assert "identite :" not in asked
    assert "Dénomination" not in result.stdout
    assert json.loads(result.stdout)["client"]["name"] == "Atelier Lumière"


def test_the_summary_table_shows_the_first_payment(run: Run) -> None:
    provider_id = add_provider(run, 1)
    result = ok(run("demande", "create", "--to", str(provider_id), input=company()))
    assert "Request of Atelier Lumière (en formation)" in result.stdout
    assert "126,00" in result.stdout
    assert "1 dossier sent" in result.stderr


@pytest.mark.parametrize(
    ("answers", "complaint"),
    [
        ({"email": ["pas-un-email", "contact@atelier.example"]}, "is not an email address"),
        ({"phone": ["12", "06 12 34 56 78"]}, "'12' is not a phone number"),
        ({"birth_date": ["31/04/1988", "1988-04-12"]}, "write it as 15/01/2024 or 2024-01-15"),
        ({"postcode": ["6900", "69003"]}, "a postcode of 5 digits"),
        ({"owners": [["", "", ["150", "0", "100"]]]}, "a percentage between 0 and 100"),
        ({"documents": [["absent.pdf", ""], "", "", "", ""]}, "absent.pdf does not exist"),
    ],
)
def test_an_invalid_answer_is_asked_again(
    run: Run, answers: dict[str, Any], complaint: str
) -> None:
    provider_id = add_provider(run, 1)
    result = run("demande", "create", "--to", str(provider_id), "--json", input=company(**answers))
    (dossier,) = created(result)
    assert complaint in result.stderr
    client = client_of(run, dossier["id"])
    assert client["email"] == "contact@atelier.example"
    assert client["phone"] == "+33612345678"
    assert client["representative"]["birth_date"] == "1988-04-12"
    assert client["representative"]["postcode"] == "69003"
    assert client["beneficial_owners"][0]["share_percent"] == 100.0


def test_each_invalid_answer_is_asked_again_until_valid(run: Run) -> None:
    provider_id = add_provider(run, 1)
    typed = company(email=["a", "b@", "camille@atelier.example"], postcode=["1", "x", "75011"])
    result = run("demande", "create", "--to", str(provider_id), "--json", input=typed)
    (dossier,) = created(result)
    assert result.stderr.count("Contact email:") == 3
    assert result.stderr.count("Postcode:") == 3
    client = client_of(run, dossier["id"])
    assert client["email"] == "camille@atelier.example"
    assert client["representative"]["postcode"] == "75011"


def test_several_beneficial_owners(run: Run) -> None:
    provider_id = add_provider(run, 1)
    typed = company(owners=[["", "", "60"], ["Louis", "Martin", "40"]])
    result = run("demande", "create", "--to", str(provider_id), "--json", input=typed)
    (dossier,) = created(result)
    owners = client_of(run, dossier["id"])["beneficial_owners"]
    assert [(o["first_name"], o["last_name"], o["share_percent"]) for o in owners] == [
        ("Camille", "Durand", 60.0),
        ("Louis", "Martin", 40.0),
    ]


def test_a_registered_individual_gives_a_siren_and_no_beneficial_owner(run: Run) -> None:
    provider_id = add_provider(run, 1)
    typed = lines(
        "2",  # an individual entrepreneur
        "Julien Petit",
        "",  # EI by default
        "y",  # registered
        ["123456789", valid_siren(4242)],
        "Conseil en informatique",
        "Julien",
        "Petit",
        "03/09/1990",
        "3 impasse des Tilleuls",
        "33000",
        "Bordeaux",
        "07 81 23 45 67",
        "julien@petit.example",
        "",
        "",  # identite
        "",  # justificatif_domicile
        "",  # kbis
        "y",
    )
    result = run("demande", "create", "--to", str(provider_id), "--json", input=typed)
    (dossier,) = created(result)
    assert result.stderr.count("SIREN (9 digits):") == 2
    assert "Beneficial owners" not in result.stderr
    assert "Statuts" not in result.stderr
    assert "Extrait Kbis" in result.stderr
    assert "Sole trader : Julien Petit (EI) — SIREN " + valid_siren(4242) in result.stderr
    client = client_of(run, dossier["id"])
    assert (client["kind"], client["legal_form"], client["siren"]) == (
        "individual",
        "EI",
        valid_siren(4242),
    )
    assert client["en_formation"] is False
    assert client["beneficial_owners"] == []


def test_declining_at_the_summary_writes_nothing(run: Run, db: str, dump: Any) -> None:
    provider_id = add_provider(run, 1)
    before = dump(db)
    result = run("demande", "create", "--to", str(provider_id), input=company(send="n"))
    assert result.exit_code == 1
    assert "Summary" in result.stderr
    assert "Aborted" in result.stderr
    assert dump(db) == before


def test_shares_above_one_hundred_percent_are_refused_and_nothing_written(
    run: Run, db: str, dump: Any
) -> None:
    provider_id = add_provider(run, 1)
    before = dump(db)
    typed = company(owners=[["", "", "60"], ["Louis", "Martin", "60"]])
    result = run("demande", "create", "--to", str(provider_id), input=typed)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "more than 100 %" in result.stderr
    assert dump(db) == before


# ------------------------------------------------------------- targets and documents


def test_documents_typed_are_stored_once_and_attached_to_each_dossier(
    run: Run, db: str, tmp_path: Path, direct: Any, cli: Cli
) -> None:
    one, two = add_provider(run, 1), add_provider(run, 2)
    identite, statuts = tmp_path / "identite.pdf", tmp_path / "statuts.pdf"
    identite.write_bytes(sample_pdf("identite Camille Durand"))
    statuts.write_bytes(sample_pdf("statuts Atelier Lumière"))
    typed = company(documents=[str(identite), "", str(statuts), "", ""])
    result = run("demande", "create", "--to", str(one), "--to", str(two), "--json", input=typed)
    dossiers = created(result)
    assert [d["provider_id"] for d in dossiers] == [one, two]
    attached = direct(
        db, "SELECT dossier_id, kind, sha256 FROM justificatifs ORDER BY dossier_id, kind"
    )
    assert [(d, k) for d, k, _sha in attached] == [
        (dossiers[0]["id"], "identite"),
        (dossiers[0]["id"], "statuts"),
        (dossiers[1]["id"], "identite"),
        (dossiers[1]["id"], "statuts"),
    ]
    assert attached[0][2] == attached[2][2]
    assert attached[1][2] == attached[3][2]
    assert direct(db, "SELECT count(*) FROM blobs") == [(2,)]
    store = cli.files / "justificatifs"
    stored = sorted(p for p in store.rglob("*") if p.is_file())
    assert len(stored) == 2
    assert {p.read_bytes() for p in stored} == {identite.read_bytes(), statuts.read_bytes()}
    assert "Pièce d'identité du dirigeant ou de l'entrepreneur : " + str(identite) in result.stderr


def test_questionnaire_sent_to_every_listed_provider_of_a_departement(
    run: Run, db: str, direct: Any
) -> None:
    first = add_provider(run, 1)
    second = add_provider(run, 2, postcode="92100", city="Boulogne-Billancourt")
    add_provider(run, 3, postcode="69003", city="Lyon")
    ok(run("provider", "update", str(second), "--serves", "92", "--serves", "75"))
    suspended = add_provider(run, 4)
    ok(run("provider", "suspend", str(suspended)))
    result = run("demande", "create", "--departement", "75", "--all", "--json", input=company())
    dossiers = created(result)
    assert sorted(d["provider_id"] for d in dossiers) == [first, second]
    assert len({d["client_id"] for d in dossiers}) == 1
    assert direct(db, "SELECT count(*) FROM clients") == [(1,)]


def test_all_without_listed_provider_is_refused_before_any_question(
    run: Run, db: str, dump: Any
) -> None:
    add_provider(run, 1)
    before = dump(db)
    result = run("demande", "create", "--departement", "13", "--all", input=company())
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: No provider is listed in département 13; "
        "`domicili annuaire search` shows where providers are.\n"
    )
    assert dump(db) == before


def test_unknown_provider_is_refused_after_the_questions_and_writes_nothing(
    run: Run, db: str, dump: Any
) -> None:
    provider_id = add_provider(run, 1)
    before = dump(db)
    result = run("demande", "create", "--to", str(provider_id), "--to", "99", input=company())
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Provider 99 not found; `domicili provider list` shows them."
    )
    assert dump(db) == before


# ------------------------------------------------------------ yes/no, files, the draft


@pytest.mark.parametrize(("registered", "send"), [("non", "oui"), ("N", "O"), ("no", "yes")])
def test_yes_and_no_are_taken_in_french_and_in_english(
    run: Run, registered: str, send: str
) -> None:
    provider_id = add_provider(run, 1)
    typed = company(send=send).replace("\nn\n", f"\n{registered}\n", 1)
    (dossier,) = created(run("demande", "create", "--to", str(provider_id), "--json", input=typed))
    assert client_of(run, dossier["id"])["en_formation"] is True


def test_an_answer_that_is_neither_yes_nor_no_is_asked_again_in_french(run: Run) -> None:
    provider_id = add_provider(run, 1)
    typed = company().replace("\nn\n", "\npeut-être\nn\n", 1)
    result = run("demande", "create", "--to", str(provider_id), input=typed, lang="fr")
    assert ok(result).stderr.count("L’entreprise est-elle déjà immatriculée (SIREN) ? [o/N]") == 2
    assert "répondez o (oui) ou n (non)" in result.stderr


def test_a_proof_of_address_that_is_not_a_pdf_is_refused_at_its_prompt(
    run: Run, tmp_path: Path, direct: Any, db: str
) -> None:
    provider_id = add_provider(run, 1)
    readme, proof = tmp_path / "README.md", tmp_path / "facture-edf.pdf"
    readme.write_text("# Not a proof of address\n", encoding="utf-8")
    proof.write_bytes(sample_pdf("facture EDF"))
    typed = company(documents=["", [str(readme), str(proof)], "", "", ""])
    result = run("demande", "create", "--to", str(provider_id), "--json", input=typed)
    (dossier,) = created(result)
    assert "README.md is not a PDF, JPEG or PNG file" in result.stderr
    assert result.stderr.count("Justificatif de domicile de moins de 3 mois:") == 2
    rows = direct(
        db, "SELECT kind, filename FROM justificatifs WHERE dossier_id = ?", dossier["id"]
    )
    assert rows == [("justificatif_domicile", "facture-edf.pdf")]


def test_the_draft_is_owner_only_while_asking_and_removed_once_sent(
    run: Run, cli: Cli, tmp_path: Path
) -> None:
    provider_id = add_provider(run, 1)
    draft = draft_file(cli)
    half = company().splitlines()[:8]
    result = run("demande", "create", "--to", str(provider_id), input="\n".join(half) + "\n")
    assert result.exit_code == 1  # the input ran out: the questionnaire stopped
    assert stat.S_IMODE(draft.stat().st_mode) == 0o600
    kept = json.loads(draft.read_text(encoding="utf-8"))
    assert kept["to"] == [provider_id]
    assert kept["answers"]["name"] == "Atelier Lumière"
    assert kept["answers"]["rep.birth_date"] == "1988-04-12"
    rest = company().splitlines()[8:]
    resumed = run("demande", "create", "--resume", "--json", input="\n".join(rest) + "\n")
    (dossier,) = created(resumed)
    assert "Dénomination de la société : Atelier Lumière" not in resumed.stderr  # English run
    assert "Name of the company : Atelier Lumière" in resumed.stderr
    assert client_of(run, dossier["id"])["representative"]["birth_date"] == "1988-04-12"
    assert not draft.exists()


def test_resume_without_a_draft_is_a_usage_error(run: Run) -> None:
    add_provider(run, 1)
    result = run("demande", "create", "--resume", input="")
    assert result.exit_code == 2
    assert "There is no interrupted questionnaire to resume" in result.stderr


def test_a_draft_found_without_resume_is_offered_and_can_be_left(run: Run, cli: Cli) -> None:
    provider_id = add_provider(run, 1)
    draft = draft_file(cli)
    run("demande", "create", "--to", str(provider_id), input="1\nAncien nom\n")
    assert json.loads(draft.read_text(encoding="utf-8"))["answers"]["name"] == "Ancien nom"
    typed = "n\n" + company()  # start again
    (dossier,) = created(run("demande", "create", "--to", str(provider_id), "--json", input=typed))
    assert client_of(run, dossier["id"])["name"] == "Atelier Lumière"
    assert not draft.exists()


def draft_file(cli: Cli) -> Path:
    from domicili.cli._draft import draft_path

    db = None if "://" in cli.database else Path(cli.database)
    return draft_path(db)


def test_an_interrupted_questionnaire_resumes_in_a_new_process(cli: Cli, tmp_path: Path) -> None:
    """Ctrl-C in the middle of the real command, then ``--resume`` in another one."""
    provider_id = cli.add_provider(1)
    draft = draft_file(cli)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
    env.update({"DOMICILI_NOW": NOW, "DOMICILI_LANG": "fr"})
    command = [str(Path(sys.executable).parent / "domicili"), *cli.target, "demande", "create"]
    typed = company().splitlines()
    process = subprocess.Popen(
        [*command, "--to", str(provider_id)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write("\n".join(typed[:10]) + "\n")
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if draft.exists() and "rep.postcode" in draft.read_text(encoding="utf-8"):
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    __, stderr = process.communicate(timeout=60)
    # Stopped at a prompt (click's "Aborted!", 1) or between two (domicili's own, 130).
    assert process.returncode in (1, 130), stderr
    assert "Traceback" not in stderr
    assert json.loads(draft.read_text(encoding="utf-8"))["answers"]["rep.postcode"] == "69003"
    resumed = subprocess.run(
        [*command, "--resume", "--json"],
        input="\n".join(typed[10:]) + "\n",
        capture_output=True,
        env=env,
        text=True,
        timeout=120,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "Code postal : 69003" in resumed.stderr  # shown again, not asked
    (dossier,) = json.loads(resumed.stdout)["dossiers"]
    assert dossier["provider_id"] == provider_id
    assert not draft.exists()
