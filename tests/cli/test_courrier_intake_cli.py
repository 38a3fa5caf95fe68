"""``domicili courrier intake`` and ``courrier labels`` through the real command on a
copy of the command world (dossier 5: provider A's, in force)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from domicili.testing import sample_png


def morning(folder: Path) -> Path:
    folder.mkdir()
    (folder / "D-000005_urssaf.png").write_bytes(sample_png("urssaf"))
    (folder / "IMG_2041.png").write_bytes(sample_png("amazon"))
    (folder / "liste.txt").write_text("à trier\n", encoding="utf-8")
    return folder


def test_a_morning_is_taken_in_summarised_and_labelled(command_world: Any, tmp_path: Any) -> None:
    world = command_world(tmp_path / "w")
    cli = world.cli
    folder = morning(world.scratch / "matin")
    sheet = world.scratch / "tri.csv"
    sheet.write_text("file;sender;kind\nIMG_2041.png;Amazon;colis\n", encoding="utf-8")
    report = cli.json("--provider", "1", "courrier", "intake", folder, "--csv", sheet)
    (recorded,) = report["recorded"]
    assert (recorded["file"], recorded["mailbox"]) == ("D-000005_urssaf.png", "B-0001")
    (waiting,) = report["to_assign"]
    assert waiting["file"] == "IMG_2041.png"
    assert report["skipped"] == [{"file": "liste.txt", "reason": "not a JPEG, PNG or PDF photo"}]
    parcel = cli.json("courrier", "show", str(waiting["piece_id"]))
    assert (parcel["sender"], parcel["kind"], parcel["state"]) == ("Amazon", "colis", "unassigned")

    again = cli.ok("--provider", "1", "courrier", "intake", folder)
    assert again.stdout.splitlines()[-1] == (
        "0 pieces recorded in their mailboxes, 0 to assign, 2 already there, 0 refused, 1 skipped."
    )
    assert len(cli.json("courrier", "list")) == 2

    out = world.scratch / "etiquettes.pdf"
    done = cli.ok("courrier", "labels", "-o", out)
    assert done.stdout == f"{out}: the sheet of labels.\n"
    text = PdfReader(BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "Boîte B-0001" in text
    assert f"Pièce {recorded['piece_id']}" in text
    assert f"Pièce {waiting['piece_id']}" not in text  # still to assign: no label yet


def test_bad_intake_and_label_input_is_one_sentence(command_world: Any, tmp_path: Any) -> None:
    world = command_world(tmp_path / "w")
    cli = world.cli
    folder = morning(world.scratch / "matin")
    not_a_folder = cli("courrier", "intake", folder / "IMG_2041.png")
    assert not_a_folder.exit_code == 2
    assert "is a file" in not_a_folder.stderr
    sheet = world.scratch / "tri.csv"
    sheet.write_text("file,mailbox\nabsent.jpg,B-0001\n", encoding="utf-8")
    missing = cli("courrier", "intake", folder, "--csv", sheet)
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"Error: {sheet}, line 2: 'absent.jpg' is not a file of the folder.\n"
    )
    assert cli.json("courrier", "list") == []

    out = world.scratch / "etiquettes.pdf"
    none = cli("courrier", "labels", "-o", out)
    assert none.exit_code == 1
    assert "No piece of mail with its mailbox was received on" in none.stderr
    unknown = cli("courrier", "labels", "999", "-o", out)
    assert unknown.exit_code == 1
    assert "Piece of mail 999 not found" in unknown.stderr
    both = cli("courrier", "labels", "1", "--day", "2026-03-02", "-o", out)
    assert both.exit_code == 2
    place = cli("courrier", "labels", "--start-at", "22", "-o", out)
    assert place.exit_code == 2
    assert not out.exists()


def test_on_a_terminal_the_intake_shows_a_progress_bar(command_world: Any, tmp_path: Any) -> None:
    """The installed command, its stderr a terminal (a pseudo-terminal): the bar counts
    the folder's entries; its stdout, a pipe, has the summary alone."""
    import os
    import pty
    import subprocess
    import sys

    world = command_world(tmp_path / "w")
    cli = world.cli
    folder = morning(world.scratch / "matin")
    main, terminal = pty.openpty()
    env = {**os.environ, "DOMICILI_NOW": cli.now, "DOMICILI_LANG": "en"}
    for name in ("DOMICILI_DB", "DOMICILI_FILES", "DOMICILI_PROVIDER", "DOMICILI_CONFIG"):
        env.pop(name, None)
    argv = [*cli.target, "--provider", "1", "courrier", "intake", str(folder)]
    done = subprocess.run(
        [sys.executable, "-m", "domicili", *argv],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        timeout=120,
        check=False,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal's other end is closed: all was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert done.returncode == 0, shown
    assert "Intake" in shown.decode()
    assert "3/3" in shown.decode()
    assert done.stdout.decode().splitlines()[-1].startswith("1 piece recorded in its mailbox")
    assert "Intake" not in done.stdout.decode()
