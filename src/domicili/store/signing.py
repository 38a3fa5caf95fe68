"""Signature codes and signatures."""

from __future__ import annotations

from datetime import datetime

from ..clock import iso
from ..models import Signature
from ..records import SignatureCode
from ._base import StoreBase

__all__ = ["SigningStore"]


class SigningStore(StoreBase):
    """Signature codes and signatures."""

    # -- signatures -------------------------------------------------------------
    def set_signature_code(
        self,
        dossier_id: int,
        party: str,
        salt: str,
        code_hash: str,
        expires_at: datetime,
        at: datetime,
    ) -> None:
        self.sql.execute(
            "INSERT INTO signature_codes (dossier_id, party, salt, code_hash, expires_at, "
            "attempts, locked, created_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?) "
            "ON CONFLICT (dossier_id, party) DO UPDATE SET salt = excluded.salt, "
            "code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0, "
            "locked = 0, created_at = excluded.created_at",
            (dossier_id, party, salt, code_hash, iso(expires_at), iso(at)),
        )

    def signature_code(self, dossier_id: int, party: str) -> SignatureCode | None:
        row = self.sql.one(
            "SELECT * FROM signature_codes WHERE dossier_id = ? AND party = ?", (dossier_id, party)
        )
        if row is None:
            return None
        row["expires_at"] = datetime.fromisoformat(row["expires_at"])
        row["created_at"] = datetime.fromisoformat(row["created_at"])
        row["locked"] = bool(row["locked"])
        return SignatureCode(**row)

    def count_code_attempt(self, dossier_id: int, party: str, *, lock_at: int) -> int:
        """One more wrong attempt; the code locks when ``lock_at`` is reached."""
        self.sql.execute(
            "UPDATE signature_codes SET attempts = attempts + 1, "
            "locked = CASE WHEN attempts + 1 >= ? THEN 1 ELSE locked END "
            "WHERE dossier_id = ? AND party = ?",
            (lock_at, dossier_id, party),
        )
        code = self.signature_code(dossier_id, party)
        return code.attempts if code else 0

    def delete_signature_code(self, dossier_id: int, party: str) -> None:
        self.sql.execute(
            "DELETE FROM signature_codes WHERE dossier_id = ? AND party = ?", (dossier_id, party)
        )

    def insert_signature(self, signature: Signature) -> int:
        return self.sql.insert("signatures", signature.model_dump(exclude={"id"}, mode="json"))

    def signatures(self, dossier_id: int) -> list[Signature]:
        rows = self.sql.all(
            "SELECT * FROM signatures WHERE dossier_id = ? ORDER BY id", (dossier_id,)
        )
        return [Signature.model_validate(r) for r in rows]

    def signature_reminder_sent(self, dossier_id: int, party: str, day: int) -> bool:
        return (
            self.sql.one(
                "SELECT 1 AS x FROM signature_reminders WHERE dossier_id = ? AND party = ? "
                "AND day = ?",
                (dossier_id, party, day),
            )
            is not None
        )

    def record_signature_reminder(
        self, dossier_id: int, party: str, day: int, at: datetime
    ) -> None:
        self.sql.execute(
            "INSERT INTO signature_reminders (dossier_id, party, day, sent_at) VALUES (?, ?, ?, ?)",
            (dossier_id, party, day, iso(at)),
        )
