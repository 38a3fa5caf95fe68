"""``domicili mandate add|show|revoke`` and the provider's creditor identifier, through the
real command on a copy of the command world (dossier 5: provider A's, in force)."""

from __future__ import annotations

import json
from typing import Any

IBAN = "FR76 3000 6000 0112 3456 7890 189"
ADD = ("mandate", "add", "5", "--iban", IBAN, "--signed-on", "02/03/2026")


def test_a_mandate_is_recorded_shown_and_found_by_dossier_or_reference(
    command_world: Any, tmp_path: Any
) -> None:
    cli = command_world(tmp_path / "w").cli

    added = cli.ok(*ADD, "--reference", "RUM-A-000005", env={"DOMICILI_LANG": "fr"})

    assert "Mandat RUM-A-000005 enregistré pour le dossier 5." in added.stderr
    assert "Référence (RUM) RUM-A-000005" in " ".join(added.stdout.split())
    assert "FR76 3000 6000 0112 3456 7890 189" in added.stdout
    assert "CREDIT AGRICOLE SA" in added.stdout
    assert "en vigueur, prochain prélèvement FRST" in added.stdout
    by_reference = cli.json("mandate", "show", "RUM-A-000005")
    assert by_reference == cli.json("mandate", "show", "D-000005")
    assert (by_reference["bic"], by_reference["sequence"], by_reference["active"]) == (
        "AGRIFRPPXXX",
        "FRST",
        True,
    )
    assert by_reference["iban"] == "FR7630006000011234567890189"
    shown = cli.json("dossier", "show", "5")
    assert "mandate.added" in json.dumps(shown)


def test_a_new_iban_amends_and_the_old_one_is_shown(command_world: Any, tmp_path: Any) -> None:
    cli = command_world(tmp_path / "w").cli
    cli.ok(*ADD, "--reference", "RUM-A-000005")
    same = cli.ok(*ADD, "--reference", "RUM-A-000005")
    assert "Mandate RUM-A-000005 already says this; nothing was changed." in same.stderr

    amended = cli.ok(
        "mandate", "add", "5", "--iban", "DE89370400440532013000", "--reference",
        "RUM-A-000005", "--signed-on", "2026-03-02", "--debtor-name", "Camille Durand",
    )  # fmt: skip

    assert "Mandate RUM-A-000005 amended; the values it replaced are kept." in amended.stderr
    assert "Amendments (values before each):" in amended.stdout
    assert "was RUM-A-000005, FR76 3000 6000 0112 3456 7890 189" in amended.stdout
    data = cli.json("mandate", "show", "RUM-A-000005")
    assert data["bic"] == "COBADEFFXXX"
    assert [a["iban"] for a in data["amendments"]] == ["FR7630006000011234567890189"]


def test_refusals_say_one_sentence_and_change_nothing(
    command_world: Any, tmp_path: Any, dump: Any
) -> None:
    cli = command_world(tmp_path / "w").cli
    cli.ok(*ADD, "--reference", "RUM-A-000005")
    cli.ok("mandate", "revoke", "RUM-A-000005")
    before = dump(cli.database)
    cases = [
        (
            ("mandate", "add", "5", "--iban", "FR76 3000 6000 0112 3456 7890 180",
             "--reference", "RUM-2", "--signed-on", "02/03/2026"),
            "--iban: 'FR76 3000 6000 0112 3456 7890 180' is not a valid IBAN",
        ),
        ((*ADD, "--reference", "RUM A"), "--reference: 'RUM A' is not a valid mandate reference"),
        ((*ADD, "--reference", "RUM-A-000005"), "already used by this provider"),
        (
            ("mandate", "add", "1", "--iban", IBAN, "--reference", "RUM-9",
             "--signed-on", "02/03/2026"),
            "a SEPA mandate is recorded for a contract in force",
        ),
        (("mandate", "add", "99", "--iban", IBAN, "--reference", "RUM-9",
          "--signed-on", "02/03/2026"), "Dossier 99 not found"),
        (("mandate", "revoke", "RUM-A-000005"), "was revoked on 02/03/2026; nothing"),
        (("mandate", "show", "RUM-NONE"), "SEPA mandate RUM-NONE not found."),
        (("mandate", "show", "3"), "Dossier 3 has no SEPA mandate."),
        (("provider", "update", "1", "--creditor-identifier", "FR73ZZZ123456"),
         "--creditor-identifier: 'FR73ZZZ123456' is not a valid French creditor"),
    ]  # fmt: skip
    for argv, said in cases:
        result = cli(*argv)
        assert result.exit_code == 1, (argv, result.output)
        assert said in result.stderr, (argv, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    refused = cli("--json", "mandate", "revoke", "RUM-A-000005")
    assert json.loads(refused.stdout)["kind"] == "MandateRefused"
    assert dump(cli.database) == before


def test_another_providers_mandate_is_not_found(command_world: Any, tmp_path: Any) -> None:
    cli = command_world(tmp_path / "w").cli
    cli.ok(*ADD, "--reference", "RUM-A-000005")
    for argv in (("mandate", "show", "RUM-A-000005"), ("mandate", "revoke", "RUM-A-000005")):
        result = cli("--provider", "2", *argv)
        assert result.exit_code == 1
        assert "SEPA mandate RUM-A-000005 not found." in result.stderr
    assert cli.json("--provider", "1", "mandate", "show", "5")["reference"] == "RUM-A-000005"


def test_the_creditor_identifier_is_set_and_shown_with_the_provider(
    command_world: Any, tmp_path: Any
) -> None:
    cli = command_world(tmp_path / "w").cli
    updated = cli.ok("provider", "update", "1", "--creditor-identifier", "fr72 zzz 123456")
    assert "Creditor identifier (ICS) FR72ZZZ123456" in " ".join(updated.stdout.split())
    assert cli.json("provider", "show", "1")["creditor_identifier"] == "FR72ZZZ123456"
