"""Small typed records the repositories return besides the models (no raw rows).

Frozen dataclasses: cheap to build by the thousand (``audit verify`` streams the
whole log through :class:`EventLink`) and typed for the service layer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .clock import iso

__all__ = [
    "GENESIS_HASH",
    "ContractToBill",
    "EventLink",
    "PaymentLink",
    "SignatureCode",
    "event_hash",
    "to_json",
]

#: The ``prev_hash`` of the first event of the log.
GENESIS_HASH = "0" * 64


def to_json(value: Any) -> str:
    """The one JSON form of stored lists and mappings, and of hashed event data
    (sorted keys, no spaces, non-ASCII kept)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    prev_hash: str,
    at: datetime,
    type_: str,
    dossier_id: int | None,
    provider_id: int | None,
    data_json: str,
    key: bytes | None = None,
) -> str:
    """The link of the audit chain over the previous hash and this event: an HMAC-SHA256
    with ``key`` (every event since schema 11), a plain SHA-256 without (older ones)."""
    payload = "\x1f".join(
        [prev_hash, iso(at), type_, str(dossier_id or ""), str(provider_id or ""), data_json]
    ).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class EventLink:
    """One event of the log as chained: its data as the exact JSON text that was hashed."""

    id: int
    at: datetime
    type: str
    dossier_id: int | None
    provider_id: int | None
    data_json: str
    prev_hash: str
    hash: str

    def expected_hash(self, key: bytes | None = None) -> str:
        return event_hash(
            self.prev_hash,
            self.at,
            self.type,
            self.dossier_id,
            self.provider_id,
            self.data_json,
            key,
        )


@dataclass(frozen=True, slots=True)
class SignatureCode:
    """The current one-time code of a party (only its keyed digest is kept)."""

    dossier_id: int
    party: str
    salt: str
    code_hash: str
    expires_at: datetime
    attempts: int
    locked: bool
    created_at: datetime
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class ContractToBill:
    """A contract in force and how far it is billed (the end of its last period)."""

    dossier_id: int
    provider_id: int
    start_date: date
    billed_to: date | None


@dataclass(frozen=True, slots=True)
class PaymentLink:
    """A card-payment link of a dossier (``open``, ``paid``, ``replaced``, ``closed``…)."""

    token: str
    dossier_id: int
    amount_cents: int
    status: str
    created_at: datetime
    closed_at: datetime | None = None
