"""``domicili payment …``, ``contract sign|resend-code|signed`` and ``attestation render``
through the real CLI (click's runner), with the clock fixed by DOMICILI_NOW."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import Result
from pypdf import PdfReader

from domicili.adapters.payments import sign_stripe_payload
from domicili.money import format_eur

if TYPE_CHECKING:
    from conftest import Cli, StoreChoice, Templates

NOW = "2026-03-02T10:00:00+01:00"
SECRET = "whsec_domicili_cli_tests"
CHECKOUT = '[payment]\ncheckout_url = "https://paiement.example.fr/checkout/{token}"\n'
STRIPE = CHECKOUT + 'gateway = "stripe"\n'
REQUIRED = ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
PHONES = {"client": "+33612345678", "provider": "+33698765432"}
AMOUNT_DUE = 12600


def timestamp(at: str = NOW, **shift: float) -> int:
    return int((datetime.fromisoformat(at) + timedelta(**shift)).timestamp())


def stripe_body(event_id: str, kind: str, amount: int = AMOUNT_DUE, dossier_id: int = 1) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": f"payment_intent.{kind}",
            "created": timestamp(),
            "data": {
                "object": {
                    "id": "pi_3CliPremierPaiement",
                    "amount": amount,
                    "amount_received": amount if kind == "succeeded" else 0,
                    "currency": "eur",
                    "payment_method_types": ["card"],
                    "metadata": {"dossier_id": str(dossier_id)},
                }
            },
        }
    ).encode()


def webhook(cli: Cli, body: bytes, header: str, *extra: str) -> Result:
    """``payment webhook stripe`` with ``body`` on standard input."""
    from domicili.cli import cli as command

    env: dict[str, str | None] = {
        "DOMICILI_NOW": cli.now,
        "DOMICILI_DB": None,
        "DOMICILI_PROVIDER": None,
        "DOMICILI_CONFIG": None,
    }
    argv = [*cli.target, "payment", "webhook", "stripe", "--signature", header, *extra]
    result = cli.runner.invoke(command, argv, input=body, env=env)
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def outbox(cli: Cli, template: str) -> list[dict[str, Any]]:
    return [m for m in cli.json("outbox", "list") if m["template"] == template]


def link_token(cli: Cli) -> str:
    (accepted,) = [m for m in outbox(cli, "accepted") if m["channel"] == "email"]
    found = re.search(r"/checkout/(pl_[0-9a-f]+)", accepted["body"])
    assert found, accepted["body"]
    return found.group(1)


def otp(cli: Cli, party: str) -> str:
    """The last code texted to a party: in the SMS delivered (a file of the outbox folder,
    the default notifier); the outbox table keeps no code."""
    texts = [p.read_text() for p in sorted(cli.outbox.glob(f"*-sms-{PHONES[party]}.sms.txt"))]
    found = re.findall(r"du contrat D-\d{6} est (\d{6})\.", "\n".join(texts))
    assert found, f"no code for the {party}"
    return found[-1]


def pdf_pages(path: Path) -> list[str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return [" ".join(page.extract_text().replace("\u00a0", " ").split()) for page in reader.pages]


def build_accepted(cli: Cli, societe_answers: Path) -> None:
    """Dossier 1 accepted (S2) with a card-payment link open; the settings in the folder."""
    config = cli.root / "domicili.toml"
    config.write_text(CHECKOUT, encoding="utf-8")
    env = {"DOMICILI_CONFIG": str(config)}
    cli.add_provider(1, phone="06 98 76 54 32")
    cli.ok("demande", "create", "--answers", societe_answers, "--to", 1, env=env)
    validate = [arg for kind in REQUIRED for arg in ("--validate", kind)]
    cli.ok("justificatif", "review", 1, *validate, env=env)
    assert cli.json("dossier", "accept", 1, env=env)["status_code"] == "S2"


def build_paid(cli: Cli, societe_answers: Path) -> None:
    """The accepted database once the first payment is recorded (S3, codes sent)."""
    build_accepted(cli, societe_answers)
    env = {"DOMICILI_CONFIG": str(cli.root / "domicili.toml")}
    paid = cli.json("payment", "record", 1, "--method", "transfer", env=env)
    assert paid["outcome"] == "applied"


@pytest.fixture
def accepted(
    templates: Templates, store: StoreChoice, tmp_path: Path, societe_answers: Path
) -> Cli:
    """A copy of the accepted database (built once per store), the checkout settings in the cwd."""
    cli = templates.cli(
        "payment-accepted", store, tmp_path, lambda c: build_accepted(c, societe_answers)
    )
    Path("domicili.toml").write_text(CHECKOUT, encoding="utf-8")
    return cli


@pytest.fixture
def paid(templates: Templates, store: StoreChoice, tmp_path: Path, societe_answers: Path) -> Cli:
    """A copy of the paid database (dossier 1 in S3), built once per store."""
    return templates.cli("payment-paid", store, tmp_path, lambda c: build_paid(c, societe_answers))


@pytest.fixture
def stripe_install(accepted: Cli) -> Cli:
    """``accepted`` on an install whose payment gateway is Stripe (``payment.gateway``)."""
    Path("domicili.toml").write_text(STRIPE, encoding="utf-8")
    return accepted


@pytest.fixture
def secret(stripe_install: Cli, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DOMICILI_STRIPE_WEBHOOK_SECRET", SECRET)
    return SECRET


# -- payment record --------------------------------------------------------------------


def test_payment_record_applies_the_payment_and_prints_the_outcome(accepted: Cli) -> None:
    outcome = accepted.json(
        "payment", "record", 1, "--method", "transfer", "--reference", "VIR-2026-0042"
    )
    assert outcome["outcome"] == "applied"
    assert outcome["invoice_number"] == "F2026-000001"
    assert outcome["dossier_id"] == 1
    shown = accepted.json("dossier", "show", 1)
    assert (shown["status"], shown["status_code"]) == ("awaiting_signature", "S3")
    (payment,) = accepted.json("payment", "list")
    assert payment["method"] == "transfer"
    assert payment["amount_cents"] == AMOUNT_DUE
    assert payment["reference"] == "VIR-2026-0042"
    (invoice,) = accepted.json("invoice", "list")
    assert invoice["number"] == "F2026-000001"


def test_payment_record_in_euros_accepts_the_amount_due(accepted: Cli) -> None:
    result = accepted.ok("payment", "record", 1, "--method", "cheque", "--amount", "126,00")
    assert "F2026-000001" in result.stdout


def test_payment_record_of_another_amount_exits_1_with_both_figures_and_changes_nothing(
    accepted: Cli, dump: Any
) -> None:
    before = dump(accepted.database)
    result = accepted("payment", "record", 1, "--method", "transfer", "--amount", "99")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: Dossier 1: {format_eur(9900)} does not match the {format_eur(AMOUNT_DUE)} "
        "due; nothing was recorded."
    )
    assert dump(accepted.database) == before


def test_payment_record_refuses_an_unknown_method_as_a_usage_error(accepted: Cli) -> None:
    result = accepted("payment", "record", 1, "--method", "bitcoin")
    assert result.exit_code == 2
    assert accepted.json("payment", "list") == []


def test_a_second_payment_exits_4_and_is_listed_as_held(accepted: Cli) -> None:
    accepted.ok("payment", "record", 1, "--method", "transfer")
    result = accepted("payment", "record", 1, "--method", "cash", "--json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["outcome"] == "held"
    assert "kept as held payment 2 for review" in result.stderr
    (held,) = accepted.json("payment", "list", "--status", "held")
    assert held["method"] == "cash"
    assert "already paid" in held["review_reason"]
    assert len(accepted.json("invoice", "list")) == 1
    table = accepted.ok("payment", "list", "--status", "held").stdout
    assert "already paid" in table


# -- card checkout ---------------------------------------------------------------------


def test_the_acceptance_message_carries_the_payment_link(accepted: Cli) -> None:
    (email,) = [m for m in outbox(accepted, "accepted") if m["channel"] == "email"]
    token = link_token(accepted)
    assert f"https://paiement.example.fr/checkout/{token}" in email["body"]
    assert format_eur(AMOUNT_DUE) in email["body"]


def test_payment_simulate_succeed_pays_the_link(accepted: Cli) -> None:
    token = link_token(accepted)
    outcome = accepted.json("payment", "simulate", token, "--succeed")
    assert (outcome["outcome"], outcome["invoice_number"]) == ("applied", "F2026-000001")
    assert accepted.json("dossier", "show", 1)["status_code"] == "S3"
    (payment,) = accepted.json("payment", "list", "--dossier", 1)
    assert (payment["adapter"], payment["status"]) == ("checkout", "succeeded")
    again = accepted("payment", "simulate", token, "--succeed")
    assert again.exit_code == 1
    assert "is paid" in again.stderr


def test_payment_simulate_fail_tells_the_client_and_keeps_the_dossier_waiting(
    accepted: Cli,
) -> None:
    token = link_token(accepted)
    outcome = accepted.json("payment", "simulate", token, "--fail")
    assert outcome["outcome"] == "failed"
    assert accepted.json("dossier", "show", 1)["status_code"] == "S2"
    told = outbox(accepted, "payment_failed")
    assert sorted(m["channel"] for m in told) == ["email", "sms"]
    email = next(m for m in told if m["channel"] == "email")
    assert token in email["body"]
    assert accepted.json("payment", "simulate", token, "--succeed")["outcome"] == "applied"


def test_payment_simulate_of_an_unknown_link_exits_1(accepted: Cli) -> None:
    result = accepted("payment", "simulate", "pl_inconnu", "--succeed")
    assert result.exit_code == 1
    assert "No payment link pl_inconnu" in result.stderr


# -- Stripe webhooks -------------------------------------------------------------------


def test_a_signed_webhook_read_from_stdin_is_applied_once(accepted: Cli, secret: str) -> None:
    body = stripe_body("evt_cli_1", "succeeded")
    header = sign_stripe_payload(body, secret, timestamp())
    first = webhook(accepted, body, header, "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["outcome"] == "applied"
    replay = webhook(accepted, body, header, "--json")
    assert replay.exit_code == 0
    assert json.loads(replay.stdout)["outcome"] == "duplicate"
    (payment,) = accepted.json("payment", "list")
    assert (payment["adapter"], payment["status"]) == ("stripe", "succeeded")
    assert len(accepted.json("invoice", "list")) == 1


def test_processing_then_succeeded_through_the_cli_is_pending_then_applied(
    accepted: Cli, secret: str
) -> None:
    pending = stripe_body("evt_cli_p", "processing")
    result = webhook(accepted, pending, sign_stripe_payload(pending, secret, timestamp()))
    assert result.exit_code == 0
    assert [p["status"] for p in accepted.json("payment", "list")] == ["pending"]
    done = stripe_body("evt_cli_s", "succeeded")
    webhook(accepted, done, sign_stripe_payload(done, secret, timestamp()))
    assert [p["status"] for p in accepted.json("payment", "list")] == ["succeeded"]
    assert accepted.json("dossier", "show", 1)["status_code"] == "S3"


def test_a_webhook_with_a_bad_signature_exits_1_and_changes_nothing(
    accepted: Cli, secret: str, dump: Any
) -> None:
    body = stripe_body("evt_cli_forged", "succeeded")
    before = dump(accepted.database)
    result = webhook(accepted, body, sign_stripe_payload(body, "whsec_wrong", timestamp()))
    assert result.exit_code == 1
    assert "signature does not match" in result.stderr
    assert dump(accepted.database) == before


def test_a_webhook_with_a_stale_timestamp_exits_1(accepted: Cli, secret: str, dump: Any) -> None:
    body = stripe_body("evt_cli_old", "succeeded")
    before = dump(accepted.database)
    stale = sign_stripe_payload(body, secret, timestamp(minutes=-6))
    result = webhook(accepted, body, stale)
    assert result.exit_code == 1
    assert "more than 5 minutes" in result.stderr
    assert dump(accepted.database) == before
    fresh = sign_stripe_payload(body, secret, timestamp(minutes=-4))
    assert webhook(accepted, body, fresh).exit_code == 0


def test_a_webhook_without_the_secret_in_the_environment_exits_1(stripe_install: Cli) -> None:
    body = stripe_body("evt_cli_nosecret", "succeeded")
    result = webhook(stripe_install, body, sign_stripe_payload(body, SECRET, timestamp()))
    assert result.exit_code == 1
    assert "DOMICILI_STRIPE_WEBHOOK_SECRET" in result.stderr
    assert stripe_install.json("payment", "list") == []


def test_a_stripe_install_without_the_secret_runs_every_other_command(
    stripe_install: Cli,
) -> None:
    """The secret is needed when a webhook arrives, not to list or record payments."""
    assert [d["status_code"] for d in stripe_install.json("dossier", "list")] == ["S2"]
    paid = stripe_install.json("payment", "record", 1, "--method", "transfer")
    assert paid["outcome"] == "applied"


def test_a_webhook_for_another_gateway_than_the_configured_one_exits_1(
    accepted: Cli, dump: Any
) -> None:
    body = stripe_body("evt_cli_elsewhere", "succeeded")
    before = dump(accepted.database)
    result = webhook(accepted, body, sign_stripe_payload(body, SECRET, timestamp()))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: The configured payment gateway is 'checkout'; set payment.gateway = "
        '"stripe" in the settings to receive Stripe webhooks.'
    )
    assert dump(accepted.database) == before


def test_the_signature_may_come_as_a_header_named_in_any_case(
    stripe_install: Cli, secret: str
) -> None:
    body = stripe_body("evt_cli_header", "succeeded")
    header = f"stripe-signature: {sign_stripe_payload(body, secret, timestamp())}"
    from domicili.cli import cli as command

    argv = [*stripe_install.target, "payment", "webhook", "stripe", "--header", header, "--json"]
    result = stripe_install.runner.invoke(
        command, argv, input=body, env={"DOMICILI_NOW": stripe_install.now}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "applied"


def test_a_header_without_a_colon_is_a_usage_error(stripe_install: Cli) -> None:
    result = stripe_install("payment", "webhook", "stripe", "--header", "Stripe-Signature")
    assert result.exit_code == 2
    assert "'Stripe-Signature' is not NAME: VALUE." in result.stderr


def test_a_stripe_install_has_no_simulated_card_form(stripe_install: Cli) -> None:
    token = link_token(stripe_install)
    result = stripe_install("payment", "simulate", token, "--succeed")
    assert result.exit_code == 1
    assert "The stripe payment gateway has no simulated card form" in result.stderr
    assert stripe_install.json("payment", "list") == []


def test_a_webhook_of_another_amount_exits_4_and_is_held(accepted: Cli, secret: str) -> None:
    body = stripe_body("evt_cli_short", "succeeded", amount=AMOUNT_DUE - 100)
    result = webhook(accepted, body, sign_stripe_payload(body, secret, timestamp()), "--json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["outcome"] == "held"
    (held,) = accepted.json("payment", "list", "--status", "held")
    assert format_eur(AMOUNT_DUE - 100) in held["review_reason"]
    assert format_eur(AMOUNT_DUE) in held["review_reason"]
    assert accepted.json("dossier", "show", 1)["status_code"] == "S2"


# -- signing ---------------------------------------------------------------------------


def test_both_parties_sign_with_their_codes_and_the_dossier_becomes_active(paid: Cli) -> None:
    client = paid.json("contract", "sign", 1, "--party", "client", "--otp", otp(paid, "client"))
    sha = paid.json("dossier", "show", 1)["contract_sha256"]
    assert (client["party"], client["document_sha256"]) == ("client", sha)
    assert client["signer"] == "Camille Durand"
    assert paid.json("dossier", "show", 1)["status_code"] == "S3"
    last = paid("contract", "sign", 1, "--party", "provider", "--otp", otp(paid, "provider"))
    assert last.exit_code == 0, last.output
    assert "Both parties have signed: dossier 1 is S4" in last.stderr
    shown = paid.json("dossier", "show", 1)
    assert (shown["status"], shown["status_code"]) == ("active", "S4")


def test_a_wrong_code_exits_1_with_the_attempts_left(paid: Cli) -> None:
    right = otp(paid, "client")
    bad = f"{(int(right) + 1) % 1_000_000:06d}"
    result = paid("contract", "sign", 1, "--party", "client", "--otp", bad)
    assert result.exit_code == 1
    assert "Wrong code for the client of dossier 1; 4 attempts left." in result.stderr
    assert paid.json("dossier", "show", 1)["status_code"] == "S3"


def test_contract_sign_with_the_hash_of_another_document_exits_1(paid: Cli) -> None:
    result = paid(
        "contract", "sign", 1, "--party", "client",
        "--otp", otp(paid, "client"), "--sha256", "ab" * 32,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "only the contract sent can be signed" in result.stderr


def test_contract_sign_refuses_an_unknown_party_as_a_usage_error(paid: Cli) -> None:
    result = paid("contract", "sign", 1, "--party", "witness", "--otp", "123456")
    assert result.exit_code == 2


def test_contract_sign_before_payment_exits_1_naming_the_status(accepted: Cli) -> None:
    result = accepted("contract", "sign", 1, "--party", "client", "--otp", "123456")
    assert result.exit_code == 1
    assert "S2 (Accepté" in result.stderr


def test_resend_code_sends_a_new_code_after_a_lock(paid: Cli) -> None:
    right = otp(paid, "provider")
    bad = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert paid("contract", "sign", 1, "--party", "provider", "--otp", bad).exit_code == 1
    locked = paid("contract", "sign", 1, "--party", "provider", "--otp", right)
    assert locked.exit_code == 1
    assert "locked" in locked.stderr
    sent = paid.ok("contract", "resend-code", 1, "--party", "provider")
    assert "A new code was sent to the provider of dossier 1." in sent.stderr
    assert len([m for m in outbox(paid, "signature_code") if m["to"] == PHONES["provider"]]) == 2
    paid.ok("contract", "sign", 1, "--party", "provider", "--otp", otp(paid, "provider"))


def test_outbox_list_shows_a_placeholder_where_the_code_was(paid: Cli) -> None:
    codes = [otp(paid, party) for party in PHONES]
    listed = outbox(paid, "signature_code")
    assert sorted(m["to"] for m in listed) == sorted(PHONES.values())
    assert all("du contrat D-000001 est ••••••." in m["body"] for m in listed)
    full = paid.ok("outbox", "list", "--full").stdout
    assert full.count("est ••••••.") == 2
    for code in codes:
        assert f"est {code}." not in full
        assert f"est {code}." not in json.dumps(listed, ensure_ascii=False)


def test_contract_signed_writes_the_contract_with_its_certificate_once_both_signed(
    paid: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "contrat-signe.pdf"
    early = paid("contract", "signed", 1, "-o", out)
    assert early.exit_code == 1
    assert "not signed by both parties yet" in early.stderr
    assert not out.exists()
    for party in ("client", "provider"):
        paid.ok("contract", "sign", 1, "--party", party, "--otp", otp(paid, party))
    paid.ok("contract", "signed", 1, "-o", out)
    last = pdf_pages(out)[-1]
    sha = paid.json("dossier", "show", 1)["contract_sha256"]
    assert "CERTIFICAT DE SIGNATURE" in last
    assert sha in re.sub(r"\s", "", last)
    assert "Camille Durand" in last


def test_attestation_render_is_refused_before_activation_and_written_after(
    paid: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "attestation.pdf"
    refused = paid("attestation", "render", 1, "-o", out)
    assert refused.exit_code == 1
    assert "S3 (Payé" in refused.stderr
    assert not out.exists()
    for party in ("client", "provider"):
        paid.ok("contract", "sign", 1, "--party", party, "--otp", otp(paid, party))
    paid.ok("attestation", "render", 1, "-o", out)
    text = " ".join(pdf_pages(out))
    assert "ATTESTATION" in text.upper()
    assert "Atelier Lumière" in text


def test_sweep_reminds_unsigned_parties_two_days_after_sending(paid: Cli) -> None:
    assert paid.json("sweep", now="2026-03-03T10:00:00+01:00")["signature_reminders"] == []
    report = paid.json("sweep", now="2026-03-04T10:00:00+01:00")
    assert report["signature_reminders"] == [1, 1]
    assert paid.json("sweep", now="2026-03-04T11:00:00+01:00")["signature_reminders"] == []


# -- bank details ----------------------------------------------------------------------


def test_provider_update_sets_checked_bank_details_and_refuses_an_invalid_iban(
    accepted: Cli,
) -> None:
    updated = accepted.json(
        "provider", "update", 1, "--iban", "FR76 3000 6000 0112 3456 7890 189", "--bic", "AGRIFRPP"
    )
    assert (updated["iban"], updated["bic"]) == ("FR7630006000011234567890189", "AGRIFRPP")
    refused = accepted("provider", "update", 1, "--iban", "FR76 3000 6000 0112 3456 7890 188")
    assert refused.exit_code == 1
    assert "not a valid IBAN" in refused.stderr
    assert accepted.json("provider", "show", 1)["iban"] == "FR7630006000011234567890189"
