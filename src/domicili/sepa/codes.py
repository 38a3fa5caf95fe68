"""The reason codes a bank gives for a rejected or returned SEPA direct debit.

The codes are ISO 20022's (ExternalStatusReason1Code for rejects, ExternalReturnReason1Code
for returns), as the EPC rulebook uses them. Their labels are printed on what the client
receives (the unpaid invoice, the reminders), which is always French, so they are written
in French here, in the words French banks use.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["FINAL", "REASONS", "RETRYABLE", "reason_label"]

REASONS: Mapping[str, str] = MappingProxyType(
    {
        "AC01": "Coordonnées bancaires incorrectes (IBAN invalide)",
        "AC04": "Compte clôturé",
        "AC06": "Compte bloqué",
        "AC13": "Type de compte du débiteur non admis",
        "AG01": "Prélèvement interdit sur ce compte",
        "AG02": "Code opération incorrect",
        "AM04": "Provision insuffisante",
        "AM05": "Prélèvement en double",
        "BE05": "Identifiant créancier incorrect",
        "CNOR": "Banque du créancier non joignable",
        "DNOR": "Banque du débiteur non joignable",
        "FF01": "Format du fichier incorrect",
        "FOCR": "Retour après une demande d'annulation",
        "MD01": "Pas de mandat",
        "MD02": "Informations du mandat manquantes ou incorrectes",
        "MD06": "Remboursement demandé par le débiteur",
        "MD07": "Débiteur décédé",
        "MS02": "Refus du débiteur",
        "MS03": "Motif non communiqué par la banque",
        "NARR": "Motif précisé par la banque en texte libre",
        "RC01": "BIC incorrect",
        "RR01": "Identification du compte ou du débiteur manquante (motif réglementaire)",
        "RR02": "Nom ou adresse du débiteur manquant (motif réglementaire)",
        "RR03": "Nom ou adresse du créancier manquant (motif réglementaire)",
        "RR04": "Motif réglementaire",
        "SL01": "Service spécifique de la banque du débiteur (liste de créanciers refusés)",
    }
)

#: A new collection may be presented (before each dunning step).
RETRYABLE: frozenset[str] = frozenset({"AM04", "MS03"})

#: Never present this mandate's debit again: no mandate, refund asked, debtor's refusal,
#: account closed, debtor deceased.
FINAL: frozenset[str] = frozenset({"MD01", "MD06", "MS02", "AC04", "MD07"})


def reason_label(code: str) -> str:
    """The French label of ``code``; a code the table does not know is shown as itself."""
    return REASONS.get(code, code)
