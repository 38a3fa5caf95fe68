"""The draft of a questionnaire: every answer saved as soon as it is given.

The draft is a JSON file readable by its owner only, beside the SQLite database
(``cabinet.db`` → ``cabinet.db.questionnaire.json``) or, with a database server's URL,
in the user's state folder (``$XDG_STATE_HOME/domicili``, by default
``~/.local/state/domicili``). ``demande create --resume`` goes on from it; it is removed
once the request is sent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from ..i18n import _

__all__ = ["Draft", "draft_path"]

_VERSION = 1


def draft_path(db: Path | None) -> Path:
    """Where the draft of a questionnaire on this database is kept."""
    if db is not None:
        return db.with_name(db.name + ".questionnaire.json")
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "domicili" / "questionnaire.json"


class Draft:
    """Answers by question, and the providers the request goes to."""

    def __init__(self, path: Path, *, to: list[int], answers: dict[str, str] | None = None):
        self.path, self.to = path, to
        self.answers: dict[str, str] = dict(answers or {})

    @classmethod
    def read(cls, path: Path) -> Draft | None:
        """The draft kept at ``path``, or ``None`` when there is none; one that cannot be
        read is refused with a sentence (it is left in place)."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise click.UsageError(
                _("The questionnaire draft {path} cannot be read ({reason}).").format(
                    path=path, reason=exc.strerror
                )
            ) from None
        try:
            data: Any = json.loads(text)
            answers = data["answers"]
            to = [int(p) for p in data["to"]]
            if data.get("version") != _VERSION or not isinstance(answers, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise click.UsageError(
                _("The questionnaire draft {path} is damaged; remove it to start again.").format(
                    path=path
                )
            ) from None
        return cls(path, to=to, answers={str(k): str(v) for k, v in answers.items()})

    def answer(self, key: str) -> str | None:
        return self.answers.get(key)

    def save(self, key: str, value: str) -> None:
        """Keep one more answer, on disk at once (owner-only, never half-written)."""
        from ..files import write_atomic

        self.answers[key] = value
        data = {"version": _VERSION, "to": self.to, "answers": self.answers}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
