"""The contract and the attestation, read back from the PDF as a person would read them."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from document_samples import (
    PROVIDER_SIREN,
    SCANNING,
    SERVICES,
    attestation,
    company,
    company_en_formation,
    contract,
    flat,
    individual,
    pdf_text,
    provider,
)
from pydantic import ValidationError
from pypdf import PdfReader

from domicili.documents import render_attestation, render_contract
from domicili.documents.contract import add_months
from domicili.errors import TemplateError
from domicili.money import vat_rule_for_departement

pytestmark = pytest.mark.one_store  # no database


def test_contract_names_the_agrement_and_both_sirens() -> None:
    text = flat(pdf_text(render_contract(contract())))
    assert "agrément préfectoral de domiciliation n° 2020-DOM-0042" in text
    assert "délivré le 15 juin 2020 par la préfecture de police de Paris" in text
    assert "immatriculée sous le numéro RCS Paris 123 456 782" in text
    assert "SIREN 890 123 458" in text
    assert "CONTRAT DE DOMICILIATION" in text


def test_contract_has_the_numbered_articles_in_order() -> None:
    text = flat(pdf_text(render_contract(contract())))
    titles = [
        "Article 1 – Objet",
        "Article 2 – Durée",
        "Article 3 – Préavis",
        "Article 4 – Obligations du Domiciliataire",
        "Article 5 – Obligations du Domicilié",
        "Article 6 – Mandat de recevoir les notifications",
        "Article 7 – Services courrier",
        "Article 8 – Prix et modalités de paiement",
        "Article 9 – Résiliation",
        "Article 10 – Données personnelles",
    ]
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "R123-168, 1°" in text
    assert "R123-168, 2°" in text
    assert "cinq ans après sa fin (article L561-12" in text
    assert "recevoir en son nom toute notification" in text


def test_contract_pages_are_numbered_page_n_of_total() -> None:
    pdf = render_contract(contract())
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in page.extract_text()


def test_contract_states_term_renewal_notice_and_first_term_end() -> None:
    text = flat(pdf_text(render_contract(contract(term_months=12, notice_months=2))))
    assert "pour une durée de 12 mois, soit jusqu’au 9 mars 2026 inclus" in text
    assert "par tacite reconduction" in text
    assert "préavis de 2 mois" in text


def test_contract_without_tacit_renewal_says_so() -> None:
    text = flat(pdf_text(render_contract(contract(tacit_renewal=False))))
    assert "sans reconduction tacite" in text
    assert "par tacite reconduction" not in text


def test_contract_shorter_than_three_months_is_refused() -> None:
    with pytest.raises(ValidationError, match="term_months"):
        contract(term_months=2)


def test_mail_opening_permission_only_when_scanning_is_chosen() -> None:
    with_scan = flat(pdf_text(render_contract(contract(services=(*SERVICES, SCANNING)))))
    without = flat(pdf_text(render_contract(contract(services=SERVICES))))
    assert "autorise expressément le Domiciliataire à ouvrir les plis" in with_scan
    assert "226-15 du Code pénal" in with_scan
    assert "autorise expressément" not in without
    assert "226-15" not in without
    assert "n’ouvre pas le courrier du Domicilié" in without


def test_company_en_formation_signs_through_its_founder() -> None:
    data = contract(client=company_en_formation())
    text = flat(pdf_text(render_contract(data)))
    assert "la société Étoile Numérique en formation" in text
    assert "pour le compte de la société Étoile Numérique en formation" in text
    assert "Chloé Dubois-Garnier, fondateur" in text
    assert "extrait d’immatriculation (Kbis) dans un délai de 3 mois" in text


def test_company_reports_changes_of_form_purpose_and_managers() -> None:
    text = flat(pdf_text(render_contract(contract(client=company()))))
    assert "forme juridique, à son objet, ainsi qu’aux nom et domicile personnel" in text
    assert "changement de son domicile personnel" not in text


def test_individual_reports_a_change_of_home_address() -> None:
    text = flat(pdf_text(render_contract(contract(client=individual()))))
    assert "l’informer de tout changement de son domicile personnel" in text
    assert "entrepreneur individuel" in text
    assert "Le Domicilié" in text


def test_price_shows_ht_vat_and_ttc() -> None:
    text = flat(pdf_text(render_contract(contract(price_ht_cents=123_456))))
    assert "1 234,56 € HT par mois" in text
    assert "246,91 € de TVA au taux de 20 %" in text
    assert "1 481,47 € TTC" in text


def test_reduced_rate_overseas() -> None:
    data = contract(
        provider=provider(postcode="97400", city="Saint-Denis"), vat=vat_rule_for_departement("974")
    )
    assert "au taux de 8,5 %" in flat(pdf_text(render_contract(data)))


def test_vat_not_applied_prints_the_legal_mention() -> None:
    data = contract(vat=vat_rule_for_departement("973"))
    text = flat(pdf_text(render_contract(data)))
    assert "TVA non applicable, art. 294-1° du CGI" in text
    assert "TTC" not in text


def test_signature_blocks_say_where_and_when() -> None:
    text = flat(pdf_text(render_contract(contract())))
    assert "Fait à Paris, le 3 mars 2025, en deux exemplaires originaux." in text
    assert "Pour le Domiciliataire" in text
    assert "Pour le Domicilié" in text


def test_names_beyond_the_fonts_are_drawn_as_plain_letters() -> None:
    data = contract(client=company(name="Nguyễn Trading 株式会社", representative="Đặng Thu"))
    text = flat(pdf_text(render_contract(data)))
    assert "Nguyen Trading ????" in text


def test_attestation_for_a_company_en_formation() -> None:
    pdf = render_attestation(attestation())
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = flat(pdf_text(pdf))
    assert "ATTESTATION DE DOMICILIATION" in text
    assert "agrément préfectoral de domiciliation n° 2020-DOM-0042" in text
    assert "RCS Paris 123 456 782" in text
    assert "la société Étoile Numérique en formation" in text
    assert "Chloé Dubois-Garnier, son fondateur" in text
    assert "12 rue de la Chaussée-d’Antin 75009 Paris" in text
    assert "durée de 6 mois à compter du 10 mars 2025" in text
    assert "permettre l’immatriculation de la société Étoile Numérique" in text
    assert "Fait à Paris, le 3 mars 2025." in text
    assert "Page 1 / 1" in text


def test_attestation_for_a_registered_company() -> None:
    text = flat(pdf_text(render_attestation(attestation(client=company()))))
    assert "SIREN 890 123 458" in text
    assert "servir et valoir ce que de droit" in text
    assert "en formation" not in text


def test_template_override_replaces_only_the_named_file(tmp_path: Path) -> None:
    (tmp_path / "contract.html.j2").write_text(
        "<p>Contrat maison pour {{ client.name }}, agrément {{ provider.agrement_numero }}.</p>",
        encoding="utf-8",
    )
    text = flat(pdf_text(render_contract(contract(), template_dir=tmp_path)))
    assert "Contrat maison pour Cœur de Lyon Conseil, agrément 2020-DOM-0042." in text
    assert "Article 1" not in text
    # the attestation keeps the packaged template
    assert "ATTESTATION" in pdf_text(render_attestation(attestation(), template_dir=tmp_path))


def test_override_may_reuse_the_packaged_macros(tmp_path: Path) -> None:
    (tmp_path / "attestation.html.j2").write_text(
        '{% from "_parties.html.j2" import client_designation %}'
        "<p>Nous domicilions {{ client_designation(client) }}.</p>",
        encoding="utf-8",
    )
    text = flat(pdf_text(render_attestation(attestation(), template_dir=tmp_path)))
    assert "Nous domicilions la société Étoile Numérique en formation" in text


def test_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "contract.html.j2").write_text(
        "<p>un</p>\n<p>deux</p>\n<p>{% if client.name %}trois</p>\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError) as caught:
        render_contract(contract(), template_dir=tmp_path)
    message = str(caught.value)
    assert "contract.html.j2" in message
    assert "line 3" in message or "line 4" in message


def test_undefined_variable_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "contract.html.j2").write_text(
        "<p>un</p>\n<p>deux</p>\n<p>{{ client.shoe_size }}</p>\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError) as caught:
        render_contract(contract(), template_dir=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "contract.html.j2") in message
    assert "line 3" in message
    assert "shoe_size" in message


def test_missing_template_folder_overrides_nothing(tmp_path: Path) -> None:
    data = contract()
    assert render_contract(data, template_dir=tmp_path / "absent") == render_contract(data)


def test_add_months_clamps_to_the_end_of_month() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 10), 12) == date(2026, 3, 10)


def test_provider_siren_is_printed_grouped() -> None:
    assert PROVIDER_SIREN == "123456782"
    assert "123 456 782" in pdf_text(render_attestation(attestation()))


def test_names_are_escaped_not_read_as_markup() -> None:
    data = contract(client=company(name="Durand & Fils <b>Conseil</b>"))
    text = flat(pdf_text(render_contract(data)))
    assert "Durand & Fils <b>Conseil</b>" in text


def test_a_long_client_name_is_shortened_in_the_footer_only() -> None:
    name = "Société Coopérative d’Intérêt Collectif des Artisans Réunis " * 3
    pdf = render_contract(contract(client=company(name=name.strip())))
    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    footer = next(line for line in first.splitlines() if "Contrat de domiciliation n°" in line)
    assert "…" in footer
    assert "Page 1 /" in first
    assert name.strip() in flat(pdf_text(pdf))
