"""Tables of the docs drawn from domicili's own data, so they cannot go stale.

``{domicili-statuses}`` renders the status table and ``{domicili-transitions}`` the
transition table of :mod:`domicili.statuses`.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


def _table(
    headers: list[str], rows: list[list[str]], literal: tuple[int, ...] = (0,)
) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(headers))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)

    def row(cells: list[str], literal: tuple[int, ...] = ()) -> nodes.row:
        out = nodes.row()
        for i, text in enumerate(cells):
            entry = nodes.entry()
            para = nodes.paragraph()
            para += nodes.literal(text, text) if i in literal and text else nodes.Text(text)
            entry += para
            out += entry
        return out

    head = nodes.thead()
    head += row(headers)
    body = nodes.tbody()
    body.extend(row(cells, literal=literal) for cells in rows)
    group += head
    group += body
    return table


class StatusesDirective(SphinxDirective):
    """The nine statuses: S-code, stored name and the French libellé."""

    def run(self) -> list[nodes.Node]:
        from domicili.statuses import STATUSES

        rows = [[row.code, status.value, row.label] for status, row in STATUSES.items()]
        return [_table(["code", "name", "libellé (shown to people)"], rows, literal=(0, 1))]


class TransitionsDirective(SphinxDirective):
    """Every trigger of the table, from which statuses to which, and its guard."""

    def run(self) -> list[nodes.Node]:
        from domicili.statuses import TRANSITIONS

        rows = [
            [
                t.trigger,
                ", ".join(f"{s.code}" for s in t.sources) + f" → {t.dest.code}",
                t.note,
            ]
            for t in TRANSITIONS
        ]
        return [_table(["trigger", "from → to", "guard / effect"], rows)]


def _public_bases(app: Sphinx, name: str, obj: object, options: Any, bases: list[type]) -> None:
    """Show a private base class (``_Model``) as the public classes it stands for."""
    expanded: list[type] = []
    for base in bases:
        if base.__name__.startswith("_"):
            expanded.extend(b for b in base.__bases__ if b not in expanded)
        else:
            expanded.append(base)
    bases[:] = expanded


def _is_model(obj: object) -> bool:
    from pydantic import BaseModel

    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _skip_pydantic_machinery(
    app: Sphinx, what: str, name: str, obj: object, skip: bool, options: Any
) -> bool | None:
    """A model's fields are its documentation; pydantic's ``model_*`` members are not."""
    if name.startswith("model_") and what == "class":
        return True
    return None


def _model_signature(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str, str | None] | None:
    """A model is built from its fields (listed below it): no keyword-only wall of types."""
    if what == "class" and _is_model(obj):
        return "(**fields)", return_annotation
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("autodoc-skip-member", _skip_pydantic_machinery)
    app.connect("autodoc-process-signature", _model_signature)
    app.add_directive("domicili-statuses", StatusesDirective)
    app.add_directive("domicili-transitions", TransitionsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
