"""The morning intake on both stores: a folder of envelope photos recorded at once, each
in its mailbox by its file name or the sheet, else to assign (its client told only once
it is assigned); taken again, nothing new; mail for a dossier not in force refused
without stopping the others; and the day's sheet of labels."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader

from domicili.errors import InvalidInput, MailPieceNotFound, Refused
from domicili.testing import sample_pdf, sample_png

if TYPE_CHECKING:
    from conftest import World


def told(world: World, mark: int) -> list[str]:
    """Who was told of new mail since ``mark``."""
    return [m.to for m in world.sent_since(mark) if m.template == "mail_received"]


def email_of(world: World, dossier_id: int) -> str:
    return world.app.get_dossier(dossier_id).client.email


def photos(folder: Path, names: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        if name.endswith(".txt"):
            data = b"une note, pas une photo\n"
        else:
            data = sample_pdf(name) if name.endswith(".pdf") else sample_png(name)
        (folder / name).write_bytes(data)
    return folder


def test_photos_named_by_mailbox_or_dossier_go_to_their_mailbox(
    world: World, tmp_path: Path
) -> None:
    app = world.app
    provider_id = world.provider()
    first = world.in_force(provider_id)
    second = world.in_force(provider_id)
    app.receive_mail(first, sender="Banque", kind="lettre")  # opens B-0001
    folder = photos(
        tmp_path / "matin",
        ["B-0001_urssaf.jpg", f"d-{second:06d}-impots.pdf", "notes.txt", "IMG_2041.png"],
    )
    (folder / "sous-dossier").mkdir()
    mark = len(world.notifier.sent)
    report = app.intake_mail(folder)
    by_file = {line.file: line for line in report.recorded}
    assert by_file["B-0001_urssaf.jpg"].mailbox == "B-0001"
    assert by_file[f"d-{second:06d}-impots.pdf"].mailbox == "B-0002"
    assert [line.file for line in report.to_assign] == ["IMG_2041.png"]
    assert {line.file for line in report.skipped} == {"notes.txt", "sous-dossier"}
    assert sorted(told(world, mark)) == sorted([email_of(world, first), email_of(world, second)])
    piece_id = by_file["B-0001_urssaf.jpg"].piece_id
    assert piece_id is not None
    piece = app.mail_piece(piece_id).piece
    assert (piece.kind, piece.sender, piece.dossier_id) == (
        "lettre",
        "à préciser (voir l’enveloppe)",
        first,
    )
    assert piece.envelope_sha256 is not None


def test_a_sheet_names_mailbox_sender_and_kind(world: World, tmp_path: Path) -> None:
    app = world.app
    dossier_id = world.in_force()
    folder = photos(tmp_path / "matin", ["001.jpg", "002.jpg", "003.jpg"])
    sheet = tmp_path / "tri.csv"
    sheet.write_text(
        "file;mailbox;sender;kind\n"
        f"001.jpg;D-{dossier_id:06d};URSSAF Île-de-France;administratif\n"
        "002.jpg;;Amazon;colis\n",
        encoding="utf-8",
    )
    report = app.intake_mail(folder, sheet=sheet)
    (recorded,) = report.recorded
    assert (recorded.file, recorded.mailbox) == ("001.jpg", "B-0001")
    assert recorded.piece_id is not None
    piece = app.mail_piece(recorded.piece_id).piece
    assert (piece.sender, piece.kind) == ("URSSAF Île-de-France", "administratif")
    assert [line.file for line in report.to_assign] == ["002.jpg", "003.jpg"]
    parcel_id = report.to_assign[0].piece_id
    assert parcel_id is not None
    parcel = app.mail_piece(parcel_id).piece
    assert (parcel.state, parcel.sender, parcel.kind) == ("unassigned", "Amazon", "colis")


def test_a_piece_to_assign_is_told_only_once_assigned(world: World, tmp_path: Path) -> None:
    app = world.app
    dossier_id = world.in_force()
    mark = len(world.notifier.sent)
    report = app.intake_mail(photos(tmp_path / "matin", ["photo-1.jpg"]))
    (waiting,) = report.to_assign
    assert waiting.piece_id is not None
    assert told(world, mark) == []
    got = app.assign_mail(waiting.piece_id, dossier_id)
    assert got.piece.state == "received"
    assert told(world, mark) == [email_of(world, dossier_id)]


def test_the_same_folder_again_records_nothing(world: World, tmp_path: Path) -> None:
    app = world.app
    dossier_id = world.in_force()
    app.receive_mail(dossier_id, sender="Banque", kind="lettre")
    folder = photos(tmp_path / "matin", ["B-0001-a.jpg", "b.jpg"])
    first = app.intake_mail(folder)
    assert (len(first.recorded), len(first.to_assign)) == (1, 1)
    count = len(list(app.iter_mail()))
    mark = len(world.notifier.sent)
    again = app.intake_mail(folder)
    assert (again.recorded, again.to_assign) == ([], [])
    assert sorted(line.piece_id for line in again.already) == sorted(
        line.piece_id for line in first.recorded + first.to_assign
    )
    assert len(list(app.iter_mail())) == count
    assert told(world, mark) == []


def test_mail_for_a_dossier_not_in_force_is_refused_and_the_others_go_on(
    world: World, tmp_path: Path
) -> None:
    app = world.app
    provider_id = world.provider()
    (not_yet,) = world.demande(provider_id)
    in_force = world.in_force(provider_id)
    folder = photos(
        tmp_path / "matin",
        [f"D-{not_yet:06d}_impots.jpg", f"D-{in_force:06d}_impots.jpg", "D-999999.jpg"],
    )
    report = app.intake_mail(folder)
    assert [line.file for line in report.recorded] == [f"D-{in_force:06d}_impots.jpg"]
    refused = {line.file: line.reason or "" for line in report.refused}
    assert "return the piece to its sender" in refused[f"D-{not_yet:06d}_impots.jpg"]
    assert "999999" in refused["D-999999.jpg"]
    assert len(list(app.iter_mail())) == 1


def test_bad_folders_and_sheets_are_refused_before_anything_is_recorded(
    world: World, tmp_path: Path
) -> None:
    app = world.app
    world.in_force()
    folder = photos(tmp_path / "matin", ["a.jpg"])
    with pytest.raises(InvalidInput, match="is not a folder"):
        app.intake_mail(folder / "a.jpg")
    cases = {
        "missing.csv": ("file,mailbox\nb.jpg,B-0001\n", "not a file of the folder"),
        "header.csv": ("a.jpg,B-0001\n", "first line must name the columns"),
        "kind.csv": ("file,kind\na.jpg,pli\n", "not a kind of mail"),
        "twice.csv": ("file\na.jpg\na.jpg\n", "named already on line 2"),
    }
    for name, (text, error) in cases.items():
        sheet = tmp_path / name
        sheet.write_text(text, encoding="utf-8")
        with pytest.raises(InvalidInput, match=error):
            app.intake_mail(folder, sheet=sheet)
    assert list(app.iter_mail()) == []


def label_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_days_labels_name_each_piece_with_its_mailbox(world: World, tmp_path: Path) -> None:
    app = world.app
    dossier_id = world.in_force()
    client = app.get_dossier(dossier_id).client.name
    today = app.mail_piece(app.receive_mail(dossier_id, sender="A", kind="lettre").piece.id or 0)
    yesterday = app.ctx.now() - timedelta(days=1)
    old = app.receive_mail(dossier_id, sender="B", kind="colis", received_at=yesterday).piece
    app.receive_mail(None, sender="C", kind="lettre")  # to assign: no label yet
    text = label_text(app.mail_labels())
    assert "Boîte B-0001" in text
    assert client in text
    assert f"Pièce {today.piece.id}" in text
    assert "LETTRE" in text
    assert f"Pièce {old.id}" not in text  # yesterday's parcel is not on today's sheet
    named = label_text(app.mail_labels([old.id or 0], start_at=5))
    assert f"Pièce {old.id}" in named
    assert "AVIS DE PASSAGE" in named  # no procuration postale: the parcel waits there
    with pytest.raises(Refused, match="No piece of mail"):
        app.mail_labels(day=date(2020, 1, 1))
    with pytest.raises(MailPieceNotFound):
        app.mail_labels([9999])
    with pytest.raises(InvalidInput, match="start_at"):
        app.mail_labels(start_at=22)


def test_labels_are_one_providers(world: World) -> None:
    app = world.app
    first = app.receive_mail(world.in_force(), sender="A", kind="lettre").piece
    other = app.receive_mail(world.in_force(), sender="B", kind="lettre").piece
    with pytest.raises(Refused, match="several providers"):
        app.mail_labels([first.id or 0, other.id or 0])


def test_the_progress_counts_each_entry_of_the_folder(world: World, tmp_path: Path) -> None:
    world.in_force()
    folder = photos(tmp_path / "matin", ["a.jpg", "b.png", "c.txt"])
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    steps: list[int] = []
    report = world.app.intake_mail(folder, progress=steps.append)
    assert steps == [1, 1, 1, 1]
    assert {line.file: line.reason for line in report.skipped} == {
        ".DS_Store": "a hidden file",
        "c.txt": "not a JPEG, PNG or PDF photo",
    }


def test_a_time_still_to_come_refuses_the_whole_intake(world: World, tmp_path: Path) -> None:
    world.in_force()
    folder = photos(tmp_path / "matin", ["a.jpg", "b.jpg"])
    with pytest.raises(InvalidInput, match="is still to come"):
        world.app.intake_mail(folder, received_at=world.app.ctx.now() + timedelta(days=1))
    assert list(world.app.iter_mail()) == []


def test_a_piece_taken_in_stays_there_once_its_dossier_has_ended(
    file_world: World, tmp_path: Path
) -> None:
    world, app = file_world, file_world.app
    dossier_id = world.in_force()
    folder = photos(tmp_path / "matin", [f"D-{dossier_id:06d}_impots.jpg"])
    (first,) = app.intake_mail(folder).recorded
    world.direct("UPDATE dossiers SET status = 'terminated' WHERE id = ?", dossier_id)
    again = app.intake_mail(folder)
    assert [(line.piece_id, line.mailbox) for line in again.already] == [(first.piece_id, "B-0001")]
    assert again.refused == []
    with pytest.raises(Refused, match="return the piece to its sender"):
        app.receive_mail(dossier_id, sender="Impots", kind="lettre")


def test_a_parcel_without_procuration_is_noted_an_avis_de_passage(
    world: World, tmp_path: Path
) -> None:
    dossier_id = world.in_force()
    folder = photos(tmp_path / "matin", [f"D-{dossier_id:06d}-colis.jpg"])
    sheet = tmp_path / "tri.csv"
    sheet.write_text(f"file,kind\nD-{dossier_id:06d}-colis.jpg,colis\n", encoding="utf-8")
    (line,) = world.app.intake_mail(folder, sheet=sheet).recorded
    assert (line.mailbox, line.note) == ("B-0001", "avis_de_passage")
    assert line.as_dict()["note"] == "avis_de_passage"
