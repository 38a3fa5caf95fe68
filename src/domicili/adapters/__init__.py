"""Built-in adapters, registered through entry points like third-party ones."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..ports import Notifier

__all__ = ["load_notifier"]


def load_notifier(name: str, options: dict[str, Any], *, outbox_dir: Path) -> Notifier:
    """Instantiate the notifier registered as ``name`` in ``domicili.notifiers``."""
    found = {ep.name: ep for ep in entry_points(group="domicili.notifiers")}
    if name not in found:
        from .notifiers import BUILTIN

        if name not in BUILTIN:  # running from a source tree without installed metadata
            known = ", ".join(sorted(set(found) | set(BUILTIN)))
            raise ConfigError(f"Unknown notifier {name!r}; installed notifiers: {known}.")
        factory: Any = BUILTIN[name]
    else:
        factory = found[name].load()
    try:
        notifier = factory.from_config(options, outbox_dir=outbox_dir)
    except TypeError as exc:
        raise ConfigError(
            f"notifications.options do not suit the {name!r} notifier: {exc}."
        ) from None
    if not isinstance(notifier, Notifier):
        raise ConfigError(f"The notifier {name!r} has no deliver(message) method.")
    return notifier
