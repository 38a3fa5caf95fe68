"""What a command says when its messages could not go out: the change stands, the command
returns within the delivery deadline, and stderr and ``--json`` name what stayed queued."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli
    from smtp_server import SmtpServer

REQUIRED = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
CLIENT = "contact@atelier-lumiere.fr"


@pytest.fixture
def reviewed(cli: Cli, societe_answers: Path) -> Cli:
    """One provider, one request whose pieces are all validated (ready to accept)."""
    cli.add_provider(1)
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1)
    cli.ok("justificatif", "review", 1, *(a for k in REQUIRED for a in ("--validate", k)))
    return cli


def hung(cli: Cli, server: SmtpServer, tmp_path: Path) -> dict[str, str]:
    """A 1-second delivery deadline over a 30-second wait per answer: a command that
    waited for the server would take 30 s at least."""
    config = server.config(tmp_path / "hung.toml", deadline=1, timeout=30)
    return {"DOMICILI_CONFIG": str(config)}


def timed(cli: Cli, *args: object, env: dict[str, str]) -> tuple[Any, float]:
    started = time.monotonic()
    result = cli(*args, env=env)
    return result, time.monotonic() - started


def queued_sentence(server: SmtpServer, to: str = CLIENT) -> str:
    return f"The email to {to} is queued: the mail server 127.0.0.1:{server.port} did not answer."


def test_accept_with_a_hung_mail_server_returns_in_time_and_says_what_is_queued(
    reviewed: Cli, hung_smtp: SmtpServer, tmp_path: Path
) -> None:
    result, elapsed = timed(
        reviewed, "dossier", "accept", 1, env=hung(reviewed, hung_smtp, tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert elapsed < 10  # the 1-second deadline, not the 30-second timeout
    assert queued_sentence(hung_smtp) in result.stderr.splitlines()
    assert reviewed.json("dossier", "show", 1)["status_code"] == "S2"  # the decision stands
    accepted = [m for m in reviewed.json("outbox", "list") if m["template"] == "accepted"]
    assert {m["status"] for m in accepted} <= {"pending", "failed"}
    assert accepted  # queued, for the next delivery run
    retry = reviewed.json("outbox", "deliver")  # the default outbox folder takes them
    assert retry["sent"] >= len(accepted)
    assert retry["failed"] == 0


def test_the_json_of_a_change_names_each_message_left_queued(
    reviewed: Cli, hung_smtp: SmtpServer, tmp_path: Path
) -> None:
    env = hung(reviewed, hung_smtp, tmp_path)
    shown = reviewed.json("dossier", "accept", 1, env=env)
    assert shown["status_code"] == "S2"
    undelivered = shown["undelivered"]
    assert undelivered[0]["to"] == CLIENT
    assert undelivered[0]["status"] == "queued"
    assert undelivered[0]["sentence"] == queued_sentence(hung_smtp)
    assert {u["status"] for u in undelivered} == {"queued"}
    queued = {m["id"] for m in reviewed.json("outbox", "list", "--status", "pending")}
    queued |= {m["id"] for m in reviewed.json("outbox", "list", "--status", "failed")}
    assert {u["message_id"] for u in undelivered} <= queued


def test_payment_record_with_a_hung_mail_server_records_the_payment_in_time(
    reviewed: Cli, hung_smtp: SmtpServer, tmp_path: Path
) -> None:
    reviewed.ok("dossier", "accept", 1)
    result, elapsed = timed(
        reviewed,
        "payment", "record", 1, "--method", "transfer", "--reference", "VIR-2026-0042",
        env=hung(reviewed, hung_smtp, tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert elapsed < 10  # the invoice and the contract are drawn in the same time
    assert queued_sentence(hung_smtp) in result.stderr.splitlines()
    assert reviewed.json("dossier", "show", 1)["status_code"] == "S3"
    (payment,) = reviewed.json("payment", "list")
    assert payment["status"] == "succeeded"
    unsent = [m for m in reviewed.json("outbox", "list") if m["status"] != "sent"]
    assert CLIENT in {m["to"] for m in unsent}


def test_dismiss_does_not_say_the_client_was_told_when_the_email_is_queued(
    reviewed: Cli, hung_smtp: SmtpServer, tmp_path: Path
) -> None:
    env = hung(reviewed, hung_smtp, tmp_path)
    result = reviewed("dossier", "dismiss", 1, "--reason", "Doublon", env=env)
    assert result.exit_code == 0, result.output
    assert "told" not in result.stderr
    assert result.stderr.splitlines() == [
        "Dossier 1 closed sans suite.",
        queued_sentence(hung_smtp),
    ]


def test_with_a_working_server_the_command_says_who_was_told(
    reviewed: Cli, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    env = {"DOMICILI_CONFIG": str(smtp_server.config(tmp_path / "up.toml"))}
    result = reviewed("dossier", "dismiss", 1, "--reason", "Doublon", env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Dossier 1 closed sans suite; the client was told, without the reason."
    ]
    assert [r.recipients for r in smtp_server.mailbox.received] == [[CLIENT]]


def test_the_mail_server_can_be_set_by_variables_alone(
    reviewed: Cli, smtp_server: SmtpServer
) -> None:
    env = {
        "DOMICILI_NOTIFICATIONS_NOTIFIER": "smtp",
        "DOMICILI_NOTIFICATIONS_OPTIONS_HOST": "127.0.0.1",
        "DOMICILI_NOTIFICATIONS_OPTIONS_PORT": str(smtp_server.port),
        "DOMICILI_EMAIL_SENDER": "bureau@lumiere.example",
    }
    result = reviewed("dossier", "dismiss", 1, "--reason", "Doublon", env=env)
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.mailbox.received
    assert received.recipients == [CLIENT]
    assert b"bureau@lumiere.example" in received.data.split(b"\r\n\r\n", 1)[0]


def test_a_variable_for_no_setting_is_a_sentence_and_exit_1(reviewed: Cli) -> None:
    result = reviewed("dossier", "list", env={"DOMICILI_NOTIFICATIONS_NOTIFYER": "smtp"})
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: DOMICILI_NOTIFICATIONS_NOTIFYER: [notifications] has no such setting; "
    )


def test_the_console_notifier_prints_each_message_on_stderr(reviewed: Cli) -> None:
    result = reviewed(
        "dossier", "dismiss", 1, "--reason", "Doublon",
        env={"DOMICILI_NOTIFICATIONS_NOTIFIER": "console"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"[email] {CLIENT} — " in result.stderr
    assert "Doublon" not in result.stderr  # the internal reason is never sent


def test_a_message_given_up_is_listed_and_sent_once_by_retry_when_the_server_is_back(
    reviewed: Cli, mail_down: dict[str, str], smtp_server: SmtpServer
) -> None:
    down = {**mail_down, "DOMICILI_NOTIFICATIONS_MAX_ATTEMPTS": "2"}
    assert reviewed("dossier", "dismiss", 1, "--reason", "Doublon", env=down).exit_code == 0
    assert reviewed("outbox", "deliver", env=down).exit_code == 3  # its second and last try
    (given_up,) = reviewed.json("outbox", "list", "--failed", env=down)
    assert (given_up["to"], given_up["status"], given_up["attempts"]) == (CLIENT, "failed", 2)
    assert reviewed.json("outbox", "deliver", env=down) == {"sent": 0, "failed": 0}

    back = {
        "DOMICILI_NOTIFICATIONS_MAX_ATTEMPTS": "2",
        "DOMICILI_NOTIFICATIONS_NOTIFIER": "smtp",
        "DOMICILI_NOTIFICATIONS_OPTIONS_HOST": "127.0.0.1",
        "DOMICILI_NOTIFICATIONS_OPTIONS_PORT": str(smtp_server.port),
    }
    retried = reviewed("outbox", "retry", given_up["id"], env=back)
    assert retried.exit_code == 0, retried.output
    assert retried.stdout == f"Message {given_up['id']} (e-mail to {CLIENT}) sent.\n"
    assert [r.recipients for r in smtp_server.mailbox.received] == [[CLIENT]]
    assert reviewed.json("outbox", "list", "--failed", env=back) == []
    assert reviewed.json("outbox", "deliver", env=back) == {"sent": 0, "failed": 0}
    assert len(smtp_server.mailbox.received) == 1  # sent once, whatever runs after

    again = reviewed("outbox", "retry", given_up["id"], env=back)
    assert again.exit_code == 1
    assert again.stderr.startswith(f"Error: Message {given_up['id']} was delivered on ")
    assert "nothing to retry" in again.stderr
    history = [e["type"] for e in reviewed.json("dossier", "show", 1)["events"]]
    assert history.count("message.retried") == 1


def test_retry_of_an_unknown_message_says_so_and_where_to_look(reviewed: Cli) -> None:
    result = reviewed("outbox", "retry", 999)
    assert result.exit_code == 1
    assert result.stderr == "Error: Message 999 not found; `domicili outbox list` shows them.\n"
    assert reviewed("outbox", "list", "--failed", "--status", "sent").exit_code == 2
