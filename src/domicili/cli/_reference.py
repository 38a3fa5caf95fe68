"""The CLI reference (``docs/cli.md``), generated from the commands' own help.

    python -m domicili.cli._reference > docs/cli.md

A test checks that the file in the repository is what this prints.
"""

from __future__ import annotations

import click

__all__ = ["commands", "reference"]


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):  # loads the commands defined lazily
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            found += _walk(sub, [*path, name])
    return found


def commands() -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command that runs (not a group), by its words after ``domicili``."""
    from . import cli

    return [
        (tuple(path), command)
        for path, command in _walk(cli, [])
        if not isinstance(command, click.Group)
    ]


def reference() -> str:
    """Every command's ``--help``, in one Markdown page, in English (the language of the
    documentation; ``domicili --help`` shows it in the reader's)."""
    from ..i18n import speaking
    from . import cli
    from ._i18n import install, translate_help

    with speaking("en"):
        install()
        translate_help(cli)
        return _pages(cli)


def _pages(cli: click.Group) -> str:
    out = [
        "# Command-line reference",
        "",
        "Generated from the commands themselves: "
        "`python -m domicili.cli._reference > docs/cli.md`.",
        "",
    ]
    for path, command in _walk(cli, ["domicili"]):
        with click.Context(
            command,
            info_name=" ".join(path),
            terminal_width=100,
            max_content_width=100,
            help_option_names=["-h", "--help"],
        ) as ctx:
            text = command.get_help(ctx)
        out += [f"## {' '.join(path)}", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    click.echo(reference(), nl=False)
