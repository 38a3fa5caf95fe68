"""Row helpers of the SQLite store: JSON, filters, and rows turned into models."""

from __future__ import annotations

import json
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

__all__ = ["WITHHELD"]

#: Why a withheld message (see :meth:`MessageStore.queue_message`) is not sent again.
WITHHELD = "Its text held a one-time code, which is not kept: it is not sent again."


def _equal(**filters: Any) -> tuple[list[str], list[Any]]:
    """``col = ?`` conditions and their parameters for the filters that are set."""
    where = [f"{col} = ?" for col, value in filters.items() if value is not None]
    return where, [value for value in filters.values() if value is not None]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
    terms = row.pop("mail_terms", None)
    if terms:
        row["mail_terms"] = json.loads(terms)
    row.pop("monthly_ht_cents", None)
    return Offer.model_validate(row)


def _message(row: dict[str, Any]) -> OutboxMessage:
    row["to"] = row.pop("recipient")
    row.pop("claimed_at", None)
    row["attachments"] = json.loads(row["attachments"]) if row.get("attachments") else []
    if row["status"] == "sending":
        row["status"] = "pending"
    return OutboxMessage.model_validate(row)
