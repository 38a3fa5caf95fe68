"""The language people read: French by default, English for integrators.

Every sentence a person reads from the library and the ``domicili`` command (errors,
confirmations, prompts, help) is written in English in the code, marked with
:func:`_` (or :func:`ngettext` for a count), and shown through the French catalog
``locale/fr/LC_MESSAGES/domicili.mo`` that ships in the package. Stable identifiers
(statuses, methods, kinds, JSON keys) are never translated.

The language is, in this order: :func:`set_language`, ``DOMICILI_LANG``, then the
standard variables ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` (the first that
names French or English), and French when none does::

    DOMICILI_LANG=en domicili dossier show 7      # an integrator reading English

Sentences are written with named fields, ``_("Dossier {dossier_id} not found.")
.format(dossier_id=7)``, so that a translation may put the fields in its own order.
Documents and messages sent to clients (contracts, attestations, invoices, emails, SMS)
are French whatever the language: French law requires French for them.

The catalogs are kept with ``python tools/catalog.py`` (``update`` after a sentence is
added or changed, then translate, then ``compile``); a test fails while a sentence has
no French translation or a compiled catalog is out of date.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "choose_language",
    "language",
    "ngettext",
    "set_language",
    "speaking",
]

#: The languages the catalogs cover; the first is the default.
LANGUAGES = ("fr", "en")
DOMAIN = "domicili"
LOCALEDIR = Path(__file__).parent / "locale"
_VARIABLES = ("DOMICILI_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_chosen: str | None = None
_translations: dict[str, gettext.NullTranslations] = {}


def choose_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``"fr"`` or ``"en"``.

    ``DOMICILI_LANG`` first, then the standard locale variables; a value names a
    language by its first letters (``fr_FR.UTF-8``, ``en``; ``LANGUAGE`` may list
    several, ``de:en``). ``C`` and ``POSIX`` name none. French when nothing names one
    of :data:`LANGUAGES`.
    """
    env = os.environ if environ is None else environ
    for name in _VARIABLES:
        for value in env.get(name, "").split(":"):
            code = value.split(".")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return LANGUAGES[0]


def set_language(code: str | None) -> None:
    """Show every later sentence in ``code`` (``"fr"`` or ``"en"``); ``None`` goes back
    to what the environment asks for. Process-wide."""
    global _chosen
    if code is not None and code not in LANGUAGES:
        raise ValueError(
            f"{code!r} is not a language domicili speaks; choose one of {', '.join(LANGUAGES)}."
        )
    _chosen = code


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Sentences in ``code`` inside the ``with`` block, then as before."""
    global _chosen
    was = _chosen
    set_language(code)
    try:
        yield
    finally:
        _chosen = was


def language() -> str:
    """The language sentences are shown in now."""
    return _chosen or choose_language()


def _translation() -> gettext.NullTranslations:
    code = language()
    found = _translations.get(code)
    if found is None:
        if code == "en":  # the sentences are written in English
            found = gettext.NullTranslations()
        else:
            with open(LOCALEDIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as mo:
                found = gettext.GNUTranslations(mo)
        _translations[code] = found
    return found


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The sentence for ``n`` things (singular or plural form) in the current language."""
    return _translation().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it now: for a constant
    defined at import, translated with :func:`_` where it is shown."""
    return message
