"""The directory (annuaire): the vocabulary of services and what a search returns.

Services are data: the built-in vocabulary below, which a deployment extends in
``domicili.toml``::

    [annuaire.services]
    coworking = "Accès à un espace de coworking"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput
from .i18n import _

__all__ = [
    "PERIOD_LABELS",
    "SERVICES",
    "SERVICE_LABELS",
    "SearchResult",
    "check_services",
    "service_labels",
]

#: service code → French label
SERVICES: dict[str, str] = {
    "domiciliation": "Domiciliation du siège social",
    "numerisation": "Numérisation du courrier",
    "reexpedition": "Réexpédition du courrier",
    "collecte": "Mise à disposition du courrier (retrait sur place)",
    "salle_reunion": "Salle de réunion",
    "bureau": "Location de bureau à l’heure ou à la journée",
    "permanence_telephonique": "Permanence téléphonique",
    "procuration_postale": "Réception des recommandés (procuration postale)",
}

#: service code → the short French label a list shows (tables, invoice lines):
#: « domiciliation, numérisation, réexpédition du courrier ».
SERVICE_LABELS: dict[str, str] = {
    "domiciliation": "domiciliation",
    "numerisation": "numérisation",
    "reexpedition": "réexpédition du courrier",
    "collecte": "retrait du courrier sur place",
    "salle_reunion": "salle de réunion",
    "bureau": "bureau à l’heure ou à la journée",
    "permanence_telephonique": "permanence téléphonique",
    "procuration_postale": "réception des recommandés",
}

PERIOD_LABELS: dict[str, str] = {"month": "mois", "quarter": "trimestre", "year": "an"}


def check_services(
    codes: list[str] | tuple[str, ...], vocabulary: dict[str, str], *, field: str = "service"
) -> list[str]:
    """The codes in order, without duplicates; an unknown one is refused with the list."""
    out = []
    for code in codes:
        code = code.strip()
        if code not in vocabulary:
            raise InvalidInput(
                _("{field}: unknown service {code}; known services: {listed}.").format(
                    field=field, code=repr(code), listed=", ".join(vocabulary)
                ),
                field=field,
            )
        if code not in out:
            out.append(code)
    return out


def service_labels(
    codes: list[str] | tuple[str, ...], vocabulary: dict[str, str] | None = None
) -> str:
    """``["numerisation", "reexpedition"]`` → ``"numérisation, réexpédition du courrier"``.

    A code of a deployment's own vocabulary (``[annuaire.services]``) shows its label
    there; a code known nowhere shows as it is.
    """
    extra = vocabulary or {}
    return ", ".join(SERVICE_LABELS.get(code) or extra.get(code) or code for code in codes)


@dataclass(frozen=True)
class SearchResult:
    """One provider found in the directory, with its cheapest matching offer."""

    provider_id: int
    name: str
    city: str
    postcode: str
    departement: str
    services: list[str]
    offer_id: int | None
    offer_name: str | None
    monthly_ht_cents: int | None
    price_ht_cents: int | None
    period: str | None
    agrement_expires: str

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        data = asdict(self)
        data["id"] = self.provider_id
        return data
