"""Held payments through the real CLI: ``payment webhook`` / ``payment record`` keep what
cannot be applied and exit 4 saying so; ``payment list --status held`` shows it to the
sessions that may see it; ``payment apply`` and ``payment refund`` resolve it once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import Result

from domicili.adapters.payments import sign_stripe_payload
from domicili.money import format_eur

if TYPE_CHECKING:
    from conftest import Cli, StoreChoice, Templates

NOW = "2026-03-02T10:00:00+01:00"
SECRET = "whsec_domicili_held_cli_tests"
OPERATOR = "paiements@exploitant.example"
STRIPE = '[payment]\ngateway = "stripe"\n'
WITH_OPERATOR = STRIPE + f'operator_email = "{OPERATOR}"\n'
REQUIRED = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
AMOUNT_DUE = 12600
KEPT = 4


def build(cli: Cli, societe_answers: Path) -> None:
    """Providers 1 and 2, each with one accepted dossier (1 and 2) awaiting payment."""
    validate = [arg for kind in REQUIRED for arg in ("--validate", kind)]
    for seed in (1, 2):
        cli.add_provider(seed, phone=f"06 98 76 54 3{seed}")
        cli.ok("demande", "create", "--answers", societe_answers, "--to", seed)
        cli.ok("justificatif", "review", seed, *validate)
        assert cli.json("dossier", "accept", seed)["status_code"] == "S2"


@pytest.fixture
def cabinet(
    templates: Templates,
    store: StoreChoice,
    tmp_path: Path,
    societe_answers: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """A copy of the two-provider database; the Stripe settings (with an operator) in the cwd."""
    cli = templates.cli("held-cli", store, tmp_path, lambda c: build(c, societe_answers))
    Path("domicili.toml").write_text(WITH_OPERATOR, encoding="utf-8")
    monkeypatch.setenv("DOMICILI_STRIPE_WEBHOOK_SECRET", SECRET)
    return cli


def body(
    event_id: str, dossier_id: int | None, amount: int = AMOUNT_DUE, cur: str = "eur"
) -> bytes:
    metadata = {} if dossier_id is None else {"dossier_id": str(dossier_id)}
    obj = {
        "id": f"pi_{event_id}",
        "amount": amount,
        "amount_received": amount,
        "currency": cur,
        "payment_method_types": ["card"],
        "metadata": metadata,
    }
    event = {"id": event_id, "type": "payment_intent.succeeded", "data": {"object": obj}}
    return json.dumps(event).encode()


def webhook(cli: Cli, payload: bytes, *scope: str) -> Result:
    """``payment webhook stripe`` with ``payload`` on stdin, signed now with the secret."""
    from domicili.cli import cli as command

    header = sign_stripe_payload(payload, SECRET, int(datetime.fromisoformat(NOW).timestamp()))
    env: dict[str, str | None] = {"DOMICILI_NOW": NOW, "DOMICILI_PROVIDER": None}
    argv = [*cli.target, *scope, "payment", "webhook", "stripe", "--signature", header, "--json"]
    result = cli.runner.invoke(command, argv, input=payload, env=env)
    assert "Traceback" not in result.output, result.output
    assert "unexpected" not in result.output, result.output
    return result


def held(result: Result) -> dict[str, Any]:
    """The outcome of a command that kept a payment for review (exit 4, JSON on stdout)."""
    assert result.exit_code == KEPT, result.output
    outcome: dict[str, Any] = json.loads(result.stdout)
    assert outcome["outcome"] == "held"
    number = outcome["payment_id"]
    assert f"kept as held payment {number} for review" in result.stderr
    assert f"`domicili payment apply {number} DOSSIER_ID`" in result.stderr
    return outcome


WEBHOOK_CASES = {
    "unknown dossier": ((), 999, AMOUNT_DUE, "eur", "dossier 999 does not exist", OPERATOR),
    "no dossier reference": ((), None, AMOUNT_DUE, "eur", "no dossier is named", OPERATOR),
    "another provider's dossier": (
        ("--provider", "2"),
        1,
        AMOUNT_DUE,
        "eur",
        "dossier 1 is not one of this provider's",
        "contact2@domiciliation.example",
    ),
    "another currency": (
        (),
        1,
        AMOUNT_DUE,
        "usd",
        "paid in USD, not in euros",
        "contact1@domiciliation.example",
    ),
    "wrong amount": (
        (),
        1,
        AMOUNT_DUE - 100,
        "eur",
        f"{format_eur(AMOUNT_DUE - 100)} received but {format_eur(AMOUNT_DUE)} is due",
        "contact1@domiciliation.example",
    ),
}


@pytest.mark.parametrize("case", WEBHOOK_CASES.values(), ids=WEBHOOK_CASES.keys())
def test_a_signed_webhook_that_cannot_be_applied_exits_4_and_is_listed(
    cabinet: Cli, case: tuple[tuple[str, ...], int | None, int, str, str, str]
) -> None:
    scope, dossier, amount, currency, reason, told = case
    outcome = held(webhook(cabinet, body("evt_cli_held", dossier, amount, currency), *scope))
    assert outcome["notified"] == told
    (row,) = cabinet.json(*scope, "payment", "list", "--status", "held")
    assert row["id"] == outcome["payment_id"]
    assert (row["adapter"], row["external_id"], row["event_id"]) == (
        "stripe",
        "pi_evt_cli_held",
        "evt_cli_held",
    )
    assert (row["amount_cents"], row["currency"], row["review_reason"]) == (
        amount,
        currency.upper(),
        reason,
    )
    (email,) = [m for m in cabinet.json("outbox", "list") if m["template"].startswith("payment_")]
    assert email["to"] == told
    assert [d["status_code"] for d in cabinet.json("dossier", "list")] == ["S2", "S2"]
    assert cabinet.json("invoice", "list") == []


def test_a_webhook_of_nobody_without_an_operator_address_says_nobody_was_told(
    cabinet: Cli,
) -> None:
    Path("domicili.toml").write_text(STRIPE, encoding="utf-8")
    result = webhook(cabinet, body("evt_cli_nobody", None))
    outcome = held(result)
    assert outcome["notified"] is None
    assert "no operator address is configured (payment.operator_email), so nobody was told" in (
        result.stderr
    )
    assert [p["id"] for p in cabinet.json("payment", "list", "--status", "held")] == [
        outcome["payment_id"]
    ]


def test_payment_record_on_a_dossier_not_awaiting_payment_exits_4_keeping_it(
    cabinet: Cli,
) -> None:
    cabinet.ok("dossier", "dismiss", 1, "--reason", "Doute sur l'origine des fonds")
    result = cabinet("payment", "record", 1, "--method", "transfer", "--reference", "VIR-9")
    assert result.exit_code == KEPT, result.output
    assert result.stderr.strip() == (
        "Payment not applied: the dossier is S7 Classé sans suite; kept as held payment 1 "
        "for review; the provider (contact1@domiciliation.example) was told "
        "(`domicili payment list --status held`; `domicili payment apply 1 DOSSIER_ID` or "
        "`domicili payment refund 1 --reference R`)."
    )
    (row,) = cabinet.json("payment", "list", "--status", "held")
    assert (row["dossier_id"], row["method"], row["reference"]) == (1, "transfer", "VIR-9")
    assert cabinet.json("dossier", "show", 1)["status_code"] == "S7"


def test_the_installed_command_exits_4_when_it_keeps_a_payment_for_review(
    cabinet: Cli,
) -> None:
    cabinet.ok("dossier", "dismiss", 1, "--reason", "Doute sur l'origine des fonds")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
    env.update({"DOMICILI_NOW": NOW, "DOMICILI_LANG": "en"})
    program = Path(sys.executable).parent / "domicili"
    done = subprocess.run(
        [str(program), *cabinet.target, "payment", "record", "1", "--method", "cash"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == KEPT, done.stderr
    assert "kept as held payment 1 for review" in done.stderr


def test_the_exit_codes_are_listed_in_the_help(cabinet: Cli) -> None:
    text = " ".join(cabinet.ok("--help").stdout.split())
    assert "4 refused, but what was received is kept for review (a held payment)" in text


def test_the_held_list_shows_each_session_what_it_may_see(cabinet: Cli) -> None:
    nobody = held(webhook(cabinet, body("evt_a", None)))["payment_id"]
    mine = held(webhook(cabinet, body("evt_b", 1, AMOUNT_DUE - 100)))["payment_id"]
    theirs = held(webhook(cabinet, body("evt_c", 1), "--provider", "2"))["payment_id"]
    listed = cabinet.json("payment", "list", "--status", "held")
    assert [(p["id"], p["provider_id"]) for p in listed] == [(theirs, 2), (mine, 1), (nobody, None)]
    for provider, expected in (("1", [mine]), ("2", [theirs])):
        scoped = cabinet.json("--provider", provider, "payment", "list", "--status", "held")
        assert [p["id"] for p in scoped] == expected
    table = cabinet.ok("payment", "list", "--status", "held").stdout
    assert "no dossier is named" in table
    assert "dossier 1 is not one of this provider's" in table
    refused = cabinet("--provider", "1", "payment", "apply", str(nobody), "1")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"Error: Payment {nobody} not found; `domicili payment list` shows them."
    )


def test_payment_apply_issues_the_invoice_and_sends_the_contract(cabinet: Cli) -> None:
    number = held(webhook(cabinet, body("evt_nometa", None)))["payment_id"]
    result = cabinet.ok("payment", "apply", number, 1)
    assert result.stdout.strip() == (
        f"Held payment {number} applied to dossier 1: invoice F2026-000001 issued, contract "
        "sent to both parties for signature."
    )
    assert cabinet.json("dossier", "show", 1)["status_code"] == "S3"
    (invoice,) = cabinet.json("invoice", "list")
    assert invoice["number"] == "F2026-000001"
    (payment,) = cabinet.json("payment", "list", "--dossier", 1)
    assert (payment["id"], payment["status"]) == (number, "succeeded")
    assert [m for m in cabinet.json("outbox", "list") if m["template"] == "contract_to_sign"]
    again = cabinet("payment", "apply", number, 2)
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        f"Error: Payment {number} was already applied to dossier 1 on 02/03/2026; nothing changed."
    )
    assert cabinet.json("audit", "verify")["ok"] is True


def test_payment_apply_of_another_amount_exits_1_and_changes_nothing(
    cabinet: Cli, dump: Any
) -> None:
    number = held(webhook(cabinet, body("evt_short", None, AMOUNT_DUE - 100)))["payment_id"]
    before = dump(cabinet.database)
    result = cabinet("payment", "apply", number, 1)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: Payment {number} cannot pay dossier 1: {format_eur(AMOUNT_DUE - 100)} received "
        f"but {format_eur(AMOUNT_DUE)} is due; nothing changed."
    )
    assert dump(cabinet.database) == before


def test_payment_refund_marks_it_refunded_once(cabinet: Cli) -> None:
    number = held(webhook(cabinet, body("evt_unknown", 999)))["payment_id"]
    result = cabinet.ok("payment", "refund", number, "--reference", "RMB-2026-0007")
    assert result.stdout.strip() == (
        f"Held payment {number} marked refunded (bank reference RMB-2026-0007); no money was "
        "moved by domicili."
    )
    (row,) = cabinet.json("payment", "list", "--status", "refunded")
    assert (row["id"], row["refund_reference"]) == (number, "RMB-2026-0007")
    assert cabinet.json("payment", "list", "--status", "held") == []
    again = cabinet("payment", "refund", number, "--reference", "RMB-2026-0008")
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        f"Error: Payment {number} was already refunded on 02/03/2026 (bank reference "
        "RMB-2026-0007); nothing changed."
    )
    blank = cabinet("payment", "refund", number, "--reference", " ")
    assert blank.exit_code == 1


def test_payment_apply_of_an_unknown_payment_exits_1(cabinet: Cli) -> None:
    result = cabinet("payment", "apply", 99, 1)
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == "Error: Payment 99 not found; `domicili payment list` shows them."
    )
