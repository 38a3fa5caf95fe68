"""Keeps the translation catalogs: ``python -m domicili._catalogs update|compile|check``.

- ``update`` collects every marked sentence (``_``, ``ngettext``, ``N_`` in the code),
  the help of every command and option, and click's own sentences, and brings
  ``locale/<lang>/LC_MESSAGES/domicili.po`` up to date: new sentences appear untranslated,
  those no longer used are dropped.
- ``compile`` writes the ``.mo`` file the package reads.
- ``check`` prints each problem (a sentence with no translation, a translation whose
  ``{fields}`` differ, a ``.mo`` older than its ``.po``) and exits 1 when there is one.

A maintainer's tool: nothing in the library or the command imports it.
"""

from __future__ import annotations

import inspect
import io
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LANGUAGES, LOCALEDIR

PACKAGE = Path(__file__).parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
#: ``{field}`` and ``%(field)s`` placeholders (click writes both kinds).
FIELDS = re.compile(r"\{(\w*)[^{}]*\}|%\((\w+)\)[sdr]")


def _marked(
    folder: Path, *, skip: Iterable[str] = ()
) -> Iterator[tuple[str, str | tuple[str, ...]]]:
    for filename, _line, message, _comments, _context in extract_from_dir(
        folder, [("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    ):
        if not any(filename.startswith(s) for s in skip):
            yield filename, message


def _help(command: click.Command) -> Iterator[str]:
    """The help texts of ``command`` and of everything under it, as they are translated."""
    for text in (command.help, command.short_help, command.epilog):
        if text:
            yield inspect.cleandoc(text)
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            yield inspect.cleandoc(param.help)
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _help(sub)


def template() -> Catalog:
    """Every sentence to translate."""
    from .cli import cli
    from .i18n import speaking

    with speaking("en"):  # the help as written
        return _template(cli)


def _template(cli: click.Group) -> Catalog:
    catalog = Catalog(domain=DOMAIN, project="domicili")
    for filename, message in _marked(PACKAGE):
        catalog.add(message, locations=[(f"domicili/{filename}", 0)])
    for text in _help(cli):
        catalog.add(text, locations=[("domicili/cli/--help", 0)])
    for filename, message in _marked(
        Path(click.__file__).parent, skip=("_winconsole", "_termui_impl", "shell_completion")
    ):
        catalog.add(message, locations=[(f"click/{filename}", 0)])
    return catalog


def _po(language: str) -> Path:
    return LOCALEDIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="domicili")
    with open(path, "rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def update() -> None:
    pot = template()
    for language in LANGUAGES[:1]:  # English is the language the sentences are written in
        path = _po(language)
        catalog = _read(path, language)
        catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        _stable_header(catalog)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as po:
            write_po(po, catalog, width=100, sort_output=True, include_lineno=False)
        missing = sum(1 for m in catalog if m.id and not _translated(m.string))
        print(f"{path.relative_to(PACKAGE)}: {len(catalog)} sentences, {missing} to translate")


def _stable_header(catalog: Catalog) -> None:
    """A header that does not change from one update to the next (no dates, no
    placeholders), so that two changes of the catalog merge line by line."""
    catalog.header_comment = "# French translations of domicili's sentences (MIT licence)."
    catalog.fuzzy = False
    catalog.project, catalog.version = "domicili", "1"
    catalog.creation_date = catalog.revision_date = datetime(2026, 12, 1, tzinfo=UTC)
    catalog.last_translator = catalog.language_team = "domicili contributors"
    catalog.msgid_bugs_address = ""
    # The usual two forms of French (1 dossier, 2 dossiers; 0 dossier), not CLDR's three.
    catalog.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n > 1);")]


def compile_mo() -> None:
    for language in LANGUAGES[:1]:
        catalog = _read(_po(language), language)
        with open(_po(language).with_suffix(".mo"), "wb") as mo:
            write_mo(mo, catalog, use_fuzzy=False)


def _translated(string: object) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def _texts(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _fields(text: str) -> set[str]:
    return {a or b for a, b in FIELDS.findall(text)}


def _entries(catalog: Catalog) -> dict[object, object]:
    def key(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {key(m.id): key(m.string) for m in catalog if m.id}


def problems() -> list[str]:
    """What stands between the code and complete, compiled catalogs."""
    pot = template()
    found: list[str] = []
    for language in LANGUAGES[:1]:
        path = _po(language)
        catalog = _read(path, language)
        for message in pot:
            if not message.id:
                continue
            have = catalog.get(message.id)
            if have is None or not _translated(have.string) or have.fuzzy:
                found.append(f"{language}: no translation for {message.id!r}")
                continue
            ids = _texts(message.id)
            strings = _texts(have.string)
            for n, string in enumerate(strings):
                # A plural's first form says the singular, the others the plural.
                source = ids[min(n, len(ids) - 1)]
                if _fields(string) != _fields(source):
                    found.append(f"{language}: the fields of {string!r} differ from {source!r}")
        unused = {m.id for m in catalog if m.id} - {m.id for m in pot if m.id}
        found += [
            f"{language}: {m!r} is no longer used (run update)" for m in sorted(unused, key=str)
        ]
        compiled = path.with_suffix(".mo")
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        if not compiled.exists():
            found.append(f"{language}: {compiled.name} is missing (run compile)")
        else:
            with open(compiled, "rb") as mo:
                shipped = _entries(read_mo(mo))
            buffer.seek(0)
            wanted = _entries(read_mo(buffer))
            if shipped != wanted:
                found.append(f"{language}: {compiled.name} is older than its .po (run compile)")
    return found


def main(argv: list[str]) -> int:
    if argv == ["update"]:
        update()
    elif argv == ["compile"]:
        compile_mo()
    elif argv == ["check"]:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    else:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
