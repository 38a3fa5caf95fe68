"""Sphinx configuration of the domicili documentation (MyST Markdown, furo theme).

Build with warnings as errors, as CI does::

    pip install -e '.[docs]'
    sphinx-build -W -b html docs docs/_build/html

The build needs no network: no intersphinx inventory is fetched.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))
# A source tree that is not installed still documents itself.
sys.path.insert(0, str(HERE.parent / "src"))

import domicili  # noqa: E402

try:
    author = metadata("domicili").get("Author") or "domicili contributors"
except PackageNotFoundError:  # a source tree without installed metadata
    author = "domicili contributors"

project = "domicili"
release = domicili.__version__
version = ".".join(release.split(".")[:2])
copyright = author
language = "en"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "domicili_docs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist"]
# Anchors for ## headings, so pages can link to a section with [text](page.md#anchor).
myst_heading_anchors = 2

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# Defaults as written in the source (``start=DEFAULT_START``), not their repr.
autodoc_preserve_defaults = True
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "show-inheritance": True,
}
# A class without a docstring of its own (a pydantic model, a Protocol's method) shows
# none, rather than its base class's.
autodoc_inherit_docstrings = False

html_theme = "furo"
html_title = f"domicili {release}"
html_static_path: list[str] = []
