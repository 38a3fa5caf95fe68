"""Reading what a person names: regular files of bounded size, YAML with limits.

Every file domicili reads because someone named it (a justificatif, an answers file, an
import, the settings, a document an answers file points at) goes through
:func:`read_file`: only a regular file is opened (a folder, a device such as
``/dev/zero``, a named pipe or a socket is refused in one sentence, and a named pipe is
never waited on), its size is checked before reading, and at most ``limit + 1`` bytes
are read, so a file that grows while it is read is still refused. The caps:

=====================  ===========================================================
justificatif           ``[files] max_mb`` (10 MB by default)
answers file           :data:`ANSWERS_MAX_BYTES` (1 MB)
provider import, CSV   :data:`IMPORT_MAX_BYTES` (64 MB: about 200,000 rows)
provider import, YAML  :data:`IMPORT_YAML_MAX_BYTES` (8 MB: YAML is read far slower)
settings file          :data:`CONFIG_MAX_BYTES` (1 MB)
webhook body           :data:`WEBHOOK_MAX_BYTES` (1 MB, on standard input)
=====================  ===========================================================

YAML is read by :func:`load_yaml` with the safe loader, nested at most
:data:`YAML_MAX_DEPTH` levels, and refused when its aliases would expand it beyond a
number of values (an "alias bomb"). A date that is not one (``2022-02-30``) is kept as
text, so that the field it was given for says it is not a date.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .errors import InvalidInput
from .i18n import _

__all__ = [
    "ANSWERS_MAX_BYTES",
    "CONFIG_MAX_BYTES",
    "IMPORT_MAX_BYTES",
    "IMPORT_YAML_MAX_BYTES",
    "WEBHOOK_MAX_BYTES",
    "YAML_MAX_DEPTH",
    "file_kind",
    "inside",
    "load_yaml",
    "megabytes",
    "not_a_file",
    "read_file",
    "read_stream",
    "read_text",
]

MB = 1024 * 1024
ANSWERS_MAX_BYTES = 1 * MB
IMPORT_MAX_BYTES = 64 * MB
IMPORT_YAML_MAX_BYTES = 8 * MB
CONFIG_MAX_BYTES = 1 * MB
WEBHOOK_MAX_BYTES = 1 * MB
#: Deeper than any answers, import or settings file needs (they use 4 levels at most).
YAML_MAX_DEPTH = 32

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, _("a named pipe (FIFO)")),
    (stat.S_ISCHR, _("a character device")),
    (stat.S_ISBLK, _("a block device")),
    (stat.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def file_kind(mode: int) -> str | None:
    """How a person would call a file that is not a regular one (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), _("not a regular file"))


