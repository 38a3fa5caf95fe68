"""Rendering for the CLI: readable tables and sentences for people, JSON for programs.

People read stdout; messages about what happened go to stderr so that ``--json``
output stays one clean JSON document.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from ..i18n import N_, _, ngettext

if TYPE_CHECKING:
    from ..service.outbox import DeliveryReport

__all__ = [
    "DOSSIER",
    "ID",
    "LIMIT",
    "MONTH",
    "MONTHS",
    "PAGE_SIZE",
    "YEAR",
    "OutputFile",
    "delivered",
    "emit",
    "emit_rows",
    "json_option",
    "labelled",
    "note",
    "page_options",
    "provider_name",
    "table",
    "told",
    "undelivered_notes",
    "want_json",
    "whole_number",
]


class _Bounded(click.ParamType):  # type: ignore[type-arg]
    """An integer within bounds, shown in help by its meaning rather than its range."""

    def __init__(self, name: str, low: int, high: int, what: str) -> None:
        self.name, self.low, self.high, self.what = name, low, high, what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = whole_number(value)
        if number is None or not self.low <= number <= self.high:
            self.fail(_(self.what).format(value=value), param, ctx)
        return number


#: The largest whole number SQLite stores (identifiers, row counts).
_MAX_INT = 2**63 - 1


def whole_number(value: object) -> int | None:
    """``value`` as a whole number written in ASCII digits (``int`` alone also takes
    ``1_000``, ``+1`` and other scripts' digits such as ``١٢``), or ``None``."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 40:
        return None
    return int(text)


#: An identifier as SQLite stores it: a positive 64-bit integer.
ID = _Bounded("ID", 1, _MAX_INT, N_("{value!r} is not an identifier (a whole number from 1)."))


class _Dossier(click.ParamType):  # type: ignore[type-arg]
    """A dossier, by its number (``7``) or its reference (``D-000007``, any case)."""

    name = "DOSSIER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        from ..app import Domicili
        from ..errors import InvalidInput

        try:
            return Domicili.dossier_id(str(value))
        except InvalidInput as exc:
            self.fail(str(exc), param, ctx)


#: A dossier given by its number or its reference.
DOSSIER = _Dossier()
#: A calendar year a person means.
YEAR = _Bounded("YEAR", 2000, 2999, N_("{value!r} is not a year such as 2026."))
#: A month of the year.
MONTH = _Bounded("MONTH", 1, 12, N_("{value!r} is not a month (1 to 12)."))
#: How many rows a list shows at most.
LIMIT = _Bounded(
    "N", 1, _MAX_INT, N_("{value!r} is not a number of rows (from 1 to 9223372036854775807).")
)
#: A number of months in a contract.
MONTHS = _Bounded("MONTHS", 0, 1200, N_("{value!r} is not a number of months (0 to 1200)."))
#: How many rows a list shows (one more is read to know whether a next page exists).
COUNT = _Bounded(
    "N", 1, _MAX_INT - 1, N_("{value!r} is not a number of rows (a whole number from 1).")
)

F = TypeVar("F", bound=Callable[..., Any])


def json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def json_option(fn: F) -> F:
    """``--json``: print one JSON document on stdout instead of text."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print one JSON document on stdout (a refusal too: see the root help).",
    )(fn)


def want_json(as_json: bool) -> bool:
    ctx = click.get_current_context()
    root = ctx.find_root().obj
    return as_json or bool(getattr(root, "as_json", False))


def emit(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    """Print ``data`` as JSON when asked, else call ``human`` to print for people.

    The JSON object of a change whose messages were not all delivered carries them in
    ``undelivered`` (each with its recipient, ``queued`` or ``failed``, and why).
    """
    if want_json(as_json):
        report = _delivery()
        if isinstance(data, dict) and report is not None and report.undelivered:
            data = {**data, "undelivered": [u.as_dict() for u in report.undelivered]}
        click.echo(json.dumps(data, default=json_default, ensure_ascii=False, indent=2))
    else:
        human()


class OutputFile(click.Path):
    """A file a command writes: a new name, or a regular file it replaces; never a
    device, a pipe or a folder (the file is written beside it, then renamed over it)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        if isinstance(path, Path) and path.exists() and not path.is_file():
            self.fail(
                _("{value!r} is not a regular file; choose a file name.").format(value=value),
                param,
                ctx,
            )
        return path


def provider_name(app: Any) -> Callable[[int | None], str]:
    """A provider's name from its number, each provider read once (a list shows few)."""
    names: dict[int, str] = {}

    def name(provider_id: int | None) -> str:
        if provider_id is None:
            return ""
        if provider_id not in names:
            names[provider_id] = app.get_provider(provider_id).name
        return names[provider_id]

    return name


def labelled(rows: Iterable[tuple[str, object]]) -> None:
    """One ``label value`` line per row whose value is set, the values aligned; the
    labels are marked with ``N_`` and translated here."""
    shown = [(_(label), value) for label, value in rows if value is not None]
    width = max((len(label) for label, __ in shown), default=0)
    for label, value in shown:
        click.echo(f"{label:<{width}} {value}")


def note(message: str) -> None:
    """A sentence for the person at the terminal (stderr)."""
    click.echo(message, err=True)


def _delivery() -> DeliveryReport | None:
    """What the command's change delivered (None for a command that changed nothing)."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_root().obj if ctx is not None else None
    app = getattr(state, "_app", None)
    return getattr(app, "last_delivery", None)


def delivered() -> bool:
    """Whether every message the command's change queued went out."""
    report = _delivery()
    return report is None or not report.undelivered


def told(done: str, who: str) -> str:
    """``done`` and, only when every message went out, who was told:
    ``told("Dossier 2 closed", "the client was told")``."""
    if delivered():
        return _("{done}; {who}.").format(done=done, who=who)
    return _("{done}.").format(done=done)


def undelivered_notes(most: int = 5) -> list[str]:
    """One sentence per message the command's change did not deliver (the first
    ``most``, then how many more)."""
    report = _delivery()
    if report is None:
        return []
    notes = [u.sentence() for u in report.undelivered[:most]]
    more = len(report.undelivered) - most
    if more > 0:
        notes.append(
            ngettext(
                "{n} more message was not delivered (`domicili outbox list`).",
                "{n} more messages were not delivered (`domicili outbox list`).",
                more,
            ).format(n=more)
        )
    return notes


def table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None
) -> None:
    """A table on stdout: rich for a terminal, plain aligned columns when piped.

    Rows are read as they come: a plain table is aligned on its first rows and written
    as it goes, so a long list neither waits for its last row nor holds them all.
    """
    cells = (["" if v is None else str(v) for v in row] for row in rows)
    terminal = sys.stdout.isatty()
    head = list(itertools.islice(cells, _RICH_ROWS + 1 if terminal else _WIDTH_ROWS))
    if not head:
        click.echo(_("(nothing to show)"))
        return
    if not terminal or len(head) > _RICH_ROWS:
        _plain(columns, head, cells, title)
        return
    from rich.console import Console  # costs 20–40 ms at start-up: a terminal only
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in head:
        t.add_row(*row)
    width = max(100, shutil.get_terminal_size().columns)
    Console(file=sys.stdout, width=width, soft_wrap=False).print(t)


