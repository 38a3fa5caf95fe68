"""No silent duplicates: a second request from a client with an open dossier, and the
very file already invalidated sent again, are refused with a sentence (both stores)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from domicili.errors import DuplicateRequest, JustificatifRejected
from domicili.i18n import speaking
from domicili.statuses import Status
from domicili.testing import sample_answers, sample_pdf, valid_siren

if TYPE_CHECKING:
    from conftest import World

SIREN = valid_siren(4242)


def counts(world: World) -> tuple[int, int, int]:
    """Clients, dossiers and queued messages: what a refused request must leave as it was."""
    ((clients,),) = world.app.store.execute("SELECT count(*) FROM clients")
    ((dossiers,),) = world.app.store.execute("SELECT count(*) FROM dossiers")
    return int(str(clients)), int(str(dossiers)), len(world.app.outbox())


def test_the_same_siren_again_is_refused_with_the_open_dossiers_reference(world: World) -> None:
    provider = world.provider(name="Domiciliation Lumière")
    answers = sample_answers(en_formation=False, siren=SIREN)
    _client, (first,) = world.app.create_demande(answers, to=[provider])
    before = counts(world)

    # Same SIREN, another email and name (the client wrote from another address).
    again = sample_answers(
        en_formation=False, siren=SIREN, name="ATELIER LUMIERE SAS", email="compta@ailleurs.example"
    )
    with pytest.raises(DuplicateRequest) as refused:
        world.app.create_demande(again, to=[provider])
    assert (refused.value.dossier_id, refused.value.reference) == (first.id, "D-000001")
    assert refused.value.provider_id == provider
    assert str(refused.value) == (
        "Atelier Lumière already has dossier D-000001 open with Domiciliation Lumière; "
        "nothing was sent."
    )
    assert counts(world) == before

    # Sent anyway on purpose: a second dossier.
    _client, (second,) = world.app.create_demande(again, to=[provider], force=True)
    assert second.id == 2
    assert second.status is Status.PENDING_REVIEW


def test_the_same_email_and_name_is_the_same_client_whatever_the_case(world: World) -> None:
    provider = world.provider()
    world.app.create_demande(sample_answers(), to=[provider])
    same = sample_answers(name="  atelier   LUMIÈRE ", email="Camille@Atelier.example")
    with pytest.raises(DuplicateRequest, match="D-000001"):
        world.app.create_demande(same, to=[provider])

    # The same address for another business, or another address: another client.
    _c, (other_name,) = world.app.create_demande(sample_answers(name="Studio Nord"), to=[provider])
    _c, (other_email,) = world.app.create_demande(
        sample_answers(email="contact@atelier.example"), to=[provider]
    )
    assert (other_name.id, other_email.id) == (2, 3)


def test_a_request_to_several_providers_is_refused_whole_when_one_has_an_open_dossier(
    world: World,
) -> None:
    first, second = world.provider(), world.provider()
    world.app.create_demande(sample_answers(), to=[second])
    before = counts(world)
    with pytest.raises(DuplicateRequest) as refused:
        world.app.create_demande(sample_answers(), to=[first, second])
    assert refused.value.provider_id == second
    assert counts(world) == before  # nothing sent to the first either

    _c, (elsewhere,) = world.app.create_demande(sample_answers(), to=[first])
    assert elsewhere.provider_id == first


def test_a_closed_dossier_does_not_stop_a_new_request(world: World) -> None:
    provider = world.provider()
    _c, (dismissed,) = world.app.create_demande(sample_answers(), to=[provider])
    world.app.dismiss(dismissed.id or 0, "Capacité d'accueil atteinte")
    _c, (fresh,) = world.app.create_demande(sample_answers(), to=[provider])
    assert fresh.id == 2


def test_the_refusal_reads_in_french(world: World) -> None:
    provider = world.provider(name="Domiciliation Lumière")
    world.app.create_demande(sample_answers(), to=[provider])
    with speaking("fr"), pytest.raises(DuplicateRequest) as refused:
        world.app.create_demande(sample_answers(), to=[provider])
    assert str(refused.value) == (
        "Atelier Lumière a déjà le dossier D-000001 en cours chez "
        "Domiciliation Lumière ; rien n’a été envoyé."
    )


def test_the_very_file_already_invalidated_is_refused_as_a_new_revision(world: World) -> None:
    (dossier_id,) = world.demande()
    blurred = sample_pdf("justificatif de domicile flou")
    world.app.add_justificatif(dossier_id, "justificatif_domicile", blurred, "domicile.pdf")
    world.app.review(dossier_id, invalidate={"justificatif_domicile": "Illisible, à renvoyer"})
    before = [p.as_dict() for p in world.app.justificatifs(dossier_id)]
    events = len(world.app.store.events())

    for kind in ("justificatif_domicile", "identite"):  # under any kind of the dossier
        with pytest.raises(JustificatifRejected) as refused:
            world.app.add_justificatif(dossier_id, kind, blurred, "encore.pdf")
        assert str(refused.value) == (
            f"{kind}: this file is the one already invalidated as revision 1 of "
            "justificatif_domicile (Illisible, à renvoyer); send a corrected file."
        )
    assert [p.as_dict() for p in world.app.justificatifs(dossier_id)] == before
    assert len(world.app.store.events()) == events

    with speaking("fr"), pytest.raises(JustificatifRejected) as refused:
        world.app.add_justificatif(dossier_id, "justificatif_domicile", blurred, "encore.pdf")
    assert "déjà jugé non conforme" in str(refused.value)

    # A corrected file is the next revision; the refused file is still fine elsewhere.
    fixed = sample_pdf("justificatif de domicile lisible")
    view = world.app.add_justificatif(dossier_id, "justificatif_domicile", fixed, "net.pdf")
    assert (view.revision, view.state) == (2, "submitted")
    (other,) = world.demande()
    assert world.app.add_justificatif(other, "justificatif_domicile", blurred, "d.pdf").revision


def test_a_validated_file_sent_again_is_not_refused(world: World) -> None:
    (dossier_id,) = world.demande()
    scan = sample_pdf("pièce d'identité")
    world.app.add_justificatif(dossier_id, "identite", scan, "id.pdf")
    world.app.review(dossier_id, validate=["identite"])
    view = world.app.add_justificatif(dossier_id, "identite", scan, "id.pdf")
    assert view.revision == 2


def test_the_lookups_are_indexed_on_both_stores(world: World) -> None:
    names = {
        "idx_clients_siren",
        "idx_clients_lower_email",
        "idx_justificatifs_dossier_id_sha256",
    }
    if world.app.store.location.startswith("postgresql"):
        sql = "SELECT indexname FROM pg_indexes WHERE tablename IN ('clients', 'justificatifs')"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    assert names <= {str(r[0]) for r in world.app.store.execute(sql)}
