"""domicili: the back office of French business-domiciliation providers."""

from __future__ import annotations

__version__ = "0.1.0"
