"""The core is a library: only the command line (``domicili.cli``) imports click."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import domicili

pytestmark = pytest.mark.one_store  # no database

PACKAGE = Path(domicili.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, wherever the import is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_module_outside_the_cli_imports_click() -> None:
    core = [
        p
        for p in PACKAGE.rglob("*.py")
        if "cli" not in p.relative_to(PACKAGE).parts
        # the maintainers' catalog tool reads the command's help to translate it
        and p.name != "_catalogs.py"
    ]
    assert len(core) > 30  # the scan sees the package, not an empty folder
    offenders = sorted(str(p.relative_to(PACKAGE)) for p in core if "click" in imported_modules(p))
    assert offenders == []


def test_the_scan_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from click import echo\n    import yaml.nodes\n")
    assert imported_modules(module) == {"click", "yaml"}
