"""Cards saved for the dossiers' invoices, and the card charges of the receivables."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..cards import Card
from ..models import TRUSTED, Receivable
from ._base import StoreBase
from ._rows import _columns

__all__ = ["CardStore"]


class CardStore(StoreBase):
    """Cards (one table); the receivables charged to them are read here too."""

    def insert_card(self, card: Card) -> int:
        return self.sql.insert("cards", _columns(card.model_dump(exclude={"id"})))

    def update_card(self, card_id: int, **fields: Any) -> None:
        self.sql.update("cards", card_id, _columns(fields))

    def get_card(self, card_id: int) -> Card | None:
        row = self.sql.one("SELECT * FROM cards WHERE id = ?", (card_id,))
        return None if row is None else Card.model_validate(row, context=TRUSTED)

    def cards_of_dossier(self, dossier_id: int) -> list[Card]:
        """A dossier's cards, oldest first (at most one of them not removed)."""
        rows = self.sql.all("SELECT * FROM cards WHERE dossier_id = ? ORDER BY id", (dossier_id,))
        return [Card.model_validate(r, context=TRUSTED) for r in rows]

    def active_card(self, dossier_id: int) -> Card | None:
        row = self.sql.one(
            "SELECT * FROM cards WHERE dossier_id = ? AND removed_at IS NULL "
            "ORDER BY id DESC LIMIT 1",
            (dossier_id,),
        )
        return None if row is None else Card.model_validate(row, context=TRUSTED)

    def dossiers_with_card(self, provider_id: int) -> set[int]:
        """The dossiers of a provider that have a card in use (one query for a run)."""
        rows = self.sql.rows(
            "SELECT dossier_id FROM cards WHERE provider_id = ? AND removed_at IS NULL",
            (provider_id,),
        )
        return {int(r[0]) for r in rows}

    def card_charges_due(
        self, *, due_by: date, provider_id: int | None = None, after_id: int = 0, limit: int = 500
    ) -> list[Receivable]:
        """Open receivables collected by card whose day has come (or whose charge was
        under way when a run stopped), in id order."""
        from .receivables import _receivable

        scope, params = ("AND provider_id = ? ", [provider_id]) if provider_id else ("", [])
        rows = self.sql.all(
            "SELECT * FROM receivables WHERE collection = 'card' AND state = 'open' "
            "AND invoice_id IS NOT NULL AND collection_date <= ? "
            f"AND id > ? {scope}ORDER BY id LIMIT ?",
            (due_by.isoformat(), after_id, *params, limit),
        )
        return [_receivable(r) for r in rows]

    def receivable_by_charge(self, charge_key: str) -> Receivable | None:
        """The receivable a card charge was asked for (its key names it)."""
        from .receivables import _receivable

        row = self.sql.one("SELECT * FROM receivables WHERE charge_key = ?", (charge_key,))
        return None if row is None else _receivable(row)

    def mandate_reference_billed(self, provider_id: int, reference: str) -> bool:
        """Whether an invoice of the provider is collected under this mandate reference."""
        return (
            self.sql.value(
                "SELECT 1 FROM receivables WHERE provider_id = ? AND mandate_reference = ? LIMIT 1",
                (provider_id, reference),
            )
            is not None
        )
