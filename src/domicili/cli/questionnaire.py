"""The "Demander une offre" questionnaire asked at the terminal, in French.

Each answer is checked as it is typed (the same checks as an answers file) and asked
again when it is not valid; a summary is shown for confirmation at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import identifiers
from ..catalog import Catalog, Requirement
from ..errors import InvalidInput

__all__ = ["ask_answers"]


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
        raise InvalidInput("un code postal a 5 chiffres, par exemple 69003")
    return value


def _date(value: str) -> str:
    from datetime import datetime

    text = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise InvalidInput("une date au format JJ/MM/AAAA, par exemple 12/04/1988")


def _share(value: str) -> str:
    try:
        share = float(value.replace(",", ".").replace("%", "").strip())
    except ValueError:
        raise InvalidInput("un pourcentage, par exemple 60") from None
    if not 0 < share <= 100:
        raise InvalidInput("un pourcentage entre 0 et 100")
    return f"{share:g}"


def _file(value: str) -> str:
    if not value.strip():
        return ""
    path = Path(value.strip()).expanduser()
    if not path.is_file():
        raise InvalidInput(f"{path} n'existe pas (laissez vide pour l'envoyer plus tard)")
    return str(path)


def _text(value: str) -> str:
    if not value.strip():
        raise InvalidInput("une réponse est nécessaire")
    return value.strip()


def ask(label: str, proc: Callable[[str], str] = _text, default: str | None = None) -> str:
    return str(click.prompt(label, value_proc=_checked(proc), default=default, err=True))


def ask_answers(catalog: Catalog | None = None) -> dict[str, Any]:
    """Ask every question; return answers in the shape of an answers file."""
    catalog = catalog or Catalog()
    click.echo(
        "Demande de domiciliation — répondez aux questions (Ctrl-C pour abandonner).\n",
        err=True,
    )
    company = (
        click.prompt(
            "Vous êtes : (1) une société, (2) un entrepreneur individuel",
            type=click.Choice(["1", "2"]),
            default="1",
            err=True,
        )
        == "1"
    )
    client = _ask_business(company)
    client["representative"] = rep = _ask_representative(company, client["phone"])
    if company:
        client["beneficial_owners"] = _ask_owners(rep)
    documents = _ask_documents(catalog, company, client["en_formation"])
    answers: dict[str, Any] = {"client": client}
    if documents:
        answers["documents"] = documents
    _summary(answers)
    if not click.confirm("\nEnvoyer cette demande ?", default=True, err=True):
        raise click.Abort()
    return answers


def _ask_business(company: bool) -> dict[str, Any]:
    """The business itself: name, form, SIREN once registered, activity, contact."""
    client: dict[str, Any] = {"kind": "company" if company else "individual"}
    client["name"] = ask(
        "Dénomination de la société" if company else "Nom commercial ou nom et prénom"
    )
    client["legal_form"] = ask(
        "Forme juridique (SAS, SARL, EI…)", default="SAS" if company else "EI"
    )
    registered = click.confirm(
        "L'entreprise est-elle déjà immatriculée (SIREN) ?", default=False, err=True
    )
    client["en_formation"] = not registered
    if registered:
        client["siren"] = ask("SIREN (9 chiffres)", _checked_siren)
    client["activity"] = ask("Activité exercée")
    client["email"] = ask("E-mail de contact", identifiers.normalize_email)
    client["phone"] = ask(
        "Téléphone (de préférence un mobile, pour les SMS)", identifiers.normalize_phone
    )
    return client


def _ask_representative(company: bool, phone: str) -> dict[str, Any]:
    click.echo("\nReprésentant légal" if company else "\nVous-même (entrepreneur)", err=True)
    return {
        "first_name": ask("  Prénom"),
        "last_name": ask("  Nom"),
        "birth_date": ask("  Date de naissance (JJ/MM/AAAA)", _date),
        "phone": ask("  Téléphone", identifiers.normalize_phone, default=phone),
        "address": ask("  Adresse personnelle (numéro et rue)"),
        "postcode": ask("  Code postal", _postcode),
        "city": ask("  Ville"),
    }


def _ask_owners(rep: dict[str, Any]) -> list[dict[str, Any]]:
    """At least one beneficial owner; the representative's name is offered first."""
    owners: list[dict[str, Any]] = []
    click.echo(
        "\nBénéficiaires effectifs (plus de 25 % du capital ou des droits de vote)", err=True
    )
    while not owners or click.confirm(
        "  Ajouter un autre bénéficiaire effectif ?", default=False, err=True
    ):
        owners.append(
            {
                "first_name": ask("  Prénom", default=rep["first_name"] if not owners else None),
                "last_name": ask("  Nom", default=rep["last_name"] if not owners else None),
                "share_percent": float(ask("  Part détenue (%)", _share)),
            }
        )
    return owners


def _ask_documents(catalog: Catalog, company: bool, en_formation: bool) -> dict[str, str]:
    """A path for each piece that is not optional; empty means sent later."""
    documents: dict[str, str] = {}
    click.echo(
        "\nPièces justificatives (PDF, JPEG ou PNG ; laissez vide pour les envoyer plus tard)",
        err=True,
    )
    for kind, req in catalog.applicable(company=company, en_formation=en_formation):
        if req is Requirement.OPTIONAL:
            continue
        path = ask(f"  {kind.label}", _file, default="")
        if path:
            documents[kind.kind] = path
    return documents


def _checked_siren(value: str) -> str:
    return identifiers.normalize_siren(value)


def _summary(answers: dict[str, Any]) -> None:
    c = answers["client"]
    rep = c["representative"]
    lines = [
        "",
        "Récapitulatif",
        f"  {'Société' if c['kind'] == 'company' else 'Entrepreneur'} : {c['name']} "
        f"({c['legal_form']}) — "
        + ("en formation" if c["en_formation"] else f"SIREN {c['siren']}"),
        f"  Activité : {c['activity']}",
        f"  Contact : {c['email']} · {c['phone']}",
        f"  Représentant : {rep['first_name']} {rep['last_name']}, {rep['address']}, "
        f"{rep['postcode']} {rep['city']}",
    ]
    for owner in c.get("beneficial_owners", []):
        lines.append(
            f"  Bénéficiaire effectif : {owner['first_name']} {owner['last_name']} "
            f"({owner['share_percent']:g} %)"
        )
    for kind, path in answers.get("documents", {}).items():
        lines.append(f"  Pièce {kind} : {path}")
    click.echo("\n".join(lines), err=True)
