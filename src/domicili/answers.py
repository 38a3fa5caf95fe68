"""The "Demander une offre" questionnaire: its answers, from a file or from prompts.

An answers file is YAML (or JSON)::

    client:
      kind: company              # company | individual
      name: Atelier Lumière
      legal_form: SAS
      en_formation: true         # not registered yet: no SIREN
      activity: Conception d'éclairages
      email: contact@atelier-lumiere.fr
      phone: "06 12 34 56 78"
      representative:            # the entrepreneur, or the company's legal representative
        first_name: Camille
        last_name: Durand
        email: camille.durand@example.fr
        phone: "06 98 76 54 32"
        address: 12 rue des Lilas
        postcode: "69003"
        city: Lyon
      beneficial_owners:         # companies only: more than 25 % of capital or votes
        - {first_name: Camille, last_name: Durand, share_percent: 60}
    documents:                   # optional: kind → file, relative to this file
      identite: pieces/identite.pdf

Quote postcodes, phones and SIRENs: YAML reads ``01000`` as a number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import AnswersError
from .models import Client

__all__ = ["DemandeAnswers", "load_answers"]


class DemandeAnswers(BaseModel):
    """What a client answers once, sent to one or several providers."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    client: Client
    #: kind → file path (relative paths are relative to the answers file).
    documents: dict[str, Path] = Field(default_factory=dict)
    #: provider id → offer id, when the client chose a specific offer.
    offers: dict[int, int] = Field(default_factory=dict)
    services: list[str] = Field(default_factory=list)
    message: str | None = None


def parse_answers(raw: Any, *, source: str = "answers") -> DemandeAnswers:
    """Validate answers already loaded into Python values."""
    from .service.errors import from_validation

    if not isinstance(raw, dict):
        raise AnswersError(f"{source}: expected a mapping with a 'client' section.")
    try:
        return DemandeAnswers.model_validate(raw)
    except ValidationError as exc:
        err = from_validation(exc)
        raise AnswersError(
            f"{source}: {err}", field=err.field, value=err.value, limit=err.limit
        ) from None


def load_answers(path: str | Path) -> DemandeAnswers:
    """Read an answers file; document paths are resolved next to it."""
    import yaml

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersError(f"Cannot read answers file {file}: {exc}.") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise AnswersError(f"{file}:{where} is not valid YAML.") from None
    answers = parse_answers(raw, source=str(file))
    answers.documents = {
        k: p if p.is_absolute() else file.parent / p for k, p in answers.documents.items()
    }
    return answers
