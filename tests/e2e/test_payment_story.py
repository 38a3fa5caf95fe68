"""From acceptance to an active domiciliation through the installed ``domicili`` command:
card checkout, one-time codes by SMS, both signatures, then the PDFs read back."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from domicili.testing import sample_answers, sample_pdf

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "demande-societe.yaml"
DAY0 = "2026-03-02T10:00:00+01:00"
CHECKOUT = "https://paiement.example.fr/checkout/{token}"
CLIENT_MOBILE = "+33612345678"
PROVIDER_MOBILE = "+33698765432"
REQUIRED = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]


def command() -> str:
    found = Path(sys.executable).parent / "domicili"
    assert found.is_file(), "the domicili command is not installed next to this Python"
    return str(found)


class Shell:
    """Runs ``domicili`` in ``folder`` (where domicili.toml is) with DOMICILI_NOW fixed."""

    def __init__(self, folder: Path, store: Any = None) -> None:
        self.folder = folder
        self.files = folder / "cabinet.db-files"
        self.command = command()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
        self.env.update({"DOMICILI_DB": str(folder / "cabinet.db"), "DOMICILI_NOW": DAY0})
        if store is not None and store.is_postgres:  # the same story on a PostgreSQL server
            url, files = store.new()
            self.files = files
            self.env.update({"DOMICILI_DB": url, "DOMICILI_FILES": str(files)})

    def run(self, *args: object, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.command, *(str(a) for a in args)],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in result.stderr + result.stdout, result.stderr
        assert result.returncode == code, (args, result.stdout, result.stderr)
        return result

    def json(self, *args: object) -> Any:
        return json.loads(self.run(*args, "--json").stdout)


def answers_file(folder: Path) -> Path:
    """The example request of a company en formation (or an equivalent one if absent)."""
    if EXAMPLE.is_file():
        return EXAMPLE
    pieces = folder / "pieces"
    pieces.mkdir()
    answers = sample_answers()
    answers["documents"] = {}
    for kind in REQUIRED:
        (pieces / f"{kind}.pdf").write_bytes(sample_pdf(kind))
        answers["documents"][kind] = f"pieces/{kind}.pdf"
    file = folder / "demande-societe.yaml"
    file.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return file


def pdf_text(path: Path) -> list[str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return [
        " ".join(page.extract_text().replace("\u00a0", " ").replace("\u202f", " ").split())
        for page in reader.pages
    ]


def test_a_card_payment_and_two_sms_signatures_make_the_domiciliation_active(
    tmp_path: Path, store: Any
) -> None:
    (tmp_path / "domicili.toml").write_text(
        f'[payment]\ncheckout_url = "{CHECKOUT}"\n', encoding="utf-8"
    )
    sh = Shell(tmp_path, store)
    provider = sh.json(
        "provider", "add",
        "--name", "Cabinet Rivoli",
        "--siren", "732829320",
        "--agrement-numero", "2024-075-0001",
        "--agrement-prefecture", "Préfecture de police",
        "--agrement-date", "2024-01-15",
        "--address", "1 rue de Rivoli",
        "--postcode", "75004",
        "--city", "Paris",
        "--email", "contact@cabinet-rivoli.example",
        "--phone", "06 98 76 54 32",
    )  # fmt: skip
    assert provider["id"] == 1

    created = sh.json("demande", "create", "--answers", answers_file(tmp_path), "--to", 1)
    (dossier,) = created["dossiers"]
    assert (dossier["id"], dossier["status_code"]) == (1, "S1")
    sh.run("justificatif", "review", 1, *[a for k in REQUIRED for a in ("--validate", k)])
    accepted = sh.json("dossier", "accept", 1)
    assert accepted["status_code"] == "S2"
    due = accepted["amount_due_cents"]

    messages = sh.json("outbox", "list")
    (acceptance,) = [m for m in messages if m["template"] == "accepted" and m["channel"] == "email"]
    link = re.search(r"https://paiement\.example\.fr/checkout/(pl_[0-9a-f]+)", acceptance["body"])
    assert link, acceptance["body"]
    token = link.group(1)

    paid = sh.json("payment", "simulate", token, "--succeed")
    assert paid["outcome"] == "applied"
    number = paid["invoice_number"]
    assert re.fullmatch(r"F2026-\d{6}", number)
    assert sh.json("dossier", "show", 1)["status_code"] == "S3"

    # The codes are in the SMS delivered (files of the outbox folder); the outbox table
    # lists them with a placeholder instead.
    listed = [m for m in sh.json("outbox", "list") if m["template"] == "signature_code"]
    assert sorted(m["to"] for m in listed) == sorted([CLIENT_MOBILE, PROVIDER_MOBILE])
    assert all("du contrat D-000001 est ••••••." in m["body"] for m in listed)
    codes = {}
    for sms in sorted((sh.files / "outbox").glob("*.sms.txt")):
        text = sms.read_text(encoding="utf-8")
        found = re.search(r"^To: (\S+)\n\n.*du contrat D-000001 est (\d{6})\.", text, re.S)
        if found:
            codes[found.group(1)] = found.group(2)
    assert set(codes) == {CLIENT_MOBILE, PROVIDER_MOBILE}

    client = sh.json("contract", "sign", 1, "--party", "client", "--otp", codes[CLIENT_MOBILE])
    assert client["party"] == "client"
    sh.json("contract", "sign", 1, "--party", "provider", "--otp", codes[PROVIDER_MOBILE])
    shown = sh.json("dossier", "show", 1)
    assert (shown["status"], shown["status_code"]) == ("active", "S4")

    invoice_pdf = tmp_path / f"{number}.pdf"
    signed_pdf = tmp_path / "contrat-signe.pdf"
    attestation_pdf = tmp_path / "attestation.pdf"
    sh.run("invoice", "pdf", number, "-o", invoice_pdf)
    sh.run("contract", "signed", 1, "-o", signed_pdf)
    sh.run("attestation", "render", 1, "-o", attestation_pdf)

    invoice = " ".join(pdf_text(invoice_pdf))
    assert number in invoice
    euros = f"{due // 100},{due % 100:02d}"
    assert euros in invoice

    signed = pdf_text(signed_pdf)
    sha = shown["contract_sha256"]
    assert "CERTIFICAT DE SIGNATURE" in signed[-1]
    assert sha in re.sub(r"\s", "", signed[-1])
    assert "Camille Durand" in signed[-1]
    assert "Cabinet Rivoli" in signed[-1]
    assert hashlib.sha256(signed_pdf.read_bytes()).hexdigest() == shown["signed_contract_sha256"]

    attestation = " ".join(pdf_text(attestation_pdf))
    assert "ATTESTATION" in attestation.upper()
    assert "Atelier Lumière" in attestation

    messages = sh.json("outbox", "list")
    assert [m["template"] for m in messages].count("activated") == 2
    assert {m["status"] for m in messages} == {"sent"}
