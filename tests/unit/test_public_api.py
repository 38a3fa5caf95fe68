"""What ``import domicili`` offers an application: complete, typed, and cheap to import."""

from __future__ import annotations

import inspect
import runpy
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

import domicili
from domicili import errors, models
from domicili.app import Domicili

TYPING_STORY = Path(__file__).parents[1] / "typing" / "api.py"


def test_every_public_name_resolves_and_is_listed() -> None:
    for name in domicili.__all__:
        assert getattr(domicili, name) is not None, name
    assert set(domicili.__all__) <= set(dir(domicili))
    assert len(set(domicili.__all__)) == len(domicili.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = domicili.Nothing  # type: ignore[attr-defined]


def test_the_whole_error_tree_is_exported() -> None:
    for name in errors.__all__:
        assert name in domicili.__all__, name
        assert getattr(domicili, name) is getattr(errors, name)
    assert issubclass(domicili.DossierNotFound, LookupError)
    assert issubclass(domicili.InvalidInput, ValueError)


def test_every_model_is_exported() -> None:
    for name in models.__all__:
        value = getattr(models, name)
        if isinstance(value, type) and issubclass(value, BaseModel):
            assert name in domicili.__all__, name


def _classes_in(hint: object) -> set[type]:
    if isinstance(hint, type):
        return {hint}
    found: set[type] = set()
    for arg in typing.get_args(hint):
        found |= _classes_in(arg)
    return found


def test_every_type_the_facade_takes_or_returns_is_importable_from_domicili() -> None:
    public = {name: getattr(domicili, name) for name in domicili.__all__}
    named: set[type] = set()
    for name, method in inspect.getmembers(Domicili, inspect.isfunction):
        if name.startswith("_"):
            continue
        module = sys.modules[method.__module__]
        hints = typing.get_type_hints(method, vars(module), public)
        assert "return" in hints, name
        for hint in hints.values():
            named |= {c for c in _classes_in(hint) if c.__module__.startswith("domicili.")}
    missing = sorted(c.__name__ for c in named if public.get(c.__name__) is not c)
    assert missing == []
    assert {domicili.Provider, domicili.PieceView, domicili.PaymentOutcome} <= named


def test_no_public_facade_method_takes_arbitrary_keywords() -> None:
    for name, method in inspect.getmembers(Domicili, inspect.isfunction):
        kinds = {p.kind for p in inspect.signature(method).parameters.values()}
        if not name.startswith("_"):
            assert inspect.Parameter.VAR_KEYWORD not in kinds, name


def test_importing_domicili_loads_none_of_its_modules() -> None:
    probe = "import sys, domicili\nprint(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [m for m in loaded if m.startswith("domicili.")] == []
    assert not {"pydantic", "sqlite_utils", "click", "yaml"} & set(loaded)


def test_the_package_is_marked_typed() -> None:
    assert (Path(domicili.__file__).parent / "py.typed").is_file()


def test_the_typing_story_runs() -> None:
    # The same file `mypy --strict tests/typing/api.py` checks in CI; here its values.
    runpy.run_path(str(TYPING_STORY), run_name="__main__")
