"""Every command documents itself: help that ends with an example."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from domicili.cli import cli

pytestmark = pytest.mark.one_store  # no database


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # top-level commands are loaded on demand
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))
        else:
            yield (*path, name)


COMMANDS = list(walk(cli))


def test_the_core_commands_are_all_there() -> None:
    names = {" ".join(path) for path in COMMANDS}
    for expected in (
        "provider add",
        "provider list",
        "provider show",
        "demande create",
        "dossier list",
        "dossier show",
        "dossier accept",
        "dossier dismiss",
        "dossier reactivate",
        "justificatif add",
        "justificatif list",
        "justificatif review",
        "sweep",
        "outbox list",
        "audit verify",
        "demo",
    ):
        assert expected in names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "domicili")
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert "Example:" in result.output
    description = result.output.split("Options:", 1)[0]
    example = " ".join(description.split("Example:", 1)[1].split())
    assert example.count("domicili") >= 1
    if path:
        assert path[-1] in example  # the example shows this very command


def test_version_is_printed() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "domicili" in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["dossier", "approve", "1"])
    assert result.exit_code == 2
    assert "No such command" in result.output
