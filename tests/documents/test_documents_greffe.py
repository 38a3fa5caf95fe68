"""The notice to the greffe (C. com. R123-168): the facts it states for mail left
uncollected three months and for a contract's end, read back from the PDF/A."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from document_samples import (
    check_pdf_a_3b,
    company,
    company_en_formation,
    flat,
    individual,
    pdf_text,
    provider,
    text_runs,
)
from pydantic import ValidationError
from pypdf import PdfReader

from domicili.documents import GreffeNoticeData, PartyData, render_greffe_notice

pytestmark = pytest.mark.one_store  # no database

GREFFE = PartyData(
    name="Greffe du tribunal de commerce de Paris",
    address="1 quai de la Corse",
    postcode="75004",
    city="Paris",
)


def notice(reason: str = "mail_uncollected", **changes: Any) -> GreffeNoticeData:
    fields: dict[str, Any] = {
        "reason": reason,
        "provider": provider(),
        "client": company(),
        "client_rcs_city": "Lyon",
        "greffe": GREFFE,
        "contract_reference": "D-000042",
        "address": "12 rue de la Chaussée-d'Antin",
        "postcode": "75009",
        "city": "Paris",
        "contract_start": date(2025, 3, 10),
        "signatory_name": "Hélène Lefèvre",
        "signatory_role": "présidente",
        "issued_at": datetime(2026, 12, 2, 8, 30, tzinfo=UTC),
        "place": "Paris",
    }
    if reason == "mail_uncollected":
        fields.update(
            last_acknowledged_on=date(2026, 8, 20),
            pieces_waiting=7,
            oldest_piece_on=date(2026, 8, 24),
            reminders=(date(2026, 10, 20), date(2026, 11, 20)),
        )
    else:
        fields.update(
            contract_end=date(2026, 11, 10),
            end_reason="résiliation par le domiciliataire pour défaut de paiement",
            end_effective_on=date(2026, 11, 30),
        )
    fields.update(changes)
    return GreffeNoticeData(**fields)


def text_of(data: GreffeNoticeData) -> str:
    return flat(pdf_text(render_greffe_notice(data)))


def test_uncollected_mail_states_the_facts_the_greffe_needs() -> None:
    text = text_of(notice())
    for fact in (
        # the recipient, the object, the legal ground
        "Greffe du tribunal de commerce de Paris 1 quai de la Corse 75004 Paris",
        "Objet : information du greffe – courrier non retiré depuis plus de trois mois – "
        "Cœur de Lyon Conseil (article R123-168 du Code de commerce)",
        "Réf. : contrat de domiciliation n° D-000042 – SIREN 890 123 458",
        "Madame, Monsieur le Greffier,",
        "titulaire de l’agrément préfectoral n° 2020-DOM-0042 délivré le 15 juin 2020 par la "
        "préfecture de police de Paris, et en application de l’article R123-168 du Code de "
        "commerce",
        # who, registered where, domiciled where, since when
        "la société Cœur de Lyon Conseil (SARL), immatriculée au registre du commerce et des "
        "sociétés de Lyon sous le numéro 890 123 458, représentée par Benoît Œhmichen",
        "domiciliée dans nos locaux au 12 rue de la Chaussée-d’Antin, 75009 Paris, en vertu du "
        "contrat de domiciliation n° D-000042 ayant pris effet le 10 mars 2025, n’a pas retiré "
        "son courrier depuis plus de trois mois.",
        # the mail: last collected, waiting, oldest, reminders
        "pour la dernière fois le 20 août 2026.",
        "7 plis qui lui sont adressés demeurent en instance dans nos locaux, le plus ancien "
        "ayant été reçu le 24 août 2026.",
        "Nous l’avons invitée à retirer son courrier par des relances adressées les "
        "20 octobre 2026 et 20 novembre 2026, restées sans effet.",
        # signed, with place and date
        "Fait à Paris, le 2 décembre 2026. Pour Bureaux Réunis Opéra Hélène Lefèvre présidente",
    ):
        assert fact in text, fact
    assert "fin du contrat" not in text


def test_the_end_of_the_contract_states_its_dates_and_reason() -> None:
    text = text_of(notice("contract_ended"))
    for fact in (
        "Objet : information du greffe – fin du contrat de domiciliation – Cœur de Lyon "
        "Conseil (article R123-168 du Code de commerce)",
        "nous vous informons de la fin du contrat de domiciliation n° D-000042 conclu avec la "
        "société Cœur de Lyon Conseil (SARL), immatriculée au registre du commerce et des "
        "sociétés de Lyon sous le numéro 890 123 458",
        "domiciliée dans nos locaux au 12 rue de la Chaussée-d’Antin, 75009 Paris, contrat qui "
        "avait pris effet le 10 mars 2025.",
        "Ce contrat a pris fin le 10 novembre 2026 pour le motif suivant : résiliation par le "
        "domiciliataire pour défaut de paiement.",
        "Cette fin a pris effet le 30 novembre 2026 : à compter de cette date, Cœur de Lyon "
        "Conseil n’est plus domiciliée à notre adresse",
        "Fait à Paris, le 2 décembre 2026.",
    ):
        assert fact in text, fact
    assert "plis" not in text
    assert "relance" not in text


def test_an_end_at_its_term_takes_effect_the_day_it_ends() -> None:
    text = text_of(notice("contract_ended", end_effective_on=None, end_reason="arrivée du terme"))
    assert "a pris fin le 10 novembre 2026 pour le motif suivant : arrivée du terme." in text
    assert "Cette fin a pris effet le 10 novembre 2026" in text


@pytest.mark.parametrize("reason", ["mail_uncollected", "contract_ended"])
def test_the_notice_is_a_pdf_a_3b_titled_with_the_client(reason: str) -> None:
    pdf = render_greffe_notice(notice(reason))
    xmp = check_pdf_a_3b(pdf)
    assert '<rdf:li xml:lang="x-default">Information du greffe – Cœur de Lyon Conseil' in xmp
    assert "<xmp:CreateDate>2026-12-02T08:30:00+00:00</xmp:CreateDate>" in xmp
    assert "<rdf:li>Bureaux Réunis Opéra</rdf:li>" in xmp
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert pdf == render_greffe_notice(notice(reason))  # same data, same bytes


def test_an_individual_without_siren_reads_as_a_person_being_registered() -> None:
    text = text_of(notice(client=individual(), client_rcs_city=None))
    assert (
        "nous vous informons que Zoé Martin, entrepreneur individuel exerçant sous le nom "
        "commercial « Atelier Zoé Martin », en cours d’immatriculation, domicilié dans nos "
        "locaux au 12 rue"
    ) in text
    assert (
        "courrier non retiré depuis plus de trois mois – Zoé Martin (Atelier Zoé Martin) "
        "(article R123-168"
    ) in text
    assert "Réf. : contrat de domiciliation n° D-000042 Madame" in text  # no SIREN to cite
    assert "Le domicilié a retiré son courrier" in text
    assert "Nous l’avons invité à retirer" in text
    assert "société" not in text.split("Madame, Monsieur le Greffier,")[1]
    ended = text_of(notice("contract_ended", client=individual(), client_rcs_city=None))
    assert "Zoé Martin n’est plus domicilié à notre adresse" in ended


def test_a_company_being_formed_and_one_known_by_siren_only() -> None:
    formed = text_of(notice(client=company_en_formation(), client_rcs_city=None))
    assert (
        "la société Étoile Numérique en formation (SAS en cours de constitution), représentée "
        "par son fondateur, Chloé Dubois-Garnier, en cours d’immatriculation, domiciliée"
    ) in formed
    by_siren = text_of(notice(client_rcs_city=None))
    assert "(SARL), immatriculée sous le numéro SIREN 890 123 458" in by_siren


def test_mail_never_collected_one_piece_and_no_reminder() -> None:
    text = text_of(
        notice(
            last_acknowledged_on=None,
            pieces_waiting=1,
            reminders=(),
            oldest_piece_on=date(2025, 4, 2),
        )
    )
    assert (
        "La société n’a ni retiré son courrier ni accusé réception de celui-ci depuis la prise "
        "d’effet du contrat, le 10 mars 2025."
    ) in text
    assert (
        "un pli qui lui est adressé demeure en instance dans nos locaux ; il a été reçu le "
        "2 avril 2025." in text
    )
    assert "Aucune relance ne lui a été adressée avant la présente information." in text
    one = text_of(notice(reminders=(date(2026, 11, 20),)))
    assert "par une relance adressée le 20 novembre 2026, restée sans effet." in one


def test_long_names_wrap_inside_the_margins() -> None:
    long_name = ("Compagnie Générale des Entreprises Artisanales et Commerciales du " * 4)[:200]
    data = notice(
        client=company(name=long_name, representative="Marie-Françoise de La Tour d’Auvergne"),
        greffe=GREFFE.model_copy(
            update={
                "name": "Greffe du tribunal de commerce de Paris " * 3,
                "address": "1 quai "
                "de la Corse\nBâtiment B, escalier 4, service des formalités et du RCS",
            }
        ),
        signatory_role="directrice générale déléguée aux opérations et à la conformité " * 2,
        dispatch="Lettre recommandée avec demande d’avis de réception n° 1A 234 567 8901 2",
    )
    pdf = render_greffe_notice(data)
    for run in text_runs(pdf):
        assert run.x >= 20 - 0.01, run
        assert run.x + run.width() <= 210 - 20 + 0.01, run
    text = flat(pdf_text(pdf))
    assert long_name.strip() in text  # whole, wrapped at spaces
    assert "Bâtiment B, escalier 4, service des formalités et du RCS 75004 Paris" in text
    assert "n° 1A 234 567 8901 2" in text


def test_facts_that_do_not_match_the_reason_are_refused() -> None:
    with pytest.raises(ValidationError, match="needs pieces_waiting, oldest_piece_on"):
        notice(pieces_waiting=None, oldest_piece_on=None)
    with pytest.raises(ValidationError, match="needs contract_end, end_reason"):
        notice("contract_ended", contract_end=None, end_reason=None, end_effective_on=None)
    with pytest.raises(ValidationError, match="does not take reminders"):
        notice("contract_ended", reminders=(date(2026, 11, 20),))
    with pytest.raises(ValidationError, match="does not take contract_end"):
        notice(contract_end=date(2026, 11, 10))


def test_dates_that_cannot_be_true_are_refused() -> None:
    with pytest.raises(ValidationError, match="less than 3 months before the notice"):
        notice(last_acknowledged_on=date(2026, 9, 3))
    with pytest.raises(ValidationError, match="less than 3 months before the notice"):
        notice(contract_start=date(2026, 10, 1), last_acknowledged_on=None)
    with pytest.raises(ValidationError, match="oldest first"):
        notice(reminders=(date(2026, 11, 20), date(2026, 10, 20)))
    with pytest.raises(ValidationError, match="reminders are sent after the last collection"):
        notice(reminders=(date(2026, 8, 1),))
    with pytest.raises(ValidationError, match="oldest_piece_on is outside"):
        notice(oldest_piece_on=date(2026, 12, 3))
    with pytest.raises(ValidationError, match="end_effective_on is before contract_end"):
        notice("contract_ended", end_effective_on=date(2026, 11, 1))
    with pytest.raises(ValidationError, match="contract_end is before contract_start"):
        notice("contract_ended", contract_end=date(2025, 1, 1), end_effective_on=None)
    # three months to the day is enough
    assert notice(last_acknowledged_on=date(2026, 9, 2)).pieces_waiting == 7


def test_a_provider_may_word_the_letter_its_own_way(tmp_path: Path) -> None:
    (tmp_path / "greffe_notice.html.j2").write_text(
        "<p>{{ client.name }} : {{ notice.pieces_waiting }} plis en attente depuis le "
        "{{ notice.oldest_piece_on|date_fr }}.</p>",
        encoding="utf-8",
    )
    text = flat(pdf_text(render_greffe_notice(notice(), template_dir=tmp_path)))
    assert "Cœur de Lyon Conseil : 7 plis en attente depuis le 24 août 2026." in text
    assert "Objet : information du greffe" in text  # drawn around the body
    assert "Nous restons à votre disposition" not in text
