"""`justificatif get`: staff open each piece as the client sent it."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli
from domicili.testing import sample_pdf


def test_a_piece_is_written_as_received_and_each_revision_stays_readable(
    cli: Cli, societe_answers: Path, tmp_path: Path
) -> None:
    provider = cli.add_provider(1)
    created = cli.json("demande", "create", "--answers", societe_answers, "--to", provider)
    dossier = created["dossiers"][0]["id"]
    sent = (societe_answers.parent / "pieces" / "identite-camille-durand.pdf").read_bytes()
    newer = tmp_path / "identite-v2.pdf"
    newer.write_bytes(sample_pdf("Carte d'identite, recto verso"))
    cli.ok("justificatif", "add", dossier, "identite", newer)

    latest, first = tmp_path / "latest.pdf", tmp_path / "first.pdf"
    cli.ok("justificatif", "get", dossier, "identite", "-o", latest)
    cli.ok("justificatif", "get", dossier, "identite", "--revision", 1, "-o", first)

    assert latest.read_bytes() == newer.read_bytes()
    assert first.read_bytes() == sent


def test_a_piece_never_received_is_refused_and_nothing_is_written(
    cli: Cli, societe_answers: Path, tmp_path: Path
) -> None:
    provider = cli.add_provider(1)
    created = cli.json("demande", "create", "--answers", societe_answers, "--to", provider)
    dossier = created["dossiers"][0]["id"]
    target = tmp_path / "kbis.pdf"
    result = cli("justificatif", "get", dossier, "kbis", "-o", target)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Dossier {dossier} has no file for kbis; "
        f"`domicili justificatif list {dossier}` shows what was received.\n"
    )
    assert not target.exists()


def test_a_review_of_a_revision_superseded_meanwhile_is_refused_and_saves_nothing(
    cli: Cli, societe_answers: Path, tmp_path: Path
) -> None:
    provider = cli.add_provider(1)
    created = cli.json("demande", "create", "--answers", societe_answers, "--to", provider)
    dossier = created["dossiers"][0]["id"]
    newer = tmp_path / "identite-v2.pdf"
    newer.write_bytes(sample_pdf("Carte d'identite, nouvelle"))
    cli.ok("justificatif", "add", dossier, "identite", newer)  # while staff look at revision 1

    refused = cli("justificatif", "review", dossier, "--validate", "identite@1")
    assert refused.exit_code == 1
    assert "revision 2 arrived after the revision 1" in refused.stderr
    assert f"open it first (`domicili justificatif get {dossier} identite`)." in refused.stderr
    states = {p["kind"]: p["state"] for p in cli.json("justificatif", "list", dossier)}
    assert states["identite"] == "submitted"

    cli.ok("justificatif", "review", dossier, "--validate", "identite@2")
    states = {p["kind"]: p["state"] for p in cli.json("justificatif", "list", dossier)}
    assert states["identite"] == "validated"
