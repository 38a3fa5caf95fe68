"""`audit verify` and `audit head` at the command line; an altered file is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import Cli


def _history(cli: Cli, answers: Path) -> int:
    provider = cli.add_provider(1)
    created = cli.json("demande", "create", "--answers", answers, "--to", provider)
    return int(created["dossiers"][0]["id"])


def test_a_clean_database_verifies_and_its_head_is_printed_for_export(
    cli: Cli, societe_answers: Path
) -> None:
    _history(cli, societe_answers)
    intact = cli.ok("audit", "verify")
    assert intact.stdout.startswith("Audit log intact: ")
    head = cli.ok("audit", "head").stdout.strip()
    ((last_id, last_hash),) = cli.direct("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
    assert head == f"{last_id}:{last_hash}"
    shown = cli.json("audit", "head")
    assert shown["anchored"] == {"event_id": last_id, "hash": last_hash}
    assert cli.json("audit", "verify", "--head", head)["findings"] == []


def test_each_finding_is_one_line_exit_1_and_listed_in_json(
    cli: Cli, societe_answers: Path
) -> None:
    dossier = _history(cli, societe_answers)
    head = cli.ok("audit", "head").stdout.strip()
    cli.direct("UPDATE dossiers SET status = 'active' WHERE id = ?", dossier)
    cli.direct("DELETE FROM events WHERE id = (SELECT max(id) FROM events)")
    result = cli("audit", "verify", "--head", head)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("The log ends at event ")
    assert "the head given is event" in lines[1]
    assert lines[2].startswith(f"Dossier {dossier} is S4 in the database")
    report = json.loads(cli("audit", "verify", "--json").stdout)
    assert report["ok"] is False
    assert [f["kind"] for f in report["findings"]] == ["log", "dossier"]


def test_a_head_that_is_not_one_is_refused_in_one_sentence(cli: Cli) -> None:
    cli.add_provider(1)
    result = cli("audit", "verify", "--head", "douze")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 'douze' is not a head of the audit log (an event id and its hash: ID:HASH).\n"
    )


def test_a_justificatif_changed_on_disk_is_refused_and_nothing_is_written(
    cli: Cli, societe_answers: Path, tmp_path: Path
) -> None:
    dossier = _history(cli, societe_answers)
    (digest,) = [
        str(r[0])
        for r in cli.direct(
            "SELECT sha256 FROM justificatifs WHERE dossier_id = ? AND kind = 'identite'", dossier
        )
    ]
    stored = cli.files / "justificatifs" / digest[:2] / digest[2:]
    stored.write_bytes(stored.read_bytes() + b"\n% ajout")
    target = tmp_path / "identite.pdf"
    result = cli("justificatif", "get", dossier, "identite", "-o", target)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The stored file {stored} (SHA-256 {digest[:12]}…) was changed after it was "
        "stored; it is not served; restore it from a backup; `domicili audit verify` lists "
        "what else was altered.\n"
    )
    assert not target.exists()
    assert hashlib.sha256(stored.read_bytes()).hexdigest() != digest
    verify = cli("audit", "verify")
    assert verify.exit_code == 1
    assert f"The stored file {stored}" in verify.stdout
