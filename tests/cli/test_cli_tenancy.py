"""``--provider`` / DOMICILI_PROVIDER: every command sees one provider's records only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli


@pytest.fixture
def two(cli: Cli, societe_answers: Path) -> Cli:
    cli.add_provider(1)
    cli.add_provider(2)
    cli.json("demande", "create", "--answers", societe_answers, "--to", 1, "--to", 2)
    return cli


def test_scoped_listing_shows_only_that_providers_dossiers(two: Cli) -> None:
    assert [d["id"] for d in two.json("--provider", 2, "dossier", "list")] == [2]
    assert [d["id"] for d in two.json("dossier", "list")] == [2, 1]
    assert {m["dossier_id"] for m in two.json("--provider", 2, "outbox", "list")} == {2}
    assert [p["id"] for p in two.json("--provider", 2, "provider", "list")] == [2]


@pytest.mark.parametrize(
    "argv",
    [
        ["dossier", "show", "1"],
        ["dossier", "accept", "1"],
        ["dossier", "dismiss", "1", "--reason", "Doublon"],
        ["justificatif", "list", "1"],
        ["justificatif", "review", "1", "--validate", "identite"],
        ["outbox", "list", "--dossier", "1"],
    ],
)
def test_another_providers_dossier_is_not_found(two: Cli, argv: list[str]) -> None:
    result = two("--provider", 2, *argv)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: Dossier 1 not found; `domicili dossier list` shows them."
    )
    assert two.json("dossier", "show", 1)["status_code"] == "S1"


def test_the_environment_variable_scopes_like_the_option(two: Cli) -> None:
    result = two("dossier", "show", "1", env={"DOMICILI_PROVIDER": "2"})
    assert result.exit_code == 1
    assert "Dossier 1 not found" in result.stderr
    shown = two.json("dossier", "show", 2, env={"DOMICILI_PROVIDER": "2"})
    assert shown["provider_id"] == 2


def test_a_scoped_request_cannot_reach_another_provider(two: Cli, societe_answers: Path) -> None:
    result = two("--provider", 2, "demande", "create", "--answers", societe_answers, "--to", 1)
    assert result.exit_code == 1
    assert "Provider 1 not found" in result.stderr
    assert len(two.json("dossier", "list")) == 2
