"""The command's help and click's own sentences (usage, errors) in the current language."""

from __future__ import annotations

import inspect

import click

from ..i18n import _, ngettext

#: click's modules that write sentences (each imports gettext's ``_`` and ``ngettext``);
#: the first ones are loaded with click itself.
_CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "termui",
    "types",
    "utils",
)


def install() -> None:
    """Route click's sentences through domicili's catalog (click ships none of its own).

    Only the modules every command loads: click's pager, editor and shell completion
    (``click._termui_impl``, ``click.shell_completion``) cost 11 ms to import and are
    left as they are."""
    from importlib import import_module

    for name in _CLICK_MODULES:
        module = import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def translate_help(command: click.Command) -> None:
    """Show the help of ``command`` and of everything under it in the current language.

    The English texts are kept on first sight, so that a later call in another language
    translates from them again."""
    texts: dict[str, str] | None = getattr(command, "_domicili_help", None)
    if texts is None:
        texts = {
            name: inspect.cleandoc(text)
            for name in ("help", "short_help", "epilog")
            if (text := getattr(command, name))
        }
        command._domicili_help = texts  # type: ignore[attr-defined]
    for name, text in texts.items():
        setattr(command, name, _(text))
    if getattr(command, "_help_option", None) is not None:
        # click (8.1.8 and later) keeps the --help option it made, with its text in the
        # language of that first time: make it again, in this one.
        command._help_option = None
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            english: str = getattr(param, "_domicili_help", None) or inspect.cleandoc(param.help)
            param._domicili_help = english  # type: ignore[attr-defined]
            param.help = _(english)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub)
