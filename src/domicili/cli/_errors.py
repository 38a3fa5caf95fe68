"""How the command line reports domicili's errors: one sentence, and the documented exit code.

The core's sentences name no option and no command, so that they read well wherever
domicili is embedded. Here the command line adds what a person at the terminal needs:
the option that sets a value (``--month 13: …``) and the command that shows what exists
(``Dossier 9 not found; `domicili dossier list` shows them.``), from the error's own
attributes. A command may add its own hint with :func:`hint`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from ..errors import (
    AdapterError,
    DatabaseMissing,
    DatabaseUnavailable,
    DomiciliError,
    DossierNotFound,
    ImportRowsError,
    InvalidInput,
    InvoiceNotFound,
    MessageNotFound,
    NewerRevision,
    NoWayToPay,
    OfferNotFound,
    OutOfScope,
    PaymentNotFound,
    PieceNotFound,
    ProviderNotFound,
    SignatureRefused,
    StoredFileAltered,
    UnknownCode,
)
from ..i18n import N_, _

__all__ = [
    "ADAPTER_FAILED",
    "EXIT_CODES",
    "KEPT_FOR_REVIEW",
    "REFUSED",
    "SUCCESS",
    "USAGE",
    "as_json",
    "exit_code",
    "hint",
    "sentence",
]

SUCCESS = 0
#: A refused or failed operation: one sentence says why, nothing was changed.
REFUSED = 1
#: A usage error (click's own: unknown option, missing argument, bad value).
USAGE = 2
#: An adapter (email, SMS, payment…) failed: try again later.
ADAPTER_FAILED = 3
#: Refused, but what was received is kept for review (a held payment): the sentence
#: names it and how to resolve it; nothing else was changed.
KEPT_FOR_REVIEW = 4

#: The exit code of each kind of error; the most specific class of an error decides.
EXIT_CODES: dict[type[DomiciliError], int] = {
    DomiciliError: REFUSED,
    AdapterError: ADAPTER_FAILED,
    DatabaseUnavailable: ADAPTER_FAILED,
    # A stored file that no longer matches its hash is refused, never served.
    StoredFileAltered: REFUSED,
}

#: Fields of the core's errors that a person gives with an option: field → option.
#: (Others, such as ``to`` or ``invalidate``, are checked by the commands themselves.)
OPTIONS = {
    "month": "--month",
    "year": "--year",
    "reason": "--reason TEXT",
    "provider": "--provider ID",
    "reference": "--reference",
    "iban": "--iban",
    "bic": "--bic",
    "signed_on": "--signed-on",
    "creditor_identifier": "--creditor-identifier",
}

_LISTS: dict[type[DomiciliError], str] = {
    ProviderNotFound: "provider",
    DossierNotFound: "dossier",
    OfferNotFound: "offer",
    InvoiceNotFound: "invoice",
    PaymentNotFound: "payment",
    MessageNotFound: "outbox",
}

_CODES = {
    "region": N_("`domicili annuaire regions` lists the valid codes"),
    "departement": N_("`domicili annuaire departements` lists the valid codes"),
}


def exit_code(exc: DomiciliError) -> int:
    """The documented exit code for ``exc`` (see :data:`EXIT_CODES`)."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return REFUSED


def sentence(exc: DomiciliError) -> str:
    """The error's sentence as the command line says it: with its option or command."""
    text = str(exc)
    field = getattr(exc, "field", None)
    if isinstance(exc, InvalidInput) and field in OPTIONS:
        option = OPTIONS[field]
        if text.startswith(field):  # "month 13: …" → "--month 13: …"
            text = option.split()[0] + text[len(field) :]
        else:
            text = _with(text, f"({option})")
    for extra in [*_hints(exc), *getattr(exc, "__notes__", ())]:
        text = _with(text, extra)
    return text


def _hints(exc: DomiciliError) -> Iterator[str]:
    """The commands that help with ``exc``, from its attributes."""
    for cls, noun in _LISTS.items():
        if type(exc) is cls:
            yield _("`domicili {noun} list` shows them").format(noun=noun)
    if isinstance(exc, PieceNotFound):
        yield _("`domicili justificatif list {dossier_id}` shows what was received").format(
            dossier_id=exc.dossier_id
        )
    elif isinstance(exc, UnknownCode) and exc.field:
        leaf = exc.field.rsplit(".", 1)[-1]
        if leaf in _CODES:
            yield _(_CODES[leaf])
    elif isinstance(exc, ImportRowsError):
        yield _("fix them or pass --skip-invalid to import the rest")
    elif isinstance(exc, NewerRevision):
        yield f"(`domicili justificatif get {exc.dossier_id} {exc.kind}`)"
    elif isinstance(exc, NoWayToPay):
        yield f"(`domicili provider update {exc.provider_id} --iban …`)"
    elif isinstance(exc, SignatureRefused) and exc.needs_new_code:
        yield f"(`domicili contract resend-code {exc.dossier_id} --party {exc.party}`)"
    elif isinstance(exc, OutOfScope):
        yield _("run this without --provider")
    elif isinstance(exc, DatabaseMissing):
        yield _("run `domicili init` (or pass --db PATH)")
    elif isinstance(exc, StoredFileAltered):
        yield _("restore it from a backup; `domicili audit verify` lists what else was altered")


def _with(text: str, extra: str) -> str:
    """``text`` with ``extra`` before its final full stop: ``(…)`` as an aside, else ``; …``."""
    body = text.removesuffix(".")
    if extra.startswith("("):
        return _("{sentence} {aside}.").format(sentence=body, aside=extra)
    return _("{sentence}; {hint}.").format(sentence=body, hint=extra)


@contextmanager
def hint(extra: str, *errors: type[DomiciliError]) -> Iterator[None]:
    """Add ``extra`` (a command to run…) to the sentence of an error of ``errors`` raised inside.

    ``with hint("`domicili annuaire search` shows where providers are", Refused): …``
    """
    try:
        yield
    except errors as exc:
        exc.add_note(extra)
        raise


#: The keys of a refusal's JSON object; a context field of the same name is renamed.
_RENAMED = {"kind": "piece", "error": "error_field", "exit_code": "error_exit_code"}


def as_json(error: str, kind: str, code: int, context: dict[str, Any] | None = None) -> str:
    """A refusal as one JSON object: ``error`` (the sentence), ``kind`` (the error's class,
    or ``usage``), ``exit_code`` and the error's context fields (a piece's kind is
    ``piece``)."""
    from ._output import json_default

    data: dict[str, Any] = {"error": error, "kind": kind, "exit_code": code}
    for name, value in (context or {}).items():
        data[_RENAMED.get(name, name)] = value
    return json.dumps(data, default=json_default, ensure_ascii=False, indent=2)


def context_fields(exc: BaseException) -> dict[str, Any]:
    """The attributes an error carries about what was refused (``dossier_id``, ``field``…)."""
    return {
        name: value
        for name, value in vars(exc).items()
        if not name.startswith("_") and name != "message"
    }


def report_json(exc: click.ClickException, code: int) -> None:
    """A usage error as :func:`as_json` on stdout (kind ``usage``; ``parameter``: the
    option or argument it is about)."""
    fields: dict[str, Any] = {}
    param = getattr(exc, "param", None)
    if param is not None:
        fields["parameter"] = param.opts[0] if param.opts else param.name
    kind = "usage" if isinstance(exc, click.UsageError) else type(exc).__name__
    click.echo(as_json(exc.format_message(), kind, code, fields))
