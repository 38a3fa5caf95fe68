"""The README's story runs as written: its command lines, in order, in a fresh folder.

The ``sh`` blocks of the section "The story from the command line" are cut into
commands (a line, its ``\\`` continuations, a here-document) and run by one bash, one
after the other, with the installed ``domicili`` first on the PATH, the clock fixed and
no ``DOMICILI_LANG`` (French, as the provider's staff read it). Each command must exit
0, or the code its own comment gives (``# … (exit 1) …``). The folder starts as a
clone of the repository would: ``examples/`` and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.one_store]

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
STORY = "## The story from the command line"
NOW = "2026-03-02T10:00:00+01:00"
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
EXPECTED = re.compile(r"#.*\(exit (\d)\)")
NEXT_HEADING = re.compile(r"^#{2,3} ", re.MULTILINE)


@dataclass
class Command:
    line: int  # where it starts in the README
    text: str
    expected: int


def story_blocks(readme: str) -> list[tuple[int, list[str]]]:
    """The ``sh`` blocks of the story section: (line of their first command, lines)."""
    start = readme.index(STORY)
    after = NEXT_HEADING.search(readme, start + len(STORY))
    end = after.start() if after else len(readme)
    offset = readme[:start].count("\n") + 1
    blocks, current, first = [], None, 0
    for number, line in enumerate(readme[start:end].splitlines(), start=offset):
        if current is None and line.strip() in ("```sh", "```console", "```bash"):
            current, first = [], number + 1
        elif current is not None and line.strip() == "```":
            blocks.append((first, current))
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, "an sh block of the story is not closed"
    return blocks


def commands(first: int, lines: list[str]) -> list[Command]:
    """The commands of a block: continuations joined, a here-document kept whole."""
    found: list[Command] = []
    index = 0
    while index < len(lines):
        start = index
        line = lines[index].removeprefix("$ ")
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text = [line]
        while text[-1].rstrip().endswith("\\") and index < len(lines):
            text.append(lines[index])
            index += 1
        last = text[-1]
        heredoc = HEREDOC.search("\n".join(text))
        if heredoc:
            while index < len(lines) and lines[index].strip() != heredoc.group(2):
                text.append(lines[index])
                index += 1
            text.append(lines[index])
            index += 1
        code = EXPECTED.search(last)
        found.append(Command(first + start, "\n".join(text), int(code.group(1)) if code else 0))
    return found


def script(story: list[Command], results: Path) -> str:
    """One bash script: each command, its output and exit code kept in ``results``."""
    parts = ["set -u"]
    for number, command in enumerate(story):
        out = results / f"{number:03d}"
        parts.append(f"{{\n{command.text}\n}} >{out}.out 2>{out}.err </dev/null\necho $? >{out}.rc")
    return "\n".join(parts) + "\n"


def installed_command() -> Path:
    found = shutil.which("domicili") or str(Path(sys.executable).parent / "domicili")
    assert Path(found).is_file(), "the domicili command is not installed"
    return Path(found)


def test_the_readme_names_commands_to_run() -> None:
    story = [
        c
        for first, lines in story_blocks(README.read_text("utf-8"))
        for c in commands(first, lines)
    ]
    assert len(story) > 40
    assert any("(exit 1)" in c.text for c in story)
    texts = "\n".join(c.text for c in story)
    for shipped in ("examples/annuaire.csv", "examples/facture-edf.pdf", "examples/event.json"):
        assert shipped in texts
        assert (REPO / shipped).is_file(), shipped


def test_the_readme_story_runs_as_written_in_a_fresh_folder(tmp_path: Path) -> None:
    story = [
        c
        for first, lines in story_blocks(README.read_text("utf-8"))
        for c in commands(first, lines)
    ]
    clone = tmp_path / "domicili"
    shutil.copytree(REPO / "examples", clone / "examples")
    results = tmp_path / "results"
    results.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMICILI_")}
    env.pop("LANG", None)
    env.pop("LANGUAGE", None)
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    env["PATH"] = f"{installed_command().parent}{os.pathsep}{env.get('PATH', '')}"
    env["DOMICILI_NOW"] = NOW
    run = subprocess.run(
        ["bash", "-c", script(story, results)],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    for number, command in enumerate(story):
        out, err, rc = (results / f"{number:03d}.{x}" for x in ("out", "err", "rc"))
        assert rc.is_file(), f"README line {command.line} never ran: {command.text}"
        said = out.read_text("utf-8") + err.read_text("utf-8")
        where = f"README line {command.line}: {command.text}\n{said}"
        assert int(rc.read_text()) == command.expected, where
        assert "Traceback" not in said, where
    folder = clone / "essai"
    for made in ("attestation.pdf", "contrat-signe.pdf", "F2026-000001.pdf"):
        assert (folder / made).read_bytes().startswith(b"%PDF-"), made
