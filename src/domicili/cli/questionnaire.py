"""The "Demander une offre" questionnaire asked at the terminal.

Each answer is checked as it is typed (the same checks as an answers file, files
included) and asked again when it is not valid; yes/no questions take « o », « oui »,
« n », « non » (and « y », « yes », « no »). Every answer is saved at once in a draft
(:mod:`._draft`), so that an interrupted questionnaire resumes where it stopped. A
summary, with the providers the request goes to and their price, comes before
« Envoyer cette demande ? ».
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import identifiers
from ..catalog import Catalog, Requirement
from ..errors import InvalidInput
from ..i18n import N_, _
from ._draft import Draft, draft_path

if TYPE_CHECKING:
    from ..app import Domicili
    from ..models import Client, Dossier
    from ..service.providers import Quote

__all__ = ["Questionnaire", "ask", "resumed_targets"]

_YES = {"o", "oui", "y", "yes"}
_NO = {"n", "non", "no"}
_PER = {"month": N_("per month"), "quarter": N_("per quarter"), "year": N_("per year")}


def _checked(fn: Callable[[str], str]) -> Callable[[str], str]:
    def proc(value: str) -> str:
        try:
            return fn(value)
        except InvalidInput as exc:
            raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None

    return proc


def _postcode(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"[0-9]{5}", value):
        raise InvalidInput(_("a postcode of 5 digits, for example 69003"))
    return value


def _date(value: str) -> str:
    from ..french import parse_date

    return parse_date(value, field="birth_date").isoformat()


def _share(value: str) -> str:
    try:
        share = float(value.replace(",", ".").replace("%", "").strip())
    except ValueError:
        raise InvalidInput(_("a percentage, for example 60")) from None
    if not 0 < share <= 100:
        raise InvalidInput(_("a percentage between 0 and 100"))
    return f"{share:g}"


def _text(value: str) -> str:
    if not value.strip():
        raise InvalidInput(_("an answer is needed"))
    return value.strip()


def _yes_no(value: str) -> str:
    word = value.strip().lower()
    if word in _YES:
        return "o"
    if word in _NO:
        return "n"
    raise InvalidInput(_("answer o (oui) or n (non)"))


class Questionnaire:
    """One run of the questions, its answers kept in ``draft`` as they are given."""

    def __init__(
        self,
        draft: Draft,
        *,
        catalog: Catalog | None = None,
        check_file: Callable[[str], object] | None = None,
        quotes: Sequence[Quote] = (),
    ) -> None:
        self.draft = draft
        self.catalog = catalog or Catalog()
        self.check_file = check_file
        self.quotes = quotes

    # -- asking ---------------------------------------------------------------------
    def ask(
        self,
        key: str,
        label: str,
        proc: Callable[[str], str] = _text,
        default: str | None = None,
        *,
        show_default: bool = True,
        keep: bool = True,
    ) -> str:
        """The answer ``key``: from the draft when it holds one that is still valid (a file
        may have gone since), else typed, checked and saved at once."""
        kept = self.draft.answer(key) if keep else None
        if kept is not None:
            try:
                value = proc(kept)
            except InvalidInput:
                pass
            else:
                click.echo(f"{label} : {value}", err=True)
                return value
        value = str(
            click.prompt(
                label,
                value_proc=_checked(proc),
                default=default,
                show_default=show_default,
                err=True,
            )
        )
        if keep:
            self.draft.save(key, value)
        return value

    def yes(self, key: str, question: str, *, default: bool, keep: bool = True) -> bool:
        """A yes/no question: « o », « oui », « n », « non » (also y, yes, no)."""
        choices = _("[Y/n]") if default else _("[y/N]")
        answer = self.ask(
            key,
            f"{question} {choices}",
            _yes_no,
            "o" if default else "n",
            show_default=False,
            keep=keep,
        )
        return answer == "o"

    def _file(self, value: str) -> str:
        if not value.strip():
            return ""
        path = Path(value.strip()).expanduser()
        if not path.is_file():
            raise InvalidInput(
                _("{path} does not exist (leave it empty to send it later)").format(path=path)
            )
        if self.check_file is not None:
            self.check_file(str(path))  # readable, not too big, a PDF, JPEG or PNG
        return str(path)

    # -- the questions --------------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        """Ask every question; return answers in the shape of an answers file."""
        click.echo(
            _("Domiciliation request: answer the questions (Ctrl-C to stop; --resume goes on).")
            + "\n",
            err=True,
        )
        company = (
            self.ask(
                "kind",
                _("You are: (1) a company, (2) a sole trader"),
                _kind,
                default="1",
            )
            == "1"
        )
        client = self._business(company)
        client["representative"] = rep = self._representative(company)
        client["email"] = self.ask("email", _("Contact email"), identifiers.normalize_email)
        region = identifiers.phone_region(rep["postcode"])
        client["phone"] = self.ask(
            "phone",
            _("Contact phone (a mobile if possible, for text messages)"),
            _phone(region),
            default=rep["phone"],
        )
        if company:
            client["beneficial_owners"] = self._owners(rep)
        documents = self._documents(company, client["en_formation"])
        answers: dict[str, Any] = {"client": client}
        if documents:
            answers["documents"] = documents
        self._summary(answers)
        # Never kept: a resumed questionnaire is confirmed again.
        if not self.yes("send", "\n" + _("Send this request?"), default=True, keep=False):
            raise click.Abort()
        return answers

    def _business(self, company: bool) -> dict[str, Any]:
        """The business itself: name, form, SIREN once registered, activity."""
        client: dict[str, Any] = {"kind": "company" if company else "individual"}
        client["name"] = self.ask(
            "name", _("Name of the company") if company else _("Trade name, or full name")
        )
        client["legal_form"] = self.ask(
            "legal_form", _("Legal form (SAS, SARL, EI…)"), default="SAS" if company else "EI"
        )
        registered = self.yes(
            "registered", _("Is the business already registered (SIREN)?"), default=False
        )
        client["en_formation"] = not registered
        if registered:
            client["siren"] = self.ask("siren", _("SIREN (9 digits)"), identifiers.normalize_siren)
        client["activity"] = self.ask("activity", _("Activity"))
        return client

    def _representative(self, company: bool) -> dict[str, Any]:
        click.echo(
            "\n" + (_("Legal representative") if company else _("Yourself (sole trader)")),
            err=True,
        )
        rep: dict[str, Any] = {
            "first_name": self.ask("rep.first_name", "  " + _("First name")),
            "last_name": self.ask("rep.last_name", "  " + _("Last name")),
            "birth_date": self.ask("rep.birth_date", "  " + _("Date of birth (DD/MM/YYYY)"), _date),
            "address": self.ask("rep.address", "  " + _("Home address (number and street)")),
            "postcode": self.ask("rep.postcode", "  " + _("Postcode"), _postcode),
            "city": self.ask("rep.city", "  " + _("City")),
        }
        # A number is read as written where the representative lives (0262… in La Réunion).
        rep["phone"] = self.ask(
            "rep.phone", "  " + _("Phone"), _phone(identifiers.phone_region(rep["postcode"]))
        )
        return rep

    def _owners(self, rep: dict[str, Any]) -> list[dict[str, Any]]:
        """At least one beneficial owner; the representative's name is offered first."""
        owners: list[dict[str, Any]] = []
        click.echo(
            "\n" + _("Beneficial owners (more than 25 % of the capital or of the votes)"),
            err=True,
        )
        while not owners or self.yes(
            f"owners.{len(owners)}.more", "  " + _("Add another beneficial owner?"), default=False
        ):
            n, first = len(owners), not owners
            owners.append(
                {
                    "first_name": self.ask(
                        f"owners.{n}.first_name",
                        "  " + _("First name"),
                        default=rep["first_name"] if first else None,
                    ),
                    "last_name": self.ask(
                        f"owners.{n}.last_name",
                        "  " + _("Last name"),
                        default=rep["last_name"] if first else None,
                    ),
                    "share_percent": float(
                        self.ask(f"owners.{n}.share", "  " + _("Share held (%)"), _share)
                    ),
                }
            )
        return owners

    def _documents(self, company: bool, en_formation: bool) -> dict[str, str]:
        """A path for each piece that is not optional; empty means sent later."""
        documents: dict[str, str] = {}
        click.echo(
            "\n" + _("Supporting documents (PDF, JPEG or PNG; leave empty to send them later)"),
            err=True,
        )
        for kind, req in self.catalog.applicable(company=company, en_formation=en_formation):
            if req is Requirement.OPTIONAL:
                continue
            path = self.ask(
                f"documents.{kind.kind}", f"  {kind.label}", self._file, "", show_default=False
            )
            if path:
                documents[kind.kind] = path
        return documents

    def _summary(self, answers: dict[str, Any]) -> None:
        from ._summary import summary

        click.echo(summary(answers, self.catalog, self.quotes, _PER), err=True)


