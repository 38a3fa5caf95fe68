"""Built-in adapters, registered through entry points like third-party ones."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..ports import Notifier

__all__ = ["GROUPS", "load_adapter", "load_notifier"]

#: Entry-point group → (the module of its built-in adapters, what one adapter is called).
GROUPS: dict[str, tuple[str, str]] = {
    "domicili.notifiers": ("notifiers", "notifier"),
    "domicili.payments": ("payments", "payment adapter"),
    "domicili.signatures": ("signatures", "signature method"),
}


def load_adapter(group: str, name: str) -> Any:
    """The class (or factory) registered as ``name`` in the entry-point ``group``.

    Installed entry points come first, so a package may register its own adapters
    or replace a built-in one; domicili's own adapters are used as they are when it
    runs from a source tree without installed package metadata.
    """
    found = {ep.name: ep for ep in entry_points(group=group)}
    if name in found:
        return found[name].load()
    module, kind = GROUPS.get(group, ("", "adapter"))
    builtin: dict[str, Any] = import_module(f"{__name__}.{module}").BUILTIN if module else {}
    if name in builtin:
        return builtin[name]
    known = ", ".join(sorted(set(found) | set(builtin))) or "none"
    raise ConfigError(f"Unknown {kind} {name!r}; installed {kind}s: {known}.")


def load_notifier(name: str, options: dict[str, Any], *, outbox_dir: Path) -> Notifier:
    """Instantiate the notifier registered as ``name`` in ``domicili.notifiers``."""
    factory = load_adapter("domicili.notifiers", name)
    try:
        notifier = factory.from_config(options, outbox_dir=outbox_dir)
    except TypeError as exc:
        raise ConfigError(
            f"notifications.options do not suit the {name!r} notifier: {exc}."
        ) from None
    if not isinstance(notifier, Notifier):
        raise ConfigError(f"The notifier {name!r} has no deliver(message) method.")
    return notifier
