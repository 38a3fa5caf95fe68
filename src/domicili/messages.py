"""Rendering of notification messages from French jinja2 templates.

Templates live in ``domicili/templates/messages/`` as ``NAME.email.j2`` (first line
``Subject: …``, a blank line, then the body) and ``NAME.sms.j2`` (body only). A file
of the same name in the configured template folder wins over the packaged one.
"""

from __future__ import annotations

import functools
from collections.abc import MutableMapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import jinja2

from .errors import TemplateError
from .i18n import _

__all__ = ["MessageRenderer", "RenderedMessage", "format_phone"]


@functools.lru_cache(maxsize=4096)
def format_phone(e164: str) -> str:
    """``+33142000000`` → ``01 42 00 00 00`` (French numbers), international otherwise."""
    country, national = e164[:3], e164[3:]
    if country == "+33" and len(national) == 9 and national.isascii() and national.isdigit():
        # What phonenumbers writes for French numbers but 08 ones (0 800 12 34 56),
        # without importing it (15–25 ms) in each command that sends a message.
        first = national[0]
        if first not in "08":
            return f"0{first} " + " ".join(national[i : i + 2] for i in range(1, 9, 2))
    import phonenumbers

    number = phonenumbers.parse(e164)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, fmt))


@dataclass(frozen=True)
class RenderedMessage:
    channel: Literal["email", "sms"]
    template: str
    subject: str | None
    body: str


@functools.cache
def _packaged_environment() -> jinja2.Environment:
    """The packaged templates, compiled once per process whatever the instances."""
    return _environment(None)


def _environment(override_dir: Path | None) -> jinja2.Environment:
    import jinja2  # only when a message is written: list and show commands do without

    class Environment(jinja2.Environment):
        def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
            # A plain dict instead of jinja2's ChainMap over the environment's globals:
            # each render copies the globals and each macro import compares their keys,
            # and a ChainMap walked in Python was a fifth of a message's rendering. The
            # globals never change once templates are loaded (as jinja2 asks).
            return {**self.globals, **(d or {})}

    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None:
        loaders.append(jinja2.FileSystemLoader(override_dir / "messages"))
    loaders.append(jinja2.PackageLoader("domicili", "templates/messages"))
    env = Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # plain-text emails and SMS, never HTML
        auto_reload=False,  # templates do not change while a command runs
    )
    env.filters["phone"] = format_phone
    return env


class MessageRenderer:
    """Renders ``NAME.email.j2`` / ``NAME.sms.j2`` into subject and body."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir

    @cached_property
    def env(self) -> jinja2.Environment:
        if self.override_dir is None:
            return _packaged_environment()
        return _environment(self.override_dir)

    def has(self, name: str, channel: str) -> bool:
        import jinja2

        try:
            self.env.get_template(f"{name}.{channel}.j2")
        except jinja2.TemplateNotFound:
            return False
        except jinja2.TemplateError:
            return True
        return True

    def render(
        self, name: str, channel: Literal["email", "sms"], **context: Any
    ) -> RenderedMessage:
        import jinja2

        file = f"{name}.{channel}.j2"
        try:
            text = self.env.get_template(file).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"Template {exc.filename or file}, line {exc.lineno}: {exc.message}."
            ) from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(
                _("Template {file} cannot be rendered: {exc}.").format(file=file, exc=exc)
            ) from exc
        if channel == "sms":
            return RenderedMessage(channel, name, None, " ".join(text.split()))
        first, __, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise TemplateError(
                _("Template {file}, line 1: must start with 'Subject: '.").format(file=file)
            )
        return RenderedMessage(
            channel, name, first.removeprefix("Subject:").strip(), body.strip("\n") + "\n"
        )
