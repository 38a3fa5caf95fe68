"""``domicili courrier …`` as the mailroom's staff type it, on a copy of the command world
(dossier 5: provider A's, in force; dossier 1: A's, not in force)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domicili.testing import sample_pdf, sample_png


def test_a_day_of_mail_through_the_real_command(command_world: Any, tmp_path: Path) -> None:
    world = command_world(tmp_path / "w")
    cli = world.cli
    envelope = tmp_path / "enveloppe.png"
    envelope.write_bytes(sample_png("urssaf"))
    received = cli.ok(
        "courrier", "receive", "D-000005", "--sender", "URSSAF", "--kind", "lettre",
        "--envelope", envelope, "--key", "matin-001", "--received-at", "02/03/2026 08:30",
        env={"DOMICILI_LANG": "fr"},
    )  # fmt: skip
    assert "Courrier 1 reçu : lettre de URSSAF, boîte B-0001." in received.stderr
    again = cli.ok("courrier", "receive", "5", "--sender", "URSSAF", "--kind", "lettre",
                   "--key", "matin-001")  # fmt: skip
    assert "recorded already with this key" in again.stderr
    (row,) = cli.json("courrier", "list", "--dossier", "5")
    assert (row["state"], row["kind"]) == ("received", "lettre")
    assert row["received_at"].startswith("2026-03-02T07:30")  # 08:30 in Paris, kept in UTC
    shown = cli.ok("courrier", "show", "1", env={"DOMICILI_LANG": "fr"})
    assert "Historique :" in shown.stdout
    assert "B-0001" in shown.stdout

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(sample_pdf("contenu"))
    refused = cli("courrier", "scan", "1", scan)
    assert refused.exit_code == 1
    assert "does not allow opening its mail" in refused.stderr

    forwarded = cli.ok("courrier", "instruct", "1", "forward", "--to", "12 rue des Lilas, Lyon")
    assert "Piece 1: to forward." in forwarded.stderr
    batch = cli.json("courrier", "forward-batch", "--postage", "2,50")
    assert (batch["pieces"], batch["postage_cents"]) == ([1], 250)
    done = cli("courrier", "instruct", "1", "destroy")
    assert done.exit_code == 1
    assert done.stderr == "Error: Piece 1 is forwarded already: it takes no instruction any more.\n"


def test_mail_for_a_dossier_not_in_force_is_refused_and_nothing_kept(
    command_world: Any, tmp_path: Path
) -> None:
    cli = command_world(tmp_path / "w").cli
    result = cli("courrier", "receive", "1", "--sender", "Impots", "--kind", "lettre")
    assert result.exit_code == 1
    assert "return the piece to its sender; nothing was recorded" in result.stderr
    assert cli.json("courrier", "list") == []
    bad_time = cli("courrier", "receive", "5", "--sender", "X", "--kind", "lettre",
                   "--received-at", "hier")  # fmt: skip
    assert bad_time.exit_code == 2
    assert "'hier' is not a moment such as 2026-12-02T08:30" in bad_time.stderr
    rule = cli("courrier", "rules", "5", "--rule", "colis")
    assert rule.exit_code == 2
    assert "is not KIND=ACTION" in rule.stderr
    unknown = cli("courrier", "show", "99")
    assert unknown.exit_code == 1
    assert unknown.stderr == "Error: Piece of mail 99 not found.\n"
