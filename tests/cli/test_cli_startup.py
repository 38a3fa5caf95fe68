"""Everyday commands load only what they use, so that they start about as fast as
``sqlite-utils tables`` (benchmarks/bench_startup.py measures the time itself)."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import domicili.cli
from domicili.cli import LAZY_COMMANDS

if TYPE_CHECKING:
    from conftest import World


def test_every_command_module_is_in_the_table_of_lazy_commands() -> None:
    defined: dict[str, str] = {}
    for info in pkgutil.iter_modules(domicili.cli.__path__):
        module = import_module(f"domicili.cli.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            assert command.name not in defined, f"{command.name} defined twice"
            defined[command.name] = info.name
    assert defined == LAZY_COMMANDS


#: Libraries that cost 10–200 ms to import: only the commands that use them load them.
HEAVY = {
    "babel",
    "email_validator",
    "facturx",
    "fpdf",
    "jinja2",
    "lxml",
    "phonenumbers",
    "pypdf",
    "rich",
    "smtplib",
    "stdnum",
    "transitions",
    "yaml",
}

#: Runs a command in a fresh interpreter, then writes the top-level modules it loaded.
PROBE = """
import json, sys
from domicili.cli import cli
try:
    cli.main(sys.argv[2:], prog_name="domicili")
except SystemExit as exc:
    if exc.code:
        raise
with open(sys.argv[1], "w") as out:
    json.dump(sorted({name.partition(".")[0] for name in sys.modules}), out)
"""


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["dossier", "list", "--limit", "20"], set()),
        (["dossier", "show", "{dossier}"], set()),
        (["justificatif", "review", "{dossier}", "--validate", "identite"], {"jinja2"}),
        (["sweep"], set()),
        (["--help"], set()),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_everyday_commands_do_not_import_what_they_do_not_use(
    file_world: World, tmp_path: Path, argv: list[str], allowed: set[str]
) -> None:
    (dossier_id,) = file_world.demande()
    file_world.send_pieces(dossier_id)
    report = tmp_path / "modules.json"
    args = [a.format(dossier=dossier_id) for a in argv]
    db = ["--db", file_world.app.store.location, "--files", str(file_world.app.data_dir)]
    subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *db, *args],
        check=True,
        capture_output=True,  # stdout is not a terminal, as in a script
        env={**os.environ, "DOMICILI_NOW": "2026-03-02T10:00:00+01:00"},
    )
    loaded = set(json.loads(report.read_text()))
    assert "domicili" in loaded
    assert loaded & HEAVY <= allowed


def test_the_command_leaves_pydantic_plugins_off_unless_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from domicili.cli import main

    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "unset")  # given back after the test
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
    monkeypatch.setattr(sys, "argv", ["domicili", "--help"])
    with pytest.raises(SystemExit):
        main()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # the user's choice is kept
    with pytest.raises(SystemExit):
        main()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""
    assert "Usage: domicili" in capsys.readouterr().out
