"""The language people read: French by default, English on demand, catalogs complete."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domicili import i18n
from domicili._catalogs import problems
from domicili.errors import DossierNotFound

pytestmark = pytest.mark.one_store


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "fr"),
        ({"LANG": "C.UTF-8"}, "fr"),
        ({"LANG": "POSIX"}, "fr"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "fr"),
        ({"LANGUAGE": "de:en", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_GB.UTF-8"}, "fr"),
        ({"DOMICILI_LANG": "fr", "LANG": "en_US.UTF-8"}, "fr"),
        ({"DOMICILI_LANG": "en", "LC_ALL": "fr_FR.UTF-8"}, "en"),
        ({"DOMICILI_LANG": "EN-gb"}, "en"),
    ],
)
def test_the_language_follows_domicili_lang_then_the_locale_then_french(
    environ: dict[str, str], expected: str
) -> None:
    assert i18n.choose_language(environ) == expected


def test_an_integrator_switches_the_language_of_the_librarys_sentences() -> None:
    with i18n.speaking("fr"):
        assert str(DossierNotFound(7)) != "Dossier 7 not found."
    with i18n.speaking("en"):
        assert str(DossierNotFound(7)) == "Dossier 7 not found."


def test_an_unknown_language_is_refused_in_a_sentence() -> None:
    with pytest.raises(ValueError, match="not a language domicili speaks"):
        i18n.set_language("de")


def test_the_shipped_catalog_translates_every_sentence_keeps_its_fields_and_is_compiled() -> None:
    assert problems() == []


def _installed(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("domicili")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOMICILI_", "LC_", "LANG"))}
    return subprocess.run(
        [str(command), *args], env={**base, **env}, capture_output=True, text=True, check=False
    )


def test_the_command_speaks_french_unless_asked_for_english(tmp_path: Path) -> None:
    db = str(tmp_path / "absent.db")
    french = _installed("--db", db, "dossier", "nope", env={"LANG": "C.UTF-8"})
    english = _installed("--db", db, "dossier", "nope", env={"DOMICILI_LANG": "en"})
    assert (french.returncode, english.returncode) == (2, 2)
    assert french.stderr.startswith("Utilisation : domicili dossier")
    assert "Commande 'nope' inconnue." in french.stderr
    assert english.stderr.startswith("Usage: domicili dossier")
    assert "No such command 'nope'." in english.stderr
