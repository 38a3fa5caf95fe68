"""Rendering of notification messages from French jinja2 templates.

Templates live in ``domicili/templates/messages/`` as ``NAME.email.j2`` (first line
``Subject: …``, a blank line, then the body) and ``NAME.sms.j2`` (body only). A file
of the same name in the configured template folder wins over the packaged one.

An email has a text part (its template, signed with ``_signature.j2``) and an HTML part:
the one layout ``_layout.html.j2`` shows the same text (paragraphs, lists, commands,
links, with French typography), the optional logo at the top and the provider's name,
address and agrément in the footer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

from .errors import TemplateError
from .i18n import _

__all__ = [
    "MessageRenderer",
    "RenderedMessage",
    "apostrophes",
    "format_phone",
    "french_typography",
    "html_blocks",
]

#: The line that starts the signature of a text email (RFC 3676).
SIGNATURE_DELIMITER = "-- "
#: ``Montant reçu : …``: a line that names what it gives.
_LABEL = re.compile(r"[A-ZÀ-Ý][^:]{0,45} : ")
#: Shorter lines end where the writer ended them; longer ones were wrapped.
_WRAPPED = 60
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)»]")
#: A space before ; ! ? becomes a narrow no-break space, before : and inside « » a
#: no-break space; an apostrophe between letters is typographic.
_TYPOGRAPHY = (
    (re.compile(r" ([;!?])"), "\u202f\\1"),
    (re.compile(r" :"), "\u00a0:"),
    (re.compile(r"« "), "«\u00a0"),
    (re.compile(r" »"), "\u00a0»"),
)
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


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
    #: The HTML part of an email.
    html: str | None = None


def apostrophes(text: str) -> str:
    """``l'adresse`` → ``l’adresse``: one apostrophe style in every email, whatever the
    words it was given (SMS keep the straight one, which their alphabet has)."""
    return _APOSTROPHE.sub("’", text)


def french_typography(text: str) -> str:
    """No-break spaces before ``: ; ! ?`` and inside « », typographic apostrophes."""
    for pattern, replacement in _TYPOGRAPHY:
        text = pattern.sub(replacement, text)
    return apostrophes(text)


def _inline(text: str) -> Markup:
    """One line of text as HTML: escaped, French typography, addresses as links."""
    from markupsafe import Markup, escape

    out, start = [], 0
    for match in _URL.finditer(text):
        out.append(escape(french_typography(text[start : match.start()])))
        url = match.group()
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        start = match.end()
    out.append(escape(french_typography(text[start:])))
    return Markup("").join(out)


def html_blocks(text: str) -> list[dict[str, Any]]:
    """The paragraphs, lists and command lines of a text email (before its signature),
    each ``{"kind": "p" | "ul" | "pre", "lines": [...]}``: lines of a paragraph or
    command block, items of a list (each a list of its lines)."""
    content = text.split(f"\n{SIGNATURE_DELIMITER}\n", 1)[0]
    blocks: list[dict[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", content.strip("\n")):
        last: dict[str, Any] | None = None
        for line in chunk.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            value: Any
            if line.startswith("  - "):
                kind, value = "ul", [stripped[2:]]
            elif line.startswith("    ") and last is not None and last["kind"] == "ul":
                last["lines"][-1].append(stripped)  # the continuation of a list item
                continue
            elif line.startswith("  "):
                kind, value = "pre", stripped
            else:
                kind, value = "p", stripped
            if last is None or last["kind"] != kind:
                last = {"kind": kind, "lines": []}
                blocks.append(last)
            elif kind == "p" and _continues(last["lines"][-1], stripped):
                last["lines"][-1] += " " + stripped  # a sentence wrapped in the text part
                continue
            last["lines"].append(value)
    return blocks


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` goes on with the sentence of ``previous`` (the text part wraps
    long sentences near 80 characters), rather than starting a line of its own such as
    ``Montant : …``."""
    return not (
        len(previous) < _WRAPPED
        or previous.endswith((".", ":", ";", "!", "?"))
        or _LABEL.match(line)
    )


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
        # Plain-text emails and SMS are not escaped; the HTML layout is.
        autoescape=_is_html,
        auto_reload=False,  # templates do not change while a command runs
    )
    env.filters["phone"] = format_phone
    env.filters["inline"] = _inline
    return env


def _is_html(name: str | None) -> bool:
    return name is not None and name.endswith(".html.j2")


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
        subject = apostrophes(first.removeprefix("Subject:").strip())
        body = apostrophes(body.strip("\n") + "\n")
        html = self._html(subject, body, context)
        return RenderedMessage(channel, name, subject, body, html)

    def _html(self, subject: str, body: str, context: dict[str, Any]) -> str:
        """The HTML part of an email: its text in the layout (logo, provider's footer)."""
        import jinja2

        file = "_layout.html.j2"
        try:
            return self.env.get_template(file).render(
                subject=subject,
                blocks=html_blocks(body),
                provider=context.get("provider"),
                logo_cid=context.get("logo_cid"),
            )
        except jinja2.TemplateError as exc:
            raise TemplateError(
                _("Template {file} cannot be rendered: {exc}.").format(file=file, exc=exc)
            ) from exc
