"""Justificatif files in the files folder: stored once by sha256, names never become paths."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.testing import sample_pdf

if TYPE_CHECKING:
    from conftest import World


def stored_files(world: World) -> list[Path]:
    root = world.app.data_dir / "justificatifs"
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_the_same_file_for_two_dossiers_is_stored_once_under_its_sha256(
    file_world: World,
) -> None:
    first, second = file_world.provider(), file_world.provider()
    dossiers = file_world.demande(first, second)
    data = sample_pdf("Carte nationale d'identité — Camille Durand")
    digest = hashlib.sha256(data).hexdigest()
    for dossier_id in dossiers:
        file_world.app.add_justificatif(dossier_id, "identite", data, "cni.pdf")
    expected = file_world.app.data_dir / "justificatifs" / digest[:2] / digest[2:]
    assert stored_files(file_world) == [expected]
    assert expected.read_bytes() == data
    assert file_world.direct("SELECT sha256 FROM blobs") == [(digest,)]
    rows = file_world.direct("SELECT dossier_id, sha256 FROM justificatifs ORDER BY id")
    assert rows == [(dossiers[0], digest), (dossiers[1], digest)]


@pytest.mark.one_store
def test_the_files_of_a_sqlite_database_are_in_the_folder_beside_it(file_world: World) -> None:
    db = Path(file_world.app.store.location)
    assert file_world.app.data_dir == db.parent / f"{db.name}-files"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("/etc/shadow.pdf", "shadow.pdf"),
        ("..\\..\\Windows\\win.ini.pdf", "win.ini.pdf"),
        ("../", "fichier"),
    ],
)
def test_the_name_a_person_gives_a_file_never_becomes_a_path(
    file_world: World, tmp_path: Path, given: str, shown: str
) -> None:
    (dossier_id,) = file_world.demande()
    before = set(tmp_path.parent.rglob("*"))
    data = sample_pdf(f"piece {given}")
    view = file_world.app.add_justificatif(dossier_id, "identite", data, given)
    assert view.filename == shown
    digest = hashlib.sha256(data).hexdigest()
    created = set(tmp_path.parent.rglob("*")) - before
    inside = file_world.app.data_dir
    assert all(p.is_relative_to(inside) for p in created), created
    assert [p.name for p in stored_files(file_world)] == [digest[2:]]


def test_every_revision_keeps_its_own_file(file_world: World) -> None:
    (dossier_id,) = file_world.demande()
    versions = [sample_pdf(f"domicile v{n}") for n in (1, 2, 3)]
    for data in versions:
        file_world.app.add_justificatif(dossier_id, "justificatif_domicile", data, "edf.pdf")
    revisions = file_world.app.store.revisions(dossier_id)
    assert [r.revision for r in revisions] == [1, 2, 3]
    assert [file_world.app.ctx.files.read(r.sha256) for r in revisions] == versions
    assert len(stored_files(file_world)) == 3


def test_a_refused_file_leaves_no_trace_on_disk(file_world: World) -> None:
    (dossier_id,) = file_world.demande()
    with pytest.raises(ValueError, match="not a PDF"):
        file_world.app.add_justificatif(dossier_id, "identite", b"plain text", "faux.pdf")
    assert stored_files(file_world) == []


def test_the_folder_file_store_is_the_default_implementation_of_the_port(
    tmp_path: Path,
) -> None:
    from domicili.errors import JustificatifRejected
    from domicili.files import FileStore as FolderFileStore
    from domicili.ports import FileStore

    folder = FolderFileStore(tmp_path / "files", max_bytes=2048)
    assert isinstance(folder, FileStore)
    assert folder.check(sample_pdf("court"), filename="court.pdf") == "application/pdf"
    with pytest.raises(JustificatifRejected, match="the limit is"):
        folder.check(sample_pdf("long" * 1000), filename="long.pdf")  # its own limit
    stored = folder.put(sample_pdf("court"), filename="court.pdf")
    assert folder.path(stored.sha256).read_bytes() == folder.read(stored.sha256)
