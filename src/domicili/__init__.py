"""domicili: the back office of French business-domiciliation providers.

The public API is the :class:`Domicili` facade; errors are in :mod:`domicili.errors`
and fakes for tests and embedding apps in :mod:`domicili.testing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Domicili",
    "DomiciliError",
    "Status",
    "__version__",
]

if TYPE_CHECKING:
    from .app import Domicili
    from .errors import DomiciliError
    from .statuses import Status


def __getattr__(name: str) -> Any:
    # Lazy: `domicili --help` must not pay for pydantic models and the store.
    if name == "Domicili":
        from .app import Domicili

        return Domicili
    if name == "DomiciliError":
        from .errors import DomiciliError

        return DomiciliError
    if name == "Status":
        from .statuses import Status

        return Status
    raise AttributeError(f"module 'domicili' has no attribute {name!r}")
