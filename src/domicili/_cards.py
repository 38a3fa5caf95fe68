"""The cards-on-file side of the :class:`~domicili.Domicili` facade.

Each method is one call into :mod:`domicili.service.cards`. The class is a base of
``Domicili`` and is not used on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cards import Card
    from .service import cards
    from .service.cards import ChargeReport
    from .service.context import Context
else:
    # Imported on the first call (see benchmarks/bench_startup.py).
    from ._deferred import DeferredModule

    cards = DeferredModule("domicili.service.cards")

__all__ = ["Cards"]


class Cards:
    """The cards the dossiers' clients saved for their invoices, and their charges."""

    ctx: Context
    #: Domicili's: run a use case, then deliver what it queued.
    _changing: Callable[..., Any]

    def add_card(
        self,
        dossier_id: int,
        *,
        token: str,
        customer: str | None = None,
        brand: str | None = None,
        last4: str | None = None,
        expires: tuple[int, int] | None = None,
    ) -> Card:
        """Record a card the client of a dossier in force saved at the payment service
        (``token``: its name there; ``expires``: (month, year)) for its next invoices."""
        return cards.add_card(
            self.ctx,
            dossier_id,
            token=token,
            customer=customer,
            brand=brand,
            last4=last4,
            expires=expires,
        )

    def remove_card(self, dossier_id: int) -> Card:
        """Stop charging the card of a dossier: its invoices are paid by transfer."""
        return cards.remove_card(self.ctx, dossier_id)

    def dossier_card(self, dossier_id: int) -> Card:
        """The card a dossier's invoices are charged to, else its latest one."""
        return cards.dossier_card(self.ctx, dossier_id)

    def charge_cards(self, *, progress: Callable[[int], None] | None = None) -> ChargeReport:
        """Charge every invoice collected by card whose day has come (``progress`` told
        of each). Safe to run again or after a stop: a charge asked again is charged once."""
        from .clock import paris_date
        from .service import outbox

        report: ChargeReport = self._changing(
            cards.charge_due_cards,
            self.ctx,
            paris_date(self.ctx.now()),
            progress=progress,
            after_each=outbox.deliver_committed,
        )
        return report
