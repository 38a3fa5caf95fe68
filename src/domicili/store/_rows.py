"""Row helpers of the SQLite store: JSON, filters, and rows turned into models."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime
from typing import Any

from ..catalog import JustificatifState
from ..clock import iso
from ..models import (
    Dossier,
    Offer,
    OutboxMessage,
)
from ..statuses import Status

__all__ = ["GENESIS_HASH", "WITHHELD", "event_hash"]

GENESIS_HASH = "0" * 64

#: Why a withheld message (see :meth:`SQLiteStore.queue_message`) is not sent again.
WITHHELD = "Its text held a one-time code, which is not kept: it is not sent again."


def event_hash(
    prev_hash: str,
    at: str,
    type_: str,
    dossier_id: int | None,
    provider_id: int | None,
    data_json: str,
) -> str:
    """The link of the audit chain: sha256 over the previous hash and this event."""
    payload = "\x1f".join(
        [prev_hash, at, type_, str(dossier_id or ""), str(provider_id or ""), data_json]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _enable_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL; a new file opened by several processes at once may need a few tries
    (the switch takes an exclusive lock that the busy timeout does not always wait for)."""
    import time

    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _equal(**filters: Any) -> tuple[list[str], list[Any]]:
    """``col = ?`` conditions and their parameters for the filters that are set."""
    where = [f"{col} = ?" for col, value in filters.items() if value is not None]
    return where, [value for value in filters.values() if value is not None]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pk(table: Any) -> int:
    return int(table.last_pk)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, Status | JustificatifState):
            value = value.value
        elif isinstance(value, bool):
            value = int(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def _dossier(row: dict[str, Any]) -> Dossier:
    if row.get("terms"):
        row["terms"] = json.loads(row["terms"])
    return Dossier.model_validate(row)


def _offer(row: dict[str, Any]) -> Offer:
    row["services"] = json.loads(row["services"])
    row["is_default"] = bool(row["is_default"])
    row.pop("monthly_ht_cents", None)
    return Offer.model_validate(row)


def _message(row: dict[str, Any]) -> OutboxMessage:
    row["to"] = row.pop("recipient")
    row.pop("claimed_at", None)
    row["attachments"] = json.loads(row["attachments"]) if row.get("attachments") else []
    if row["status"] == "sending":
        row["status"] = "pending"
    return OutboxMessage.model_validate(row)
