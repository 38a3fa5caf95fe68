"""The whole story through the installed ``domicili`` command, one process per command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from domicili.testing import sample_answers, sample_pdf

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "demande-societe.yaml"
DAY0 = "2026-03-02T10:00:00+01:00"
DAY5 = "2026-03-07T10:00:00+01:00"
DAY8 = "2026-03-10T10:00:00+01:00"
REASON = "Bénéficiaire effectif introuvable au registre"


def sweep(runner: Any, now: str) -> tuple[list[int], list[int]]:
    """Reminders sent and dossiers expired by one ``sweep`` run at ``now``."""
    report = runner.json("sweep", now=now)
    return report["reminders"], report["expired"]


def installed_command() -> str:
    found = shutil.which("domicili") or str(Path(sys.executable).parent / "domicili")
    assert Path(found).is_file(), "the domicili command is not installed"
    return found


def french_environment() -> dict[str, str]:
    """The environment of a French office: no language asked for, so French."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DOMICILI_", "LC_", "LANG")) and k != "LANGUAGE"
    }


class Shell:
    """Runs ``domicili`` like a person would, with DOMICILI_DB and DOMICILI_NOW set, in
    French (no language asked for)."""

    def __init__(self, folder: Path, store: Any = None) -> None:
        self.folder = folder
        self.db = folder / "cabinet.db"
        self.files = folder / "cabinet.db-files"
        self.command = installed_command()
        self.env = french_environment()
        self.env.update({"DOMICILI_DB": str(self.db), "DOMICILI_NOW": DAY0})
        if store is not None and store.is_postgres:  # the same story on a PostgreSQL server
            url, files = store.new()
            self.files = files
            self.env.update({"DOMICILI_DB": url, "DOMICILI_FILES": str(files)})

    def run(
        self, *args: object, now: str = DAY0, code: int = 0
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.command, *(str(a) for a in args)],
            env={**self.env, "DOMICILI_NOW": now},
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in result.stderr + result.stdout, result.stderr
        assert "inattendue" not in result.stderr, result.stderr
        assert result.returncode == code, (args, result.stdout, result.stderr)
        return result

    def json(self, *args: object, now: str = DAY0) -> Any:
        return json.loads(self.run(*args, "--json", now=now).stdout)


def answers_file(folder: Path) -> Path:
    """The example request of a company en formation (or an equivalent one if absent)."""
    if EXAMPLE.is_file():
        return EXAMPLE
    pieces = folder / "pieces"
    pieces.mkdir()
    answers = sample_answers()
    answers["documents"] = {}
    for kind in ("identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"):
        (pieces / f"{kind}.pdf").write_bytes(sample_pdf(kind))
        answers["documents"][kind] = f"pieces/{kind}.pdf"
    file = folder / "demande-societe.yaml"
    file.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return file


def provider_args(n: int) -> list[str]:
    sirens = {1: "732829320", 2: "552100554"}
    return [
        "provider", "add",
        "--name", f"Cabinet {n}",
        "--siren", sirens[n],
        "--agrement-numero", f"2024-075-000{n}",
        "--agrement-prefecture", "Préfecture de police",
        "--agrement-date", "2024-01-15",
        "--address", f"{n} rue de Rivoli",
        "--postcode", "75004",
        "--city", "Paris",
        "--email", f"contact{n}@cabinet.example",
        "--phone", "01 42 00 00 00",
        "--iban", "FR7630006000011234567890189",  # a way to pay: accepting needs one
    ]  # fmt: skip


