"""The CLI reference in docs/ is the commands' own help, regenerated."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from domicili.cli import cli
from domicili.cli._reference import reference

# no database
pytestmark = pytest.mark.one_store

DOCS = Path(__file__).parents[2] / "docs" / "cli.md"


def test_the_cli_reference_in_the_docs_is_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: run `python -m domicili.cli._reference > docs/cli.md`"
    )


def test_the_cli_reference_documents_every_command() -> None:
    text = reference()
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    for group_name in names:
        assert f"## domicili {group_name}\n" in text
        for name in getattr(cli.get_command(ctx, group_name), "commands", {}):
            assert f"## domicili {group_name} {name}\n" in text
