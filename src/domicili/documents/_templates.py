"""Jinja2 templates: packaged ones, overridable file by file from a folder.

Templates are strict (an unknown variable is an error, not an empty string) and
every jinja2 failure becomes a :class:`~domicili.errors.TemplateError` naming the
file and the line, so that a provider who edits a template knows where to look.
"""

from __future__ import annotations

import functools
import types
from pathlib import Path
from typing import Any

import jinja2

from ..errors import TemplateError
from . import _format

PACKAGED = Path(__file__).parent / "templates"


@functools.lru_cache(maxsize=16)
def _environment(override: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(override))
    loaders.append(jinja2.FileSystemLoader(str(PACKAGED)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        date_fr=_format.date_fr,
        long_date_fr=_format.long_date_fr,
        eur=_format.eur,
        capital=_format.capital,
        percent=_format.percent,
        siren=_format.siren,
        months=_format.months,
        iban=_format.iban,
    )
    return env


def render(name: str, context: dict[str, Any], template_dir: Path | None = None) -> str:
    """Render template ``name`` with ``context``; ``template_dir`` files win over packaged ones.

    A ``template_dir`` that does not exist overrides nothing: a provider adds the folder
    and its files only for the documents it wants to change.
    """
    override = None
    if template_dir is not None and Path(template_dir).is_dir():
        override = str(Path(template_dir).resolve())
    env = _environment(override)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(
            f"Template {where}, line {exc.lineno}: syntax error: {str(exc.message).rstrip('.')}."
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"Template {exc.name} not found.") from exc
    except jinja2.TemplateError as exc:  # UndefinedError and the other runtime errors
        where, line = _template_frame(exc.__traceback__, name)
        raise TemplateError(f"Template {where}, line {line}: {str(exc).rstrip('.')}.") from exc


def _template_frame(tb: types.TracebackType | None, name: str) -> tuple[str, int | str]:
    """The innermost traceback frame that runs template code (jinja2 rewrites them so)."""
    found: tuple[str, int | str] = (name, "?")
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
