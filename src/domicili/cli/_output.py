"""Rendering for the CLI: readable tables and sentences for people, JSON for programs.

People read stdout; messages about what happened go to stderr so that ``--json``
output stays one clean JSON document.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..service.outbox import DeliveryReport

__all__ = [
    "ID",
    "LIMIT",
    "MONTH",
    "MONTHS",
    "YEAR",
    "OutputFile",
    "delivered",
    "emit",
    "json_option",
    "note",
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
            self.fail(f"{value!r} is not {self.what}.", param, ctx)
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
ID = _Bounded("ID", 1, _MAX_INT, "an identifier (a whole number from 1)")
#: A calendar year a person means.
YEAR = _Bounded("YEAR", 2000, 2999, "a year such as 2026")
#: A month of the year.
MONTH = _Bounded("MONTH", 1, 12, "a month (1 to 12)")
#: How many rows a list shows at most.
LIMIT = _Bounded("N", 1, _MAX_INT, f"a number of rows (from 1 to {_MAX_INT})")
#: A number of months in a contract.
MONTHS = _Bounded("MONTHS", 0, 1200, "a number of months (0 to 1200)")

F = TypeVar("F", bound=Callable[..., Any])


def _default(value: Any) -> Any:
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
        "--json", "as_json", is_flag=True, help="Print one JSON document on stdout."
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
        click.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))
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
            self.fail(f"{value!r} is not a regular file; choose a file name.", param, ctx)
        return path


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
    return f"{done}; {who}." if delivered() else f"{done}."


def undelivered_notes(most: int = 5) -> list[str]:
    """One sentence per message the command's change did not deliver (the first
    ``most``, then how many more)."""
    report = _delivery()
    if report is None:
        return []
    notes = [u.sentence() for u in report.undelivered[:most]]
    more = len(report.undelivered) - most
    if more > 0:
        notes.append(f"{more} more message(s) were not delivered (`domicili outbox list`).")
    return notes


def table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None
) -> None:
    """A table on stdout: rich for a terminal, plain aligned columns when piped."""
    if not rows:
        click.echo("(rien à afficher)")
        return
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if not sys.stdout.isatty():
        _plain(columns, cells, title)
        return
    from rich.console import Console  # costs 20–40 ms at start-up: a terminal only
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in cells:
        t.add_row(*row)
    width = max(100, shutil.get_terminal_size().columns)
    Console(file=sys.stdout, width=width, soft_wrap=False).print(t)


def _plain(columns: Sequence[str], cells: list[list[str]], title: str | None) -> None:
    """Columns separated by two spaces, one line per row, for grep, cut and awk."""
    cells = [[" ".join(cell.splitlines()) for cell in row] for row in cells]
    widths = [max(len(col), *(len(row[i]) for row in cells)) for i, col in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    lines = [title] if title else []
    lines += [line(columns), line(["-" * w for w in widths])]
    lines += [line(row) for row in cells]
    click.echo("\n".join(lines))
