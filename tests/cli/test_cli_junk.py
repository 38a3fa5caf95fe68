"""Junk into CLI arguments, answers files and the clock: an exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from conftest import Cli

JUNK = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)
COMMANDS = [
    ["dossier", "show", "{}"],
    ["dossier", "list", "--status", "{}"],
    ["dossier", "list", "--limit", "{}"],
    ["dossier", "accept", "{}"],
    ["dossier", "dismiss", "1", "--reason", "{}"],
    ["justificatif", "add", "1", "{}", "{file}"],
    ["justificatif", "review", "1", "--invalidate", "{}"],
    ["justificatif", "review", "1", "--validate", "{}"],
    ["outbox", "list", "--dossier", "{}"],
    ["--provider", "{}", "dossier", "list"],
]
JUNK_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def base(
    tmp_path_factory: pytest.TempPathFactory, make_cli: type[Cli], societe_answers: Path
) -> Cli:
    cli = make_cli(tmp_path_factory.mktemp("junk"))
    cli.add_provider(1)
    cli.ok("demande", "create", "--answers", societe_answers, "--to", "1")
    (cli.root / "piece.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return cli


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
@JUNK_SETTINGS
@given(junk=JUNK)
def test_junk_arguments_never_give_a_traceback(base: Cli, command: list[str], junk: str) -> None:
    argv = [a.format(junk, file=base.root / "piece.pdf") for a in command]
    result = base(*argv)  # fails on a traceback or an unexpected exception
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: ")


@JUNK_SETTINGS
@given(now=JUNK)
def test_a_junk_clock_is_refused_with_a_sentence(base: Cli, now: str) -> None:
    result = base("dossier", "list", now=now or " ")
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        assert "DOMICILI_NOW" in result.stderr


@JUNK_SETTINGS
@given(text=st.one_of(JUNK, st.text(alphabet="client:kind-[]{}'\"\n #&*!|>%@`,.0123", max_size=80)))
def test_a_junk_answers_file_is_refused_with_a_sentence(
    base: Cli, tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    file = tmp_path_factory.mktemp("answers") / "demande.yaml"
    file.write_text(text, encoding="utf-8")
    result = base("demande", "create", "--answers", file, "--to", "1")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
