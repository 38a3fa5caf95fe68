"""Modules imported when first used, so that a command loads only the code it runs."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

__all__ = ["DeferredModule"]


class DeferredModule:
    """Stands for the module ``name``; imports it at the first attribute looked up.

    The import goes through the import system (and its locks), so threads that reach
    a module at the same time get the same, fully executed module.
    """

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            # Kept once imported: every facade call looks its use case up here.
            module = self._module = import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"
