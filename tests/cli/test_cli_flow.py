"""The whole flow through the real CLI (click's runner), and its JSON documents."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.cli import cli as domicili_cli
from domicili.testing import sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import Cli

DAY0 = "2026-03-02T10:00:00+01:00"
DAY5 = "2026-03-07T10:00:00+01:00"
DAY8 = "2026-03-10T10:00:00+01:00"
REQUIRED = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]


def sweep(runner: Any, now: str) -> tuple[list[int], list[int]]:
    """Reminders sent and dossiers expired by one ``sweep`` run at ``now``."""
    report = runner.json("sweep", now=now)
    return report["reminders"], report["expired"]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def requested(cli: Cli, societe_answers: Path) -> dict[str, Any]:
    """Two providers and one request (a company en formation) sent to both."""
    cli.add_provider(1)
    cli.add_provider(2)
    return cli.json("demande", "create", "--answers", societe_answers, "--to", 1, "--to", 2)


def test_demande_create_makes_one_dossier_per_provider_in_s1(
    cli: Cli, requested: dict[str, Any]
) -> None:
    dossiers = requested["dossiers"]
    assert [d["provider_id"] for d in dossiers] == [1, 2]
    assert {d["status"] for d in dossiers} == {"pending_review"}
    assert {d["status_code"] for d in dossiers} == {"S1"}
    assert {d["client_id"] for d in dossiers} == {requested["client"]["id"]}
    assert all(isinstance(d["amount_due_cents"], int) for d in dossiers)
    pieces = cli.json("justificatif", "list", 1)
    assert {p["kind"]: p["state"] for p in pieces if p["required"]} == dict.fromkeys(
        REQUIRED, "submitted"
    )


def test_the_whole_flow_through_the_cli(
    cli: Cli, requested: dict[str, Any], tmp_path: Path
) -> None:
    review = cli.ok(
        "justificatif", "review", 1,
        "--validate", "identite", "--validate", "statuts",
        "--validate", "beneficiaires_effectifs",
        "--invalidate", "justificatif_domicile=Facture de plus de 3 mois",
    )  # fmt: skip
    assert "recap" in review.stderr

    refused = cli("dossier", "accept", 1)
    assert refused.exit_code == 1
    assert "justificatif_domicile (invalidated)" in refused.stderr

    new_proof = tmp_path / "edf-mars.pdf"
    new_proof.write_bytes(sample_pdf("Facture EDF mars 2026"))
    added = cli.json("justificatif", "add", 1, "justificatif_domicile", new_proof)
    assert (added["revision"], added["state"]) == (2, "submitted")
    assert added["filename"] == new_proof.name
    cli.ok("justificatif", "review", 1, "--validate", "justificatif_domicile")

    accepted = cli.json("dossier", "accept", 1)
    assert (accepted["status"], accepted["status_code"]) == ("awaiting_payment", "S2")
    assert instant(accepted["payment_due_at"]) == instant("2026-03-09T23:59:59+01:00")

    dismissed = cli.json("dossier", "dismiss", 2, "--reason", "Capacité d'accueil atteinte")
    assert dismissed["status_code"] == "S7"

    assert sweep(cli, DAY5) == ([1], [])
    assert sweep(cli, DAY5) == ([], [])
    assert sweep(cli, DAY8) == ([], [1])
    shown = cli.json("dossier", "show", 1, now=DAY8)
    assert shown["status"] == "expired"

    again = cli.json("dossier", "reactivate", 1, now=DAY8)
    assert again["status_code"] == "S2"
    assert instant(again["payment_due_at"]) == instant("2026-03-17T23:59:59+01:00")

    messages = cli.json("outbox", "list")  # newest first
    emails = [m for m in messages if m["dossier_id"] == 1 and m["channel"] == "email"]
    templates = [m["template"] for m in reversed(emails)]
    assert templates == [
        "new_request", "request_received", "justificatif_recap", "justificatif_recap",
        "accepted", "payment_reminder", "expired", "reactivated",
    ]  # fmt: skip
    assert {m["status"] for m in messages} == {"sent"}
    for m in messages:
        assert "Capacité d'accueil" not in f"{m['subject']} {m['body']}"
    verified = cli.json("audit", "verify")
    assert verified["ok"] is True
    assert verified["events"] > 10


def test_dossier_show_json_has_the_documented_keys(cli: Cli, requested: dict[str, Any]) -> None:
    shown = cli.json("dossier", "show", 1)
    for key in (
        "id", "status", "status_code", "provider_id", "client", "justificatifs",
        "payment_due_at", "amount_due_cents", "events",
    ):  # fmt: skip
        assert key in shown
    assert (shown["id"], shown["status"], shown["status_code"]) == (1, "pending_review", "S1")
    assert shown["client"]["name"] == "Atelier Lumière"
    assert shown["payment_due_at"] is None
    assert isinstance(shown["amount_due_cents"], int)
    assert shown["amount_due_cents"] > 0
    assert {p["kind"] for p in shown["justificatifs"]} >= set(REQUIRED)
    assert [e["type"] for e in shown["events"]][:1] == ["dossier.created"]


def test_outbox_list_json_has_the_documented_keys(cli: Cli, requested: dict[str, Any]) -> None:
    messages = cli.json("outbox", "list")
    assert len(messages) == 4
    for m in messages:
        for key in ("id", "channel", "to", "subject", "body", "template", "dossier_id", "status"):
            assert key in m
        assert m["channel"] in ("email", "sms")
    assert [m["id"] for m in cli.json("outbox", "list", "--dossier", 2)] == [4, 3]


def test_justificatif_list_json_gives_kind_state_and_required(
    cli: Cli, requested: dict[str, Any]
) -> None:
    pieces = cli.json("justificatif", "list", 2)
    assert all({"kind", "state", "required"} <= set(p) for p in pieces)
    kbis = next(p for p in pieces if p["kind"] == "kbis")
    assert (kbis["state"], kbis["required"], kbis["requirement"]) == ("missing", False, "later")


def test_the_global_json_flag_works_before_the_command(cli: Cli, requested: dict[str, Any]) -> None:
    result = cli.ok("--json", "dossier", "list")
    dossiers = json.loads(result.stdout)
    assert [d["id"] for d in dossiers] == [2, 1]
    assert [d["status_code"] for d in dossiers] == ["S1", "S1"]


def test_json_output_is_one_document_and_messages_go_to_stderr(
    cli: Cli, requested: dict[str, Any]
) -> None:
    result = cli.ok("justificatif", "review", 1, "--validate", "identite", "--json")
    assert isinstance(json.loads(result.stdout), list)
    assert "Review saved" in result.stderr
    assert "Review saved" not in result.stdout


def test_people_read_french_status_labels(cli: Cli, requested: dict[str, Any]) -> None:
    listing = cli.ok("dossier", "list").stdout
    assert "S1 En attente d'acceptation ou de classement" in " ".join(listing.split())
    shown = cli.ok("dossier", "show", 1).stdout
    assert "S1 En attente d'acceptation ou de classement" in shown


def test_a_piped_table_is_one_line_per_row_in_aligned_columns(
    cli: Cli, requested: dict[str, Any]
) -> None:
    header, rule, *rows = cli.ok("dossier", "list", env={"DOMICILI_LANG": "fr"}).stdout.splitlines()
    assert header.split()[:3] == ["ID", "Réf.", "Domiciliataire"]
    assert set(rule) == {"-", " "}
    assert [row.split()[:2] for row in rows] == [["2", "D-000002"], ["1", "D-000001"]]
    for row in rows:  # every cell starts under its heading
        assert row.index("D-00000") == header.index("Réf.")
        assert row[header.index("Statut") :].startswith("S1 En attente d'acceptation")
    assert "│" not in cli.ok("dossier", "show", 1).stdout  # no rich boxes when piped


def test_dossier_list_filters_by_status_code_or_name(cli: Cli, requested: dict[str, Any]) -> None:
    cli.ok("dossier", "dismiss", 2, "--reason", "Doublon")
    assert [d["id"] for d in cli.json("dossier", "list", "--status", "S7")] == [2]
    assert [d["id"] for d in cli.json("dossier", "list", "--status", "pending_review")] == [1]


def test_emails_land_in_the_outbox_folder_as_eml(cli: Cli, requested: dict[str, Any]) -> None:
    files = sorted(cli.outbox.glob("*.eml"))
    assert len(files) == 4
    mail = BytesParser(policy=policy.default).parsebytes(files[1].read_bytes())
    assert mail["Subject"] == (
        "Votre demande de domiciliation auprès de Domiciliation Test 1 (D-000001)"
    )


def test_the_database_can_come_from_domicili_db(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "par-variable.db"
    result = cli.runner.invoke(
        domicili_cli,
        ["init"],
        env={"DOMICILI_DB": str(other), "DOMICILI_NOW": DAY0},
    )
    assert result.exit_code == 0, result.output
    assert other.is_file()
    conn = sqlite3.connect(other)
    try:
        assert conn.execute("SELECT count(*) FROM migrations").fetchone()[0] >= 1
    finally:
        conn.close()


def test_audit_verify_names_the_altered_event_and_exits_1(
    cli: Cli, requested: dict[str, Any]
) -> None:
    cli.direct("UPDATE events SET data = '{}' WHERE id = 4")
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout.startswith("Event 4: its content does not match its hash")
    report = cli("audit", "verify", "--json")
    assert report.exit_code == 1
    assert json.loads(report.stdout)["first_bad_id"] == 4


def test_a_mail_server_that_is_down_gives_exit_3_and_keeps_messages_queued(
    cli: Cli, societe_answers: Path, mail_down: dict[str, str]
) -> None:
    env = mail_down
    cli.add_provider(1)
    created = cli.json("demande", "create", "--answers", societe_answers, "--to", 1, env=env)
    assert created["dossiers"][0]["status_code"] == "S1"  # the request itself is recorded
    queued = cli.json("outbox", "list", env=env)
    assert [m["status"] for m in queued] == ["failed", "failed"]
    retry = cli("outbox", "deliver", env=env)
    assert retry.exit_code == 3
    assert "Sent: 0; failed: 2." in retry.stdout
    french = cli("outbox", "deliver", env={**env, "DOMICILI_LANG": "fr"})
    assert (french.exit_code, french.stdout) == (3, "Envoyés : 0 ; en échec : 2.\n")
    delivered = cli.json("outbox", "deliver")  # back to the default outbox folder
    assert delivered == {"sent": 2, "failed": 0}
    assert len(list(cli.outbox.glob("*.eml"))) == 2


def test_the_same_answers_sent_again_are_refused_unless_forced(
    cli: Cli, requested: dict[str, Any], societe_answers: Path
) -> None:
    again = cli("demande", "create", "--answers", societe_answers, "--to", 2)
    assert again.exit_code == 1
    assert again.stderr.strip().splitlines()[-1] == (
        "Error: Atelier Lumière already has dossier D-000002 open with "
        f"{sample_provider(2)['name']}; nothing was sent; add --force to send it anyway."
    )
    assert len(cli.json("dossier", "list")) == 2

    french = cli(
        "demande", "create", "--answers", societe_answers, "--to", 2,
        env={"DOMICILI_LANG": "fr"},
    )  # fmt: skip
    assert french.exit_code == 1
    assert "a déjà le dossier D-000002 en cours chez" in french.stderr
    assert "ajoutez --force pour l’envoyer quand même" in french.stderr

    forced = cli.json("demande", "create", "--answers", societe_answers, "--to", 2, "--force")
    assert [d["id"] for d in forced["dossiers"]] == [3]
    assert len(cli.json("dossier", "list")) == 3
