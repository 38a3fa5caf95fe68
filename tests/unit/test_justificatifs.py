"""Justificatifs: what files are taken, every revision kept, and one recap per review save."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.config import FileSettings, Settings
from domicili.errors import InvalidInput, JustificatifRejected, Refused
from domicili.files import DEFAULT_MAX_BYTES, sniff_content_type
from domicili.messages import apostrophes
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import World

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def revisions(world: World, dossier_id: int) -> list[tuple[str, int, str]]:
    return [(r.kind, r.revision, r.state.value) for r in world.app.store.revisions(dossier_id)]


# -- which files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (sample_pdf("Carte d'identité"), "carte.pdf", "application/pdf"),
        (JPEG, "photo.jpg", "image/jpeg"),
        (PNG, "scan.png", "image/png"),
        (JPEG, "scan-sans-extension", "image/jpeg"),
        (PNG, "mal-nommé.pdf", "image/png"),
    ],
)
def test_pdf_jpeg_and_png_are_taken_by_their_content(
    world: World, data: bytes, name: str, content_type: str
) -> None:
    (dossier_id,) = world.demande()
    view = world.app.add_justificatif(dossier_id, "identite", data, name)
    assert view.state == "submitted"
    assert view.revision == 1
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    (rev,) = world.app.store.revisions(dossier_id)
    assert rev.content_type == content_type
    assert rev.size == len(data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Bonjour, voici ma carte d'identite.\n", "carte.pdf", "not a PDF, JPEG or PNG"),
        (b"", "vide.pdf", "empty"),
        (b"GIF89a" + b"\x00" * 32, "image.gif", "not a PDF, JPEG or PNG"),
        (b"PK\x03\x04" + b"\x00" * 32, "scan.pdf", "not a PDF, JPEG or PNG"),
    ],
    ids=["text named .pdf", "empty", "gif", "zip named .pdf"],
)
def test_other_files_are_refused_and_nothing_is_stored(
    world: World, data: bytes, name: str, message: str
) -> None:
    (dossier_id,) = world.demande()
    events = len(world.app.store.events())
    with pytest.raises(JustificatifRejected, match=message):
        world.app.add_justificatif(dossier_id, "identite", data, name)
    assert world.app.store.revisions(dossier_id) == []
    assert len(world.app.store.events()) == events


def test_a_file_over_ten_megabytes_is_refused_and_one_of_exactly_ten_is_taken(
    world: World,
) -> None:
    (dossier_id,) = world.demande()
    exactly = b"%PDF-1.7\n" + b"0" * (DEFAULT_MAX_BYTES - 9)
    assert len(exactly) == 10 * 1024 * 1024
    with pytest.raises(JustificatifRejected, match=r"limit is 10 MB"):
        world.app.add_justificatif(dossier_id, "identite", exactly + b"0", "gros.pdf")
    assert world.app.store.revisions(dossier_id) == []
    assert world.app.add_justificatif(dossier_id, "identite", exactly, "juste.pdf").revision == 1


def test_the_size_limit_follows_the_settings() -> None:
    settings = Settings(files=FileSettings(max_mb=0.001))  # 1048 bytes
    app, _clock, _notifier = make_app(settings=settings)
    with app:
        provider = app.add_provider(**sample_provider(1))
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        assert dossier.id is not None
        with pytest.raises(JustificatifRejected, match="limit"):
            app.add_justificatif(dossier.id, "identite", b"%PDF-" + b"0" * 1100, "a.pdf")
        assert app.add_justificatif(dossier.id, "identite", b"%PDF-" + b"0" * 900, "a.pdf")


def test_a_missing_file_path_is_refused_with_its_name(world: World, tmp_path: Path) -> None:
    (dossier_id,) = world.demande()
    with pytest.raises(JustificatifRejected, match=r"absent\.pdf"):
        world.app.add_justificatif(dossier_id, "identite", tmp_path / "absent.pdf")


def test_sniffing_ignores_the_file_name_entirely() -> None:
    assert sniff_content_type(b"%PDF-1.4\n") == "application/pdf"
    assert sniff_content_type(b"hello %PDX") is None
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(b"\x89PNG") is None


@pytest.mark.parametrize("kind", ["passeport", "IDENTITE", ""])
def test_unknown_kind_is_refused_naming_the_known_kinds(world: World, kind: str) -> None:
    (dossier_id,) = world.demande()
    with pytest.raises(InvalidInput, match="known kinds: identite") as caught:
        world.app.add_justificatif(dossier_id, kind, sample_pdf("x"), "x.pdf")
    assert caught.value.field == "kind"


def test_statuts_do_not_apply_to_an_individual_entrepreneur(world: World) -> None:
    (dossier_id,) = world.demande(kind="individual", en_formation=False)
    with pytest.raises(InvalidInput, match="statuts does not apply to an individual"):
        world.app.add_justificatif(dossier_id, "statuts", sample_pdf("x"), "x.pdf")


def test_a_dismissed_dossier_takes_no_more_pieces(world: World) -> None:
    (dossier_id,) = world.demande()
    world.app.dismiss(dossier_id, "Doublon")
    with pytest.raises(Refused, match="takes no more pieces"):
        world.app.add_justificatif(dossier_id, "identite", sample_pdf("x"), "x.pdf")


# -- revisions -----------------------------------------------------------------------


def test_every_revision_is_kept_with_its_own_state_and_file(world: World) -> None:
    (dossier_id,) = world.demande()
    first, second = sample_pdf("domicile ancien"), sample_pdf("domicile récent")
    world.app.add_justificatif(dossier_id, "justificatif_domicile", first, "facture-2024.pdf")
    world.app.review(dossier_id, invalidate={"justificatif_domicile": "Plus de 3 mois"})
    view = world.app.add_justificatif(dossier_id, "justificatif_domicile", second, "edf.pdf")
    assert (view.revision, view.state, view.reason, view.filename) == (
        2,
        "submitted",
        None,
        "edf.pdf",
    )
    old, new = world.app.store.revisions(dossier_id)
    assert (old.revision, old.state.value, old.reason) == (1, "invalidated", "Plus de 3 mois")
    assert (new.revision, new.state.value) == (2, "submitted")
    assert world.app.ctx.files.read(old.sha256) == first
    assert world.app.ctx.files.read(new.sha256) == second


def test_review_applies_to_the_latest_revision_only(world: World) -> None:
    (dossier_id,) = world.demande()
    world.app.add_justificatif(dossier_id, "identite", sample_pdf("v1"), "v1.pdf")
    world.app.add_justificatif(dossier_id, "identite", sample_pdf("v2"), "v2.pdf")
    world.app.review(dossier_id, validate=["identite"])
    assert revisions(world, dossier_id) == [
        ("identite", 1, "submitted"),
        ("identite", 2, "validated"),
    ]


# -- review saves --------------------------------------------------------------------


def test_one_review_save_sends_exactly_one_recap_to_the_client(world: World) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id)
    mark = len(world.notifier.sent)
    world.app.review(
        dossier_id,
        validate=["identite", "statuts"],
        invalidate={"justificatif_domicile": "Facture de plus de 3 mois"},
    )
    (recap,) = world.sent_since(mark)
    assert recap.template == "justificatif_recap"
    assert recap.to == "camille@atelier.example"
    assert recap.dossier_id == dossier_id


def test_recap_lists_every_piece_with_its_state_and_the_invalidation_reason(
    world: World,
) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id, ["identite", "justificatif_domicile", "statuts"])
    world.app.review(
        dossier_id,
        validate=["identite"],
        invalidate={"justificatif_domicile": "Facture de plus de 3 mois"},
    )
    body = world.notifier.sent[-1].body
    lines = {p.kind: p for p in world.app.justificatifs(dossier_id)}
    assert len(lines) == 7
    for piece in lines.values():
        assert apostrophes(f"{piece.label} : {piece.state_label}") in body
    assert "Pièce d’identité du dirigeant ou de l’entrepreneur : conforme" in body
    assert "Justificatif de domicile de moins de 3 mois : non conforme" in body
    assert "Motif : Facture de plus de 3 mois" in body
    assert "Statuts (projet de statuts pour une société en formation) : en cours de" in body
    assert "Identité de chaque bénéficiaire effectif : à fournir" in body
    assert "Extrait Kbis de moins de 3 mois : à fournir (après l’immatriculation)" in body
    assert "(facultatif)" in body
    asked = body.split("les pièces suivantes :", 1)[1]
    assert "Justificatif de domicile" in asked
    assert "Identité de chaque bénéficiaire effectif" in asked
    assert "Pièce d’identité" not in asked


def test_recap_says_so_when_every_required_piece_is_validated(world: World) -> None:
    (dossier_id,) = world.demande()
    world.ready(dossier_id)
    body = world.notifier.sent[-1].body
    assert "Toutes les pièces nécessaires à l’examen de votre demande sont validées." in body
    assert "non conforme" not in body


def test_recap_does_not_say_all_is_validated_while_pieces_are_being_checked(
    world: World,
) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(
        dossier_id, ["identite", "justificatif_domicile", "statuts", "beneficiaires_effectifs"]
    )
    world.app.review(dossier_id, validate=["identite"])
    body = world.notifier.sent[-1].body
    assert "sont validées" not in body
    assert "Les autres pièces sont en cours de vérification" in body


def test_review_returns_every_piece_with_its_new_state(world: World) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id, ["identite", "statuts"])
    views = world.app.review(dossier_id, validate=["statuts"], invalidate={"identite": "Floue"})
    states = {v.kind: (v.state, v.reason) for v in views}
    assert states["statuts"] == ("validated", None)
    assert states["identite"] == ("invalidated", "Floue")
    assert states["justificatif_domicile"] == ("missing", None)


@pytest.mark.parametrize(
    ("validate", "invalidate", "message"),
    [
        ([], {}, "Nothing to save"),
        (["identite"], {"identite": "Floue"}, "cannot be validated and invalidated"),
        ([], {"identite": "  "}, "needs a reason"),
    ],
    ids=["empty save", "both", "blank reason"],
)
def test_review_with_contradictory_or_empty_input_is_refused(
    world: World, validate: list[str], invalidate: dict[str, str], message: str
) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id)
    mark = len(world.notifier.sent)
    with pytest.raises(InvalidInput, match=message):
        world.app.review(dossier_id, validate=validate, invalidate=invalidate)
    assert world.sent_since(mark) == []
    assert {s for _k, _r, s in revisions(world, dossier_id)} == {"submitted"}


def test_review_of_a_piece_never_sent_refuses_the_whole_save(world: World) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id, ["identite"])
    mark = len(world.notifier.sent)
    with pytest.raises(Refused, match="statuts: no file received yet"):
        world.app.review(dossier_id, validate=["identite", "statuts"])
    assert revisions(world, dossier_id) == [("identite", 1, "submitted")]
    assert world.sent_since(mark) == []


def test_pieces_of_a_dismissed_dossier_can_no_longer_be_reviewed(world: World) -> None:
    (dossier_id,) = world.demande()
    world.send_pieces(dossier_id)
    world.app.dismiss(dossier_id, "Doublon")
    with pytest.raises(Refused, match="can no longer be reviewed"):
        world.app.review(dossier_id, validate=["identite"])


@pytest.mark.one_store
def test_an_in_memory_app_writes_no_file_in_the_working_folder() -> None:
    app, _clock, _notifier = make_app()
    with app:
        provider = app.add_provider(**sample_provider(1))
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        assert dossier.id is not None
        app.add_justificatif(dossier.id, "identite", sample_pdf("x"), "x.pdf")
        assert app.data_dir.exists()
    assert list(Path.cwd().iterdir()) == []
    assert not app.data_dir.exists()  # removed with the database it belonged to
