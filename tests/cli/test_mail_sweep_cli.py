"""The 3-month rule through the real commands on a copy of the command world (dossier 5:
provider A's, in force since 2 March): ``sweep`` warns, then draws up the notice to the
greffe, which ``courrier notices`` lists, ``courrier notice`` writes and ``dossier show``
mentions."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader

MAY = "2026-05-01T09:00:00+02:00"  # 60 days after the letter came
JUNE = "2026-06-02T09:00:00+02:00"  # three months after


def test_the_greffe_is_told_of_mail_left_three_months(command_world: Any, tmp_path: Any) -> None:
    world = command_world(tmp_path / "w")
    cli = world.cli
    piece = cli.json("courrier", "receive", "D-000005", "--sender", "URSSAF", "--kind", "lettre")
    piece_id = piece["piece"]["id"]
    assert cli.json("courrier", "notices") == []
    refused = cli("courrier", "notice", "5", "-o", world.scratch / "none.pdf")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: Dossier D-000005: its client was not reported to the greffe; there is no notice.\n"
    )
    assert not (world.scratch / "none.pdf").exists()

    warned = cli.ok("sweep", now=MAY)
    assert "Clients warned of mail left uncollected: dossier 5." in warned.stdout
    assert cli.json("sweep", now=MAY)["mail"]["uncollected_warned"] == []

    told = cli.ok("sweep", now=JUNE)
    assert "Notices to the greffe drawn up (3-month rule): dossier 5." in told.stdout
    assert f"Mail returned to its sender past its retention: piece {piece_id}." in told.stdout
    (notice,) = cli.json("courrier", "notices")
    assert (notice["reference"], notice["mailbox"]) == ("D-000005", "B-0001")
    shown = cli.ok("dossier", "show", "5").stdout
    assert "notice to the greffe drawn up on 02/06/2026" in shown
    assert cli.json("dossier", "show", "5")["greffe_notice"]["sha256"] == notice["sha256"]

    out = world.scratch / "greffe.pdf"
    written = cli.ok("courrier", "notice", "D-000005", "-o", out)
    assert f"written to {out}" in written.stderr
    text = " ".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Greffe du tribunal de commerce de" in text
    assert "R123-168" in text
    again = cli.json("sweep", now=JUNE)["mail"]
    assert again["greffe_notices"] == again["uncollected_warned"] == []