def _plain(
    columns: Sequence[str], head: list[list[str]], rest: Iterator[list[str]], title: str | None
) -> None:
    """Columns separated by two spaces, one line per row, for grep, cut and awk; the
    widths are those of the first rows (a longer cell further down pushes its line)."""

    def flat(row: list[str]) -> list[str]:
        return [" ".join(cell.splitlines()) for cell in row]

    head = [flat(row) for row in head]
    widths = [max(len(col), *(len(row[i]) for row in head)) for i, col in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    lines = [title] if title else []
    lines += [line(columns), line(["-" * w for w in widths])]
    lines += [line(row) for row in head]
    click.echo("\n".join(lines))
    while chunk := list(itertools.islice(rest, _WIDTH_ROWS)):
        click.echo("\n".join(line(flat(row)) for row in chunk))


# -- lists that page --------------------------------------------------------------
#: What the lists show, translated where a sentence names them (``noun`` below).
_NOUNS = (N_("dossiers"), N_("invoices"), N_("messages"), N_("payments"), N_("providers"))
#: How many rows a ``list`` command shows unless told otherwise.
PAGE_SIZE = 50
#: Beyond this many rows a terminal gets the plain table too: rich lays a table out
#: only once it has every row, at about a millisecond a row.
_RICH_ROWS = 1000
#: The plain table's column widths are those of the first rows (later rows stream out).
_WIDTH_ROWS = 200


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


R = TypeVar("R", bound=_Row)


def page_options(noun: str) -> Callable[[F], F]:
    """``--limit N``, ``--all`` and ``--before ID`` of a list of ``noun`` (newest first);
    the command receives ``page``: the number of rows to show (None: all) and the cursor."""

    def decorate(fn: F) -> F:
        fn = click.option(
            "--before",
            type=ID,
            help=f"Only the {noun} whose ID is below this one (the next page).",
        )(fn)
        fn = click.option("--all", "show_all", is_flag=True, help=f"Every {noun[:-1]}.")(fn)
        return click.option(
            "--limit", type=COUNT, help=f"At most this many {noun} (default {PAGE_SIZE})."
        )(fn)

    return decorate


def page_limit(limit: int | None, show_all: bool) -> tuple[int | None, int | None]:
    """How many rows to show (``--limit``, none with ``--all``, else :data:`PAGE_SIZE`)
    and how many to read: one more, which tells whether a next page exists."""
    if show_all and limit is not None:
        raise click.UsageError(_("--all and --limit cannot be given together."))
    shown = None if show_all else (limit or PAGE_SIZE)
    return shown, None if shown is None else shown + 1


def emit_rows(
    rows: Iterable[R],
    *,
    limit: int | None,
    as_json: bool,
    data: Callable[[R], Any],
    columns: Sequence[str],
    cells: Callable[[R], Sequence[Any]],
    noun: str,
    human: Callable[[Iterator[R]], None] | None = None,
) -> None:
    """Stream a page of rows (read with ``limit + 1`` so that one more tells a next page
    exists): a JSON array written row by row, or a table (or what ``human`` prints);
    then, on stderr, how to see the next page."""
    it = iter(rows)
    shown = it if limit is None else itertools.islice(it, limit)
    last: list[R] = []

    def counted() -> Iterator[R]:
        for row in shown:
            last[:] = [row]
            yield row

    if want_json(as_json):
        _json_array(data(row) for row in counted())
    elif human is not None:
        human(counted())
    else:
        table(columns, (cells(row) for row in counted()))
    if limit is not None and last and next(it, None) is not None:
        note(
            _(
                "The newest {limit} {noun} shown; the next ones: --before {before} "
                "(or --all for every one)."
            ).format(limit=limit, noun=_(noun), before=last[0].id)
        )


def _json_array(items: Iterable[Any]) -> None:
    """One JSON array, written item by item (the same document :func:`emit` writes)."""
    out = sys.stdout
    out.write("[")
    first = True
    for item in items:
        text = json.dumps(item, default=json_default, ensure_ascii=False, indent=2)
        out.write(("\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
        first = False
    out.write("]\n" if first else "\n]\n")
    out.flush()
