"""``domicili card add|show|remove``, ``billing charge`` and ``mandate add --one-off``
through the real command on a copy of the command world (dossier 5: provider A's, in
force since 2 March, billed quarterly)."""

from __future__ import annotations

from typing import Any

ADD = ("card", "add", "5", "--token", "pm_1Q2w3E", "--brand", "visa", "--last4", "4242")
JUNE = "2026-06-02T09:00:00+02:00"


def test_a_card_is_saved_shown_charged_and_removed(command_world: Any, tmp_path: Any) -> None:
    cli = command_world(tmp_path / "w").cli
    added = cli.ok(*ADD, "--expires", "12/30", env={"DOMICILI_LANG": "fr"})
    assert "Carte Visa •••• 4242 (12/2030) enregistrée pour le dossier 5." in added.stderr
    assert "en service : les prochaines factures y sont débitées" in added.stdout
    shown = cli.json("card", "show", "D-000005")
    assert (shown["label"], shown["exp_year"], shown["active"]) == (
        "Visa •••• 4242 (12/2030)",
        2030,
        True,
    )

    billed = cli.json("billing", "run", now=JUNE)
    rows = cli.json("billing", "list", "--dossier", "5")
    assert billed["to_charge_to_card"] == len(rows) >= 1  # the others pay by transfer
    assert {(r["collection"], r["state"]) for r in rows} == {("card", "open")}
    charged = cli.ok("billing", "charge", now=JUNE)
    numbers = ", ".join(r["number"] for r in reversed(rows))
    assert charged.stdout == f"Invoices paid by card: {numbers}.\n"
    again = cli.ok("billing", "charge", now=JUNE)
    assert again.stdout == "No card is to be charged today.\n"
    assert {r["state"] for r in cli.json("billing", "list", "--dossier", "5")} == {"paid"}

    removed = cli.ok("card", "remove", "5")
    assert "Card Visa •••• 4242 (12/2030) removed." in removed.stderr
    assert cli.json("card", "show", "5")["active"] is False
    gone = cli("card", "remove", "5")
    assert gone.exit_code == 1
    assert gone.stderr == "Error: Dossier 5 has no card saved for its invoices.\n"


def test_bad_card_input_is_one_sentence_and_changes_nothing(
    command_world: Any, tmp_path: Any
) -> None:
    cli = command_world(tmp_path / "w").cli
    expiry = cli(*ADD, "--expires", "13/2030")
    assert expiry.exit_code == 2
    assert "'13/2030' is not an expiry such as 12/2030." in expiry.stderr
    expired = cli(*ADD, "--expires", "01/2026")
    assert expired.exit_code == 1
    assert (
        expired.stderr
        == "Error: The card Visa •••• 4242 (01/2026) has expired; nothing was changed.\n"
    )
    digits = cli(*ADD[:-1], "42")
    assert digits.exit_code == 1
    assert "last4" in digits.stderr
    assert cli("card", "show", "5").exit_code == 1  # nothing was kept
    not_in_force = cli("card", "add", "1", "--token", "pm_1Q2w3E")
    assert not_in_force.exit_code == 1
    assert "a card is saved for the invoices of a contract in force" in not_in_force.stderr


def test_a_one_off_mandate_says_so(command_world: Any, tmp_path: Any) -> None:
    cli = command_world(tmp_path / "w").cli
    added = cli.ok(
        "mandate", "add", "5", "--iban", "FR76 3000 6000 0112 3456 7890 189",
        "--reference", "RUM-PONCTUEL-5", "--signed-on", "02/03/2026", "--one-off",
        env={"DOMICILI_LANG": "fr"},
    )  # fmt: skip
    assert "ponctuel" in added.stdout
    assert "en vigueur, ne prélève que la prochaine facture (OOFF)" in added.stdout
    data = cli.json("mandate", "show", "RUM-PONCTUEL-5")
    assert (data["one_off"], data["sequence"]) == (True, "OOFF")
    other_kind = cli(
        "mandate", "add", "5", "--iban", "FR76 3000 6000 0112 3456 7890 189",
        "--reference", "RUM-PONCTUEL-5", "--signed-on", "02/03/2026",
    )  # fmt: skip
    assert other_kind.exit_code == 1
    assert "revoke it before recording a mandate of the other kind" in other_kind.stderr
