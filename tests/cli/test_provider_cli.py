"""``domicili provider add|update|show``: the agrément renewed, RCS city and capital,
dates as people write them, in French for staff."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from domicili.testing import sample_provider

if TYPE_CHECKING:
    from conftest import Cli

FR = {"DOMICILI_LANG": "fr"}


def add_args(seed: int, **overrides: str) -> list[str]:
    args = ["provider", "add"]
    for key, value in sample_provider(seed, **overrides).items():
        args += ["--" + key.replace("_", "-"), str(value)]
    return args


def test_add_takes_a_french_date_the_rcs_city_and_the_capital(cli: Cli) -> None:
    data = cli.json(
        *add_args(1, agrement_date="15/01/2024"), "--rcs-city", "Paris", "--capital", "10 000"
    )
    assert data["agrement_date"] == "2024-01-15"
    assert (data["rcs_city"], data["share_capital_cents"]) == ("Paris", 1_000_000)
    shown = cli.ok("provider", "show", str(data["id"]), env=FR).stdout
    assert "Paris" in next(line for line in shown.splitlines() if line.startswith("RCS"))
    assert "10\u202f000,00\u00a0€" in shown


def test_renewing_the_agrement_shows_both_in_french(cli: Cli) -> None:
    provider_id = cli.add_provider(1)
    result = cli.ok(
        "provider",
        "update",
        str(provider_id),
        "--agrement-numero",
        "2026-075-0099",
        "--agrement-date",
        "01/03/2026",
        env=FR,
    )
    assert "Domiciliataire 1 modifié." in result.stderr
    assert "Agréments successifs :" in result.stdout
    assert "n° 2026-075-0099 — Préfecture de police, du 01/03/2026 au 01/03/2032" in result.stdout
    assert "n° 2024-075-0001 — Préfecture de police, du 15/01/2024 au 01/03/2026" in result.stdout
    data = cli.json("provider", "show", str(provider_id))
    assert [(a["numero"], a["until"]) for a in data["agrements"]] == [
        ("2024-075-0001", "2026-03-01"),
        ("2026-075-0099", None),
    ]


def test_a_date_that_is_not_one_is_a_usage_error_naming_both_forms(cli: Cli) -> None:
    result = cli(*add_args(1, agrement_date="2024-13-45"))
    assert result.exit_code == 2
    assert "write it as 15/01/2024 or 2024-01-15" in result.stderr
    french = cli(*add_args(1, agrement_date="31/02/2024"), env=FR)
    assert french.exit_code == 2
    assert "n’est pas une date ; écrivez-la 15/01/2024 ou 2024-01-15" in french.stderr
    listed = cli("provider", "list", "--json")  # no database made, or none in it
    assert listed.exit_code == 1 or json.loads(listed.stdout) == []


def test_a_new_number_without_its_date_is_refused_and_nothing_changes(cli: Cli) -> None:
    provider_id = cli.add_provider(1)
    result = cli("provider", "update", str(provider_id), "--agrement-numero", "2026-075-0099")
    assert result.exit_code == 1
    assert "give the date of agrément n° 2026-075-0099 as well" in result.stderr
    assert cli.json("provider", "show", str(provider_id))["agrement_numero"] == "2024-075-0001"


def test_a_capital_that_is_not_an_amount_is_refused(cli: Cli) -> None:
    provider_id = cli.add_provider(1)
    result = cli("provider", "update", str(provider_id), "--capital", "dix mille")
    assert result.exit_code == 1
    assert "capital" in result.stderr
    assert cli.json("provider", "show", str(provider_id))["share_capital_cents"] is None


def test_a_move_to_la_reunion_reads_the_phone_as_written_there(cli: Cli) -> None:
    provider_id = cli.add_provider(1)
    data = cli.json(
        "provider",
        "update",
        str(provider_id),
        "--address",
        "5 rue de Paris",
        "--postcode",
        "97400",
        "--city",
        "Saint-Denis",
        "--phone",
        "0262 12 34 56",
    )
    assert (data["departement"], data["phone"]) == ("974", "+262262123456")


def test_vat_on_debits_is_set_shown_and_taken_back(cli: Cli) -> None:
    data = cli.json(*add_args(1), "--vat-on-debits")
    assert data["vat_on_debits"] is True
    shown = cli.ok("provider", "show", str(data["id"]), env=FR).stdout
    assert "TVA sur les débits" in shown
    changed = cli.json("provider", "update", str(data["id"]), "--vat-on-receipts")
    assert changed["vat_on_debits"] is False
    assert "débits" not in cli.ok("provider", "show", str(data["id"]), env=FR).stdout
    assert cli.json(*add_args(2))["vat_on_debits"] is False  # the default: on receipts
