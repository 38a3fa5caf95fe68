"""Each worker renders a given document once: the same data and templates, the same PDF.

Rendering is deterministic (``tests/documents/test_documents_determinism.py`` checks
it), and a PDF takes a tenth to a quarter of a second, most of a test that pays or
signs. Many tests make the very same document (sample provider, sample client, the
fixed clock), so outside ``tests/documents`` the PDFs the services render are kept by
their inputs, templates' contents included, and the same inputs get the same bytes.
The document tests themselves always render.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import domicili.documents

#: What the services call, through ``domicili.documents``, when they make a PDF.
RENDERERS = ("render_contract", "render_attestation", "render_invoice", "append_signature_page")


class RenderedOnce:
    def __init__(self) -> None:
        self.active = True
        self._made: dict[str, bytes] = {}

    def install(self) -> None:
        for name in RENDERERS:
            setattr(domicili.documents, name, self._wrap(getattr(domicili.documents, name)))

    def _wrap(self, render: Callable[..., bytes]) -> Callable[..., bytes]:
        @functools.wraps(render)
        def once(*args: Any, **kwargs: Any) -> bytes:
            if not self.active:
                return render(*args, **kwargs)
            key = _key(render.__name__, args, kwargs)
            made = self._made.get(key)
            if made is None:
                made = self._made[key] = render(*args, **kwargs)
            return made

        return once


def _key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The inputs of one rendering; a template folder counts by what its files hold."""
    folders = [
        (str(value), _contents(value)) for value in kwargs.values() if isinstance(value, Path)
    ]
    inputs = (name, args, sorted(kwargs.items()), folders)
    return hashlib.sha256(pickle.dumps(inputs, protocol=5)).hexdigest()


def _contents(folder: Path) -> list[tuple[str, str]]:
    if not folder.is_dir():
        return []
    return [
        (str(path.relative_to(folder)), hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
