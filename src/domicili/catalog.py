"""The justificatif catalog: which supporting pieces a dossier needs, and when.

The catalog is data (DOMAIN.md); a provider may add kinds of its own through
``domicili.toml`` (``[[justificatifs]]`` entries with the same fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .i18n import _

__all__ = [
    "DEFAULT_CATALOG",
    "Catalog",
    "JustificatifKind",
    "JustificatifState",
    "Requirement",
]


class JustificatifState(StrEnum):
    """Life of one piece: missing → submitted → validated | invalidated → submitted …"""

    MISSING = "missing"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    INVALIDATED = "invalidated"

    @property
    def label(self) -> str:
        return {
            # Epicene words: they agree with "pièce", "justificatif" and "statuts" alike.
            "missing": "à fournir",
            "submitted": "en cours de vérification",
            "validated": "conforme",
            "invalidated": "non conforme",
        }[self.value]


class Requirement(StrEnum):
    """When a piece is needed for a given client."""

    BEFORE_ACCEPTANCE = "before_acceptance"  # accept is refused until validated
    LATER = "later"  # optional now, due after signature (e.g. Kbis of a company in formation)
    OPTIONAL = "optional"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        """How the requirement reads in a table for people."""
        return {
            "before_acceptance": "oui",
            "later": "après l'immatriculation",
            "optional": "facultatif",
            "not_applicable": "sans objet",
        }[self.value]


@dataclass(frozen=True)
class JustificatifKind:
    """One kind of piece and who needs it."""

    kind: str
    label: str
    individual: Requirement
    company: Requirement
    #: Requirement for a company not registered yet (no SIREN): overrides ``company``.
    company_en_formation: Requirement | None = None

    def requirement(self, *, company: bool, en_formation: bool) -> Requirement:
        if not company:
            return self.individual
        if en_formation and self.company_en_formation is not None:
            return self.company_en_formation
        return self.company


R = Requirement
DEFAULT_CATALOG: tuple[JustificatifKind, ...] = (
    JustificatifKind(
        "identite",
        "Pièce d'identité du dirigeant ou de l'entrepreneur",
        R.BEFORE_ACCEPTANCE,
        R.BEFORE_ACCEPTANCE,
    ),
    JustificatifKind(
        "justificatif_domicile",
        "Justificatif de domicile de moins de 3 mois",
        R.BEFORE_ACCEPTANCE,
        R.BEFORE_ACCEPTANCE,
    ),
    JustificatifKind(
        "statuts",
        "Statuts (projet de statuts pour une société en formation)",
        R.NOT_APPLICABLE,
        R.BEFORE_ACCEPTANCE,
    ),
    JustificatifKind(
        "beneficiaires_effectifs",
        "Identité de chaque bénéficiaire effectif",
        R.NOT_APPLICABLE,
        R.BEFORE_ACCEPTANCE,
    ),
    JustificatifKind(
        "kbis",
        "Extrait Kbis de moins de 3 mois",
        R.BEFORE_ACCEPTANCE,
        R.BEFORE_ACCEPTANCE,
        company_en_formation=R.LATER,
    ),
    JustificatifKind(
        "pouvoir",
        "Pouvoir du signataire s'il n'est pas le représentant légal",
        R.OPTIONAL,
        R.OPTIONAL,
    ),
    JustificatifKind(
        "procuration_postale", "Procuration postale pour les recommandés", R.OPTIONAL, R.OPTIONAL
    ),
)


class Catalog:
    """The kinds a deployment knows, in a stable order."""

    def __init__(self, kinds: tuple[JustificatifKind, ...] = DEFAULT_CATALOG) -> None:
        self.kinds = kinds
        self._by_kind = {k.kind: k for k in kinds}

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind

    def get(self, kind: str) -> JustificatifKind:
        try:
            return self._by_kind[kind]
        except KeyError:
            raise KeyError(
                _("unknown justificatif kind {kind}; known kinds: {listed}").format(
                    kind=repr(kind), listed=", ".join(self._by_kind)
                )
            ) from None

    def applicable(
        self, *, company: bool, en_formation: bool
    ) -> list[tuple[JustificatifKind, Requirement]]:
        """Kinds that apply to this client, each with its requirement."""
        out: list[tuple[JustificatifKind, Requirement]] = []
        for k in self.kinds:
            req = k.requirement(company=company, en_formation=en_formation)
            if req is not Requirement.NOT_APPLICABLE:
                out.append((k, req))
        return out
