"""The SEPA mandates side of the :class:`~domicili.Domicili` facade.

Each method is one call into :mod:`domicili.service.mandates`. The class is a base of
``Domicili`` and is not used on its own.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .mandates import Mandate
    from .service import mandates
    from .service.context import Context
else:
    # Imported on the first call (see benchmarks/bench_startup.py).
    from ._deferred import DeferredModule

    mandates = DeferredModule("domicili.service.mandates")

__all__ = ["Mandates"]


class Mandates:
    """SEPA direct-debit mandates of the dossiers' clients."""

    ctx: Context

    def add_mandate(
        self,
        dossier_id: int,
        *,
        iban: str,
        reference: str,
        signed_on: date | str,
        bic: str | None = None,
        debtor_name: str | None = None,
        one_off: bool = False,
    ) -> Mandate:
        """Record the SEPA mandate the client of a dossier in force signed (``reference``:
        its RUM), or amend the one the dossier has, keeping the values replaced. The BIC
        and the bank follow from the IBAN unless ``bic`` is given; the debtor is the
        client unless ``debtor_name`` names the account holder. A ``one_off`` mandate
        (OOFF) collects the next invoice only."""
        return mandates.add_mandate(
            self.ctx,
            dossier_id,
            iban=iban,
            reference=reference,
            signed_on=signed_on,
            bic=bic,
            debtor_name=debtor_name,
            one_off=one_off,
        )

    def revoke_mandate(self, reference: str) -> Mandate:
        """Revoke the mandate with this reference: it is no longer collected."""
        return mandates.revoke_mandate(self.ctx, reference)

    def find_mandate(self, key: str) -> Mandate:
        """The mandate a reference (RUM) names, else the mandate of the dossier ``key``
        names (``7``, ``D-000007``): the one in force, else its latest."""
        return mandates.find_mandate(self.ctx, key)

    def dossier_mandates(self, dossier_id: int) -> list[Mandate]:
        """Every mandate of a dossier, oldest first, revoked ones included."""
        return mandates.dossier_mandates(self.ctx, dossier_id)

    def active_mandate(self, dossier_id: int) -> Mandate | None:
        """The mandate a dossier's invoices are collected through, or ``None``."""
        return mandates.active_mandate(self.ctx, dossier_id)

    def mark_first_collection(self, mandate_id: int, on: date) -> Mandate:
        """Note that the first collection (FRST) of a mandate was presented on ``on``; the
        next ones are RCUR (:attr:`~domicili.mandates.Mandate.sequence`)."""
        return mandates.mark_first_collection(self.ctx, mandate_id, on)
