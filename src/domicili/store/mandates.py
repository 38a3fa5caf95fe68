"""SEPA mandates and the values their amendments replaced."""

from __future__ import annotations

import json
from typing import Any

from ..mandates import Mandate, MandateAmendment
from ..models import TRUSTED
from ._base import StoreBase
from ._rows import _columns

__all__ = ["MandateStore"]


#: A mandate collections go through: not revoked, and not a one-off mandate used already.
IN_USE = "revoked_at IS NULL AND (one_off = 0 OR first_collected_on IS NULL)"


class MandateStore(StoreBase):
    """Mandates (one table) and their amendments (another), read together."""

    def insert_mandate(self, mandate: Mandate) -> int:
        row = mandate.model_dump(exclude={"id", "amendments"})
        return self.sql.insert("mandates", _columns(row))

    def update_mandate(self, mandate_id: int, **fields: Any) -> None:
        self.sql.update("mandates", mandate_id, _columns(fields))

    def insert_mandate_amendment(self, amendment: MandateAmendment) -> int:
        row = amendment.model_dump(exclude={"id"})
        row["changed"] = json.dumps(row["changed"])
        return self.sql.insert("mandate_amendments", _columns(row))

    def get_mandate(self, mandate_id: int) -> Mandate | None:
        found = self._mandates("WHERE id = ?", (mandate_id,))
        return found[0] if found else None

    def mandates_by_reference(
        self, reference: str, provider_id: int | None = None
    ) -> list[Mandate]:
        """The mandates with this reference now: one provider's (at most one), or every
        provider's when ``provider_id`` is ``None``."""
        if provider_id is None:
            return self._mandates("WHERE reference = ?", (reference,))
        return self._mandates("WHERE provider_id = ? AND reference = ?", (provider_id, reference))

    def mandates_of_dossier(self, dossier_id: int) -> list[Mandate]:
        """A dossier's mandates, oldest first (at most one of them not revoked)."""
        return self._mandates("WHERE dossier_id = ?", (dossier_id,))

    def dossiers_with_mandate(self, provider_id: int) -> set[int]:
        """The dossiers of a provider that have a mandate in force (one query for a run)."""
        rows = self.sql.rows(
            f"SELECT dossier_id FROM mandates WHERE provider_id = ? AND {IN_USE}",
            (provider_id,),
        )
        return {int(r[0]) for r in rows}

    def active_mandate(self, dossier_id: int) -> Mandate | None:
        found = self._mandates(f"WHERE dossier_id = ? AND {IN_USE}", (dossier_id,))
        return found[-1] if found else None

    def mandate_reference_holder(self, provider_id: int, reference: str) -> int | None:
        """The mandate that has, or had before an amendment, this reference of the provider."""
        value = self.sql.value(
            "SELECT id FROM mandates WHERE provider_id = ? AND reference = ? "
            "UNION SELECT a.mandate_id FROM mandate_amendments a "
            "JOIN mandates m ON m.id = a.mandate_id "
            "WHERE m.provider_id = ? AND a.reference = ?",
            (provider_id, reference, provider_id, reference),
        )
        return None if value is None else int(value)

    def _mandates(self, where: str, params: tuple[Any, ...]) -> list[Mandate]:
        rows = self.sql.all(f"SELECT * FROM mandates {where} ORDER BY id", params)
        if not rows:
            return []
        ids = [int(r["id"]) for r in rows]
        marks = ", ".join("?" for _ in ids)
        kept: dict[int, list[MandateAmendment]] = {i: [] for i in ids}
        for a in self.sql.all(
            f"SELECT * FROM mandate_amendments WHERE mandate_id IN ({marks}) ORDER BY id",
            tuple(ids),
        ):
            a["changed"] = json.loads(a["changed"]) if a.get("changed") else []
            kept[int(a["mandate_id"])].append(MandateAmendment.model_validate(a, context=TRUSTED))
        return [
            Mandate.model_validate({**r, "amendments": kept[int(r["id"])]}, context=TRUSTED)
            for r in rows
        ]