def megabytes(size: int) -> str:
    """``10485760`` → ``"10 MB"``; one decimal when it is not whole (``"12.5 MB"``)."""
    return f"{size / MB:.1f}".removesuffix(".0") + " MB"


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` for people: in megabytes, in bytes when those look the same."""
    shown, cap = megabytes(size), megabytes(limit)
    if shown == cap:
        return f"{size:,} bytes", f"{cap} ({limit:,} bytes)"
    return shown, cap


def not_a_file(path: str | Path, mode: int) -> str | None:
    """The sentence refusing ``path`` when ``mode`` is not a regular file's, else None."""
    kind = file_kind(mode)
    return (
        None
        if kind is None
        else _("{path} is {kind}, not a file; give a regular file.").format(path=path, kind=kind)
    )


def read_file(
    path: str | Path,
    *,
    limit: int,
    what: str,
    error: type[InvalidInput] = InvalidInput,
    field: str | None = None,
) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Anything else is refused with ``error`` (one sentence naming ``path`` and ``what``
    it was given as): a missing or unreadable file, a folder, device, named pipe or
    socket, a file over ``limit`` bytes, or one that grew past it while it was read.
    """

    def refuse(sentence: str) -> InvalidInput:
        return error(sentence, field=field, value=str(path), limit=limit)

    # stat first: a device or pipe is refused without even being opened; the checks are
    # made again on the opened file, which O_NONBLOCK keeps from waiting on a pipe that
    # replaced the file meanwhile.
    fd = _open(path, refuse)
    try:
        info = os.fstat(fd)
        problem = not_a_file(path, info.st_mode)
        if problem:
            raise refuse(problem)
        if info.st_size > limit:
            shown, cap = _sizes(info.st_size, limit)
            raise refuse(
                _("{path} is {shown}; the limit for {what} is {cap}.").format(
                    path=path, shown=shown, what=what, cap=cap
                )
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = _read_at_most(fh, limit)
    except OSError as exc:
        raise refuse(
            _("{path} cannot be read: {value}.").format(
                path=path, value=(exc.strerror or str(exc)).lower()
            )
        ) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise refuse(
            _("{path} grew past the limit for {what} ({limit}) while read.").format(
                path=path, what=what, limit=megabytes(limit)
            )
        )
    return data


def _open(path: str | Path, refuse: Callable[[str], InvalidInput]) -> int:
    """A descriptor of ``path`` opened for reading, after ``stat`` says it is a regular file."""
    try:
        mode = Path(path).stat().st_mode
        problem = not_a_file(path, mode)
        fd = None if problem else os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise refuse(_("{path} does not exist.").format(path=path)) from None
    except OSError as exc:
        raise refuse(
            _("{path} cannot be read: {value}.").format(
                path=path, value=(exc.strerror or str(exc)).lower()
            )
        ) from None
    except ValueError:  # a NUL character, which no file name holds
        raise refuse(_("{path} is not a file name.").format(path=repr(str(path)))) from None
    if fd is None:
        raise refuse(str(problem))
    return fd


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of ``stream``: one more than allowed tells it is too big."""
    chunks, left = [], limit + 1
    while left > 0:
        chunk = stream.read(min(left, MB))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_text(
    path: str | Path,
    *,
    limit: int,
    what: str,
    error: type[InvalidInput] = InvalidInput,
    encoding: str = "utf-8",
) -> str:
    """:func:`read_file`, decoded; text that is not UTF-8 is refused naming the line."""
    data = read_file(path, limit=limit, what=what, error=error)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            _("{path} is not UTF-8 text (line {line}); save it as UTF-8.").format(
                path=path, line=line
            ),
            value=str(path),
        ) from None


def read_stream(
    stream: IO[bytes], *, limit: int, what: str, error: type[InvalidInput] = InvalidInput
) -> bytes:
    """At most ``limit`` bytes of an open stream (standard input); more is refused."""
    data = _read_at_most(stream, limit)
    if len(data) > limit:
        raise error(
            _("The {what} is over the limit of {limit}.").format(what=what, limit=megabytes(limit)),
            limit=limit,
        )
    return data


def inside(folder: Path, name: str | Path, *, field: str, error: type[InvalidInput]) -> Path:
    """``folder / name``, refused unless it lies inside ``folder`` (links resolved).

    An answers file names its documents relative to its own folder: an absolute path or
    one that climbs out (``../``) could make a request carry any file of the machine.
    """
    relative = Path(name)
    if "\0" in str(name):
        raise error(
            _("{field}: {name} is not a file name.").format(field=field, name=repr(str(name))),
            field=field,
            value=str(name),
        )
    if relative.is_absolute():
        raise error(
            _(
                "{field}: {name} is an absolute path; name the file relative to the "
                "folder of the answers file ({folder})."
            ).format(field=field, name=name, folder=folder),
            field=field,
            value=str(name),
        )
    path = folder / relative
    if not path.resolve().is_relative_to(folder.resolve()):
        raise error(
            _(
                "{field}: {name} lies outside the folder of the answers file ({folder}); "
                "put the file in that folder."
            ).format(field=field, name=name, folder=folder),
            field=field,
            value=str(name),
        )
    return path


def load_yaml(
    text: str,
    *,
    source: str,
    max_values: int,
    error: type[InvalidInput] = InvalidInput,
) -> tuple[Any, Any]:
    """``(data, node)`` of one YAML document read with the safe loader and limits.

    ``node`` is the composed tree (its marks give line numbers), ``None`` for an empty
    document. Refused with ``error`` in one sentence: invalid YAML, nesting deeper than
    :data:`YAML_MAX_DEPTH`, more than ``max_values`` values once aliases are expanded,
    or an alias inside the structure it names.
    """
    import yaml

    from ._yaml import LimitedLoader, YamlLimit

    try:
        loader = LimitedLoader(text, max_depth=YAML_MAX_DEPTH, max_values=max_values)
    except yaml.reader.ReaderError as exc:  # a control character, checked up front
        line = text.count("\n", 0, exc.position) + 1
        raise error(
            _("{source} is not valid YAML: {reason} (line {line}).").format(
                source=source, reason=exc.reason, line=line
            )
        ) from None
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except YamlLimit as exc:
        raise error(
            _("{source} is refused: {problem} (line {line}).").format(
                source=source, problem=exc.problem, line=exc.line
            )
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or _("it cannot be read")
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise error(
            _("{source} is not valid YAML: {problem}{where}.").format(
                source=source, problem=problem, where=where
            )
        ) from None
    finally:
        loader.dispose()
    return data, node
