"""The service layer: one function per use case, one transaction each."""

from .context import Context

__all__ = ["Context"]
