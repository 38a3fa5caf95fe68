"""Everyday commands load only what they use, so that they start about as fast as
``sqlite-utils tables`` (benchmarks/bench_startup.py measures the time itself)."""

from __future__ import annotations

import pkgutil
from importlib import import_module

import domicili.cli
from domicili.cli import LAZY_COMMANDS


def test_every_command_module_is_in_the_table_of_lazy_commands() -> None:
    defined: dict[str, str] = {}
    for info in pkgutil.iter_modules(domicili.cli.__path__):
        module = import_module(f"domicili.cli.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            assert command.name not in defined, f"{command.name} defined twice"
            defined[command.name] = info.name
    assert defined == LAZY_COMMANDS
