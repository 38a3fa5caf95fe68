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
    documents:                   # optional: kind → file, inside this file's folder
      identite: pieces/identite.pdf

Quote postcodes, phones and SIRENs: YAML reads ``01000`` as a number. Documents are
named relative to the answers file and must lie in its folder (or below it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import AnswersError
from .i18n import _
from .models import Client

__all__ = ["DemandeAnswers", "load_answers"]

#: Values an answers file may hold once its YAML aliases are expanded (a real one has ~60).
ANSWERS_MAX_VALUES = 10_000


class DemandeAnswers(BaseModel):
    """What a client answers once, sent to one or several providers."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    client: Client
    #: kind → file path (in a file: relative to it, inside its folder).
    documents: dict[str, Path] = Field(default_factory=dict)
    #: provider id → offer id, when the client chose a specific offer.
    offers: dict[int, int] = Field(default_factory=dict)
    services: list[str] = Field(default_factory=list)
    message: str | None = None


def parse_answers(raw: Any, *, source: str = "answers") -> DemandeAnswers:
    """Validate answers already loaded into Python values."""
    from .service.errors import from_validation

    if not isinstance(raw, dict):
        raise AnswersError(
            _("{source}: expected a mapping with a 'client' section.").format(source=source)
        )
    try:
        return DemandeAnswers.model_validate(raw)
    except ValidationError as exc:
        err = from_validation(exc)
        raise AnswersError(
            _("{source}: {error}").format(source=source, error=err),
            field=err.field,
            value=err.value,
            limit=err.limit,
        ) from None


def load_answers(path: str | Path) -> DemandeAnswers:
    """Read an answers file; the documents it names must lie in its folder.

    The file is at most :data:`~domicili.inputs.ANSWERS_MAX_BYTES`; its YAML is read
    with the limits of :func:`~domicili.inputs.load_yaml`.
    """
    from .inputs import ANSWERS_MAX_BYTES, inside, load_yaml, read_text

    file = Path(path)
    text = read_text(file, limit=ANSWERS_MAX_BYTES, what=_("an answers file"), error=AnswersError)
    raw, _node = load_yaml(
        text, source=str(file), max_values=ANSWERS_MAX_VALUES, error=AnswersError
    )
    answers = parse_answers(raw, source=str(file))
    answers.documents = {
        kind: inside(file.parent, name, field=f"documents.{kind}", error=AnswersError)
        for kind, name in answers.documents.items()
    }
    return answers
