"""With ``--json``, a refusal is one JSON object on stdout that a script can act on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli


@pytest.fixture
def office(cli: Cli, societe_answers: Path) -> Cli:
    cli.add_provider(1)
    cli.ok("demande", "create", "--answers", societe_answers, "--to", 1)
    return cli


def _refusal(cli: Cli, *args: object, code: int, env: dict[str, str] | None = None) -> Any:
    """The JSON object a refused command printed, checked against its exit code."""
    result = cli(*args, env=env)
    assert result.exit_code == code, result.output
    data = json.loads(result.stdout)
    assert data["exit_code"] == code
    assert result.stderr == ""
    return data


def test_a_dossier_not_found_names_the_dossier(office: Cli) -> None:
    data = _refusal(office, "dossier", "show", "D-000042", "--json", code=1)
    assert data == {
        "error": "Dossier 42 not found; `domicili dossier list` shows them.",
        "kind": "DossierNotFound",
        "exit_code": 1,
        "dossier_id": 42,
    }
    plain = office("dossier", "show", "D-000042")
    assert (plain.exit_code, plain.stdout) == (1, "")
    assert plain.stderr == "Error: Dossier 42 not found; `domicili dossier list` shows them.\n"


def test_a_refusal_carries_the_status_that_refused_it(office: Cli) -> None:
    office.ok("dossier", "dismiss", 1, "--reason", "Doublon")
    data = _refusal(office, "--json", "dossier", "accept", 1, code=1)
    assert data["kind"] == "InvalidTransition"
    assert data["dossier_id"] == 1
    assert data["status"] == "dismissed"
    assert data["trigger"] == "accept"
    assert "Classé sans suite" in data["error"]


def test_invalid_input_names_its_field_and_value(office: Cli) -> None:
    data = _refusal(
        office, "invoice", "list", "--json", "--month", "3", code=1
    )  # a month without its year
    assert data["kind"] == "InvalidInput"
    assert data["field"] == "year"
    assert data["error"].startswith("--year")
    search = _refusal(office, "dossier", "list", "--search", " ", "--json", code=1)
    assert (search["field"], search["value"]) == ("search", " ")


def test_a_usage_error_is_kind_usage_with_its_parameter(office: Cli) -> None:
    data = _refusal(office, "dossier", "show", "nope", "--json", code=2)
    assert data["kind"] == "usage"
    assert data["parameter"] == "dossier_id"
    assert "'nope' is not a dossier number or reference" in data["error"]
    unknown = _refusal(office, "--json", "dossier", "list", "--colour", code=2)
    assert unknown == {"error": "No such option '--colour'.", "kind": "usage", "exit_code": 2}
    missing = _refusal(office, "--json", "dossier", "dismiss", 1, code=2)
    assert missing["parameter"] == "--reason"


def test_a_refusal_in_french_is_json_with_a_french_sentence(office: Cli) -> None:
    data = _refusal(office, "dossier", "show", "9", "--json", code=1, env={"DOMICILI_LANG": "fr"})
    assert data["kind"] == "DossierNotFound"
    assert data["error"] == "Dossier 9 introuvable ; `domicili dossier list` les montre."


def test_the_installed_command_prints_one_json_object_for_a_missing_database(
    tmp_path: Path,
) -> None:
    command = Path(sys.executable).with_name("domicili")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
    result = subprocess.run(
        [str(command), "--db", str(tmp_path / "none.db"), "--json", "dossier", "list"],
        env={**env, "DOMICILI_LANG": "en"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["kind"] == "DatabaseMissing"
    assert data["path"] == str(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()
    bad_root = subprocess.run(
        [str(command), "--json", "--bogus"], env=env, capture_output=True, text=True, check=False
    )
    assert bad_root.returncode == 2
    assert json.loads(bad_root.stdout)["kind"] == "usage"