def test_the_whole_story_through_the_installed_command(tmp_path: Path, store: Any) -> None:
    sh = Shell(tmp_path, store)
    assert [sh.json(*provider_args(n))["id"] for n in (1, 2)] == [1, 2]

    answers = answers_file(tmp_path)
    created = sh.json("demande", "create", "--answers", answers, "--to", 1, "--to", 2)
    assert [(d["id"], d["status_code"]) for d in created["dossiers"]] == [(1, "S1"), (2, "S1")]

    sh.run(
        "justificatif", "review", 1,
        "--validate", "identite", "--validate", "statuts",
        "--validate", "beneficiaires_effectifs",
        "--invalidate", "justificatif_domicile=Facture de plus de 3 mois",
    )  # fmt: skip
    refused = sh.run("dossier", "accept", "D-000001", code=1)
    assert refused.stderr.strip().startswith("Erreur : ")
    assert "justificatif_domicile" in refused.stderr

    proof = tmp_path / "facture-mars.pdf"
    proof.write_bytes(sample_pdf("Facture EDF mars 2026"))
    assert sh.json("justificatif", "add", 1, "justificatif_domicile", proof)["revision"] == 2
    sh.run("justificatif", "review", 1, "--validate", "justificatif_domicile")
    pieces = sh.json("justificatif", "list", 1)
    assert {p["state"] for p in pieces if p["required"]} == {"validated"}

    accepted = sh.json("dossier", "accept", 1)
    assert accepted["status_code"] == "S2"
    dismissed = sh.run("dossier", "dismiss", "D-000002", "--reason", REASON, "--json")
    assert json.loads(dismissed.stdout)["status_code"] == "S7"
    assert dismissed.stderr == (
        "Dossier 2 classé sans suite ; le client a été prévenu, sans le motif.\n"
    )

    assert sweep(sh, DAY5) == ([1], [])
    assert sweep(sh, DAY5) == ([], [])
    assert sweep(sh, DAY8) == ([], [1])
    assert sweep(sh, DAY8) == ([], [])
    assert sh.json("dossier", "show", 1, now=DAY8)["status"] == "expired"

    again = sh.json("dossier", "reactivate", 1, now=DAY8)
    assert again["status_code"] == "S2"

    messages = sh.json("outbox", "list")
    assert {m["status"] for m in messages} == {"sent"}
    emails = [m for m in messages if m["dossier_id"] == 1 and m["channel"] == "email"]
    about_one = [m["template"] for m in reversed(emails)]  # listed newest first
    assert about_one[-4:] == ["accepted", "payment_reminder", "expired", "reactivated"]
    for m in messages:
        assert REASON not in f"{m['subject']} {m['body']}"
    eml = sorted((sh.files / "outbox").glob("*.eml"))
    assert len(eml) == sum(m["channel"] == "email" for m in messages)
    for path in eml:
        mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert REASON not in mail.get_body().get_content()

    verified = sh.run("audit", "verify")
    assert verified.stdout.startswith("Journal d’audit intact : ")

    shown = sh.run("dossier", "show", "d-000001", now=DAY8).stdout
    assert shown.startswith("Dossier D-000001 (n° 1) — S2 ")
    assert re.search(r"^Montant dû : .* TTC, avant le \d\d/03/2026 23:59$", shown, re.M)
    for label in ("Historique", "Demande reçue", "Dossier expiré", "Dossier réactivé"):
        assert label in shown
    header = sh.run("dossier", "list", "--search", "lumière").stdout.splitlines()[0]
    assert header.split()[:4] == ["ID", "Réf.", "Domiciliataire", "Client"]

    usage = sh.run("dossier", "show", "premier", code=2)
    assert usage.stderr.startswith("Utilisation : domicili dossier show")
    assert "'premier' n’est ni un numéro ni une référence de dossier" in usage.stderr
    missing = sh.run("dossier", "show", 99, code=1)
    assert missing.stderr.strip() == (
        "Erreur : Dossier 99 introuvable ; `domicili dossier list` les montre."
    )
    refusal = json.loads(sh.run("--json", "dossier", "show", 99, code=1).stdout)
    assert (refusal["kind"], refusal["dossier_id"]) == ("DossierNotFound", 99)


@pytest.mark.one_store  # the demo makes its own SQLite file
def test_the_demo_runs_to_the_end(tmp_path: Path) -> None:
    """As a French user runs it: no DOMICILI_LANG, French sentences, one date format."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
    for name in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    result = subprocess.run(
        [installed_command(), "demo", "--dir", str(tmp_path / "demo")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "demo" / "domicili.db").is_file()
    out = result.stdout
    for french in (
        "Trois domiciliataires s’inscrivent avec leur agrément",
        "HT par mois",
        "Accepter maintenant est refusé : une pièce exigée n’est pas validée",
        "relances envoyées : 1, dossiers expirés : 0",
        "S8 Expiré",
        "signé par Camille Durand pour la société Atelier Lumière en formation",
        "paiement en attente d’examen",
        "remboursé par la banque (référence REMB-2026-0001)",
        "fichier stocké contrôlés : intacts",
    ):
        assert french in out, french
    for english in ("signed by", " for la société", "excl. VAT", "reminder", "refunded"):
        assert english not in out, english
    # One date format: 15/01/2024, never 2024-01-15 nor "15 janvier 2024".
    assert re.search(r"valable jusqu’au \d{2}/\d{2}/\d{4}", out)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", out)
    assert not re.search(
        r"\b\d{1,2}(er)? (janvier|février|mars|avril|mai|juin|juillet|août|"
        r"septembre|octobre|novembre|décembre) \d{4}",
        out.split("file d’envoi")[0],
    )


@pytest.mark.one_store
def test_python_dash_m_domicili_shows_the_help(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "domicili", "--help"],
        env=french_environment(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Utilisation : domicili [OPTIONS] COMMAND [ARGS]...")
    assert "Gestion d’un domiciliataire français" in result.stdout
    assert "dossier" in result.stdout
