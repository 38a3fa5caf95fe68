"""The codes of the audit log's events and the French label a person reads for each.

An event's ``type`` is a stable identifier (``dossier.accept``, ``payment.applied``…):
it is written in the hash-chained log and never changes. People read its label
(``dossier show`` prints the history with them); a code with no label is shown as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .statuses import TRANSITIONS

__all__ = ["EVENT_LABELS", "PARTY_LABELS", "event_label"]

#: ``dossier.<trigger>``: the dossier changed status (one per trigger of statuses.py).
_TRANSITION_LABELS = {
    "submit": "Demande transmise",
    "accept": "Dossier accepté",
    "dismiss": "Dossier classé sans suite",
    "pay": "Premier paiement reçu",
    "expire": "Dossier expiré (délai de paiement dépassé)",
    "reactivate": "Dossier réactivé",
    "sign": "Contrat signé par les deux parties : domiciliation en cours",
    "schedule_termination": "Résiliation programmée",
    "cancel_termination": "Résiliation annulée",
    "terminate": "Contrat résilié",
}

#: Event code → its French label.
EVENT_LABELS: dict[str, str] = {
    "dossier.created": "Demande reçue",
    "dossier.payment_reminder": "Relance de paiement envoyée",
    "dossier.mail_resumed": "Service de courrier rétabli",
    "dossier.aml_measures": "Mesures de vigilance (LCB-FT) enregistrées",
    **{f"dossier.{t.trigger}": _TRANSITION_LABELS[t.trigger] for t in TRANSITIONS},
    "justificatif.submitted": "Pièce justificative reçue",
    "justificatif.reviewed": "Pièces justificatives examinées",
    "payment.link_opened": "Lien de paiement par carte ouvert",
    "payment.pending": "Paiement en cours",
    "payment.failed": "Paiement refusé",
    "payment.held": "Paiement en attente d’examen",
    "payment.unmatched": "Paiement reçu sans dossier correspondant",
    "payment.applied": "Paiement en attente appliqué au dossier",
    "payment.refunded": "Paiement en attente remboursé",
    "invoice.issued": "Facture émise",
    "credit_note.issued": "Avoir émis",
    "invoice.paid": "Facture payée",
    "invoice.dunning": "Relance d’impayé",
    "invoice.returned": "Prélèvement retourné impayé",
    "sepa.exported": "Fichier de prélèvements SEPA écrit",
    "message.retried": "Message renvoyé",
    "billing.run": "Facturation des contrats en cours",
    "contract.sent": "Contrat envoyé pour signature",
    "contract.signed": "Contrat signé",
    "signature.code_sent": "Code de signature envoyé",
    "signature.wrong_code": "Code de signature erroné",
    "signature.reminder": "Relance de signature envoyée",
    "provider.added": "Domiciliataire ajouté",
    "provider.updated": "Domiciliataire modifié",
    "provider.suspended": "Domiciliataire suspendu",
    "provider.resumed": "Domiciliataire rétabli",
    "provider.imported": "Domiciliataires importés",
    "offer.added": "Offre publiée",
    "offer.mail_terms": "Conditions du courrier de l’offre modifiées",
    "mandate.added": "Mandat de prélèvement SEPA enregistré",
    "mandate.amended": "Mandat de prélèvement SEPA modifié (anciennes valeurs conservées)",
    "mandate.revoked": "Mandat de prélèvement SEPA révoqué",
    "mandate.first_collection": "Premier prélèvement SEPA présenté (FRST)",
    "mandate.used": "Mandat de prélèvement SEPA ponctuel utilisé (OOFF)",
    "mail.received": "Courrier reçu",
    "mailbox.rules": "Consignes de la boîte aux lettres modifiées",
    "mail.destroyed": "Courrier détruit à la date demandée",
    "mail.retention": "Courrier en fin de conservation détruit ou renvoyé à l’expéditeur",
    "mail.storage_warning": "Client prévenu de la fin du stockage gratuit de son courrier",
    "mail.uncollected_warning": "Client prévenu de son courrier non retiré (règle des 3 mois)",
    "mail.greffe_notice": "Information du greffe : courrier non retiré depuis 3 mois",
    "mail.released": "Courrier conservé pendant la suspension remis à disposition",
    "card.saved": "Carte bancaire enregistrée pour les prochaines échéances",
    "card.removed": "Carte bancaire retirée",
    "invoice.charge_failed": "Paiement par carte refusé",
}

#: Events of one invoice of the running contract, labelled with its number.
_NUMBERED = frozenset(
    {"invoice.paid", "invoice.dunning", "invoice.returned", "invoice.charge_failed"}
)

#: A signing party → how a person names it.
PARTY_LABELS = {"client": "le client", "provider": "le domiciliataire"}


def event_label(
    code: str, data: Mapping[str, Any] | None = None, pieces: Mapping[str, str] | None = None
) -> str:
    """The label of an event (its code when it has none), with the party or the pieces it
    concerns: ``Contrat signé (le client)``, ``Pièce justificative reçue : Justificatif de
    domicile (version 2)``. ``pieces`` names the dossier's kinds of piece (kind → label)."""
    label = EVENT_LABELS.get(code, code)
    data = data or {}
    names = pieces or {}
    party = data.get("party")
    if isinstance(party, str) and party in PARTY_LABELS:
        return f"{label} ({PARTY_LABELS[party]})"
    number = data.get("number")
    if code in _NUMBERED and isinstance(number, str):
        return f"{label} : {number}"
    kind = data.get("kind")
    if code == "justificatif.submitted" and isinstance(kind, str):
        revision = data.get("revision")
        version = f" (version {revision})" if isinstance(revision, int) and revision > 1 else ""
        return f"{label} : {names.get(kind, kind)}{version}"
    if code == "justificatif.reviewed":
        said = []
        for word, kinds in (
            ("conforme", data.get("validated")),
            ("non conforme", data.get("invalidated")),
        ):
            listed = [names.get(k, k) for k in kinds or () if isinstance(k, str)]
            if listed:
                plural = "s" if len(listed) > 1 else ""
                said.append(f"{word}{plural} : {', '.join(listed)}")
        if said:
            return f"{label} ({' ; '.join(said)})"
    return label