def resumed_targets(db: Path | None) -> tuple[int, ...]:
    """The providers the interrupted questionnaire was going to."""
    kept = Draft.read(draft_path(db))
    if kept is None:
        raise click.UsageError(_nothing_to_resume(db))
    return tuple(kept.to)


def _nothing_to_resume(db: Path | None) -> str:
    return _("There is no interrupted questionnaire to resume (no {path}).").format(
        path=draft_path(db)
    )


def ask(
    app: Domicili, db: Path | None, targets: list[int], *, resume: bool, force: bool = False
) -> tuple[Client, list[Dossier]]:
    """Ask the questionnaire (going on from its draft when there is one) and send the
    request to ``targets``; the draft is removed once the request is sent (and kept when
    it is refused, for ``--resume``)."""
    path = draft_path(db)
    quotes = app.quotes(targets)  # an unknown provider is refused before any question
    kept = Draft.read(path)
    if resume and kept is None:
        raise click.UsageError(_nothing_to_resume(db))
    draft = Draft(path, to=list(targets))
    if kept is not None and not resume:
        question = _("A questionnaire interrupted earlier is kept in {path}. Go on with it?")
        if not Questionnaire(draft).yes("", question.format(path=path), default=True, keep=False):
            kept = None
    if kept is not None:
        draft.answers = kept.answers
    questions = Questionnaire(
        draft, catalog=app.ctx.catalog, check_file=app.check_justificatif_file, quotes=quotes
    )
    sent = app.create_demande(questions.answers(), to=targets, force=force)
    draft.remove()
    return sent


def _kind(value: str) -> str:
    if value.strip() not in ("1", "2"):
        raise InvalidInput(_("answer 1 (a company) or 2 (a sole trader)"))
    return value.strip()


def _phone(region: str) -> Callable[[str], str]:
    def proc(value: str) -> str:
        return identifiers.normalize_phone(value, region=region)

    return proc
