"""Persistence: the SQLite store (the default) and its schema migrations."""

from .sqlite import SQLiteStore, event_hash

__all__ = ["SQLiteStore", "event_hash"]
