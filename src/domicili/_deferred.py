"""Modules imported when first used, so that a command loads only the code it runs."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["DeferredModule"]


class DeferredModule:
    """Stands for the module ``name``; imports it at the first attribute looked up.

    The import goes through the import system (and its locks), so threads that reach
    a module at the same time get the same, fully executed module.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"
