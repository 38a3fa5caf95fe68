"""``domicili demo`` in the integrator's language, and refusing a folder already used."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from domicili.cli import cli

pytestmark = pytest.mark.one_store  # the demo makes its own SQLite database


def test_the_demo_speaks_english_with_domicili_lang_en(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--dir", str(tmp_path / "demo")], env={"DOMICILI_LANG": "en"}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Three domiciliataires register with their agrément" in out
    assert "29,00\u00a0€ excl. VAT a month" in out
    assert "signed by Camille Durand for Atelier Lumière, a company being formed" in out
    assert "stored file checked: OK" in out
    assert "Trois domiciliataires" not in out
    assert "HT par mois" not in out


def test_the_demo_refuses_a_folder_in_use_in_french(tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(used)], env={"DOMICILI_LANG": "fr"})
    assert result.exit_code == 2, result.output
    assert f"{used} n’est pas vide ; la démonstration a besoin d’un répertoire vide." in (
        result.output
    )
    assert list(used.iterdir()) == [used / "notes.txt"]
