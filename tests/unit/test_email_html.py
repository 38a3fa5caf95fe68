"""The HTML part of an email: the text's paragraphs, lists, commands and links, in French
typography, escaped; the text part keeps plain spaces and one apostrophe style."""

from __future__ import annotations

import pytest

from domicili.messages import MessageRenderer, apostrophes, french_typography, html_blocks
from domicili.models import Provider
from domicili.testing import sample_provider

pytestmark = pytest.mark.one_store

NBSP, NNBSP = "\u00a0", "\u202f"


def test_french_typography_puts_no_break_spaces_where_french_wants_them() -> None:
    assert french_typography("Montant : 12 € ; payé ? oui ! « tout » l'ordre") == (
        f"Montant{NBSP}: 12 €{NNBSP}; payé{NNBSP}? oui{NNBSP}! «{NBSP}tout{NBSP}» l’ordre"
    )
    assert apostrophes("aujourd'hui, l'adresse 'citée'") == "aujourd’hui, l’adresse 'citée'"


def test_wrapped_sentences_are_joined_and_labelled_lines_kept_apart() -> None:
    text = (
        "Bonjour Camille,\n\n"
        "Bonne nouvelle : Lumière accepte de domicilier Atelier Lumière (en formation) au\n"
        "10 rue de Rivoli.\n\n"
        "Montant : 126,00 €\nÀ régler au plus tard le : lundi 9 mars 2026\n\n"
        "Pièces :\n  - Statuts : invalidé\n      Motif : illisible\n  - Kbis : à fournir\n\n"
        "  domicili dossier accept 1\n\n"
        "Cordialement,\n-- \nLumière\n"
    )
    assert html_blocks(text) == [
        {"kind": "p", "lines": ["Bonjour Camille,"]},
        {
            "kind": "p",
            "lines": [
                "Bonne nouvelle : Lumière accepte de domicilier Atelier Lumière (en formation) "
                "au 10 rue de Rivoli."
            ],
        },
        {
            "kind": "p",
            "lines": ["Montant : 126,00 €", "À régler au plus tard le : lundi 9 mars 2026"],
        },
        {"kind": "p", "lines": ["Pièces :"]},
        {
            "kind": "ul",
            "lines": [["Statuts : invalidé", "Motif : illisible"], ["Kbis : à fournir"]],
        },
        {"kind": "pre", "lines": ["domicili dossier accept 1"]},
        {"kind": "p", "lines": ["Cordialement,"]},
    ]  # the signature is the layout's footer


def test_the_layout_escapes_what_a_client_wrote_and_links_addresses() -> None:
    renderer = MessageRenderer()
    provider = Provider.model_validate(sample_provider(1) | {"id": 1})
    html = renderer._html(
        "Sujet",
        "Payer en ligne : https://paiement.example.fr/checkout/abc?x=1&y=2.\n"
        "Message : <script>alert('x')</script>\n",
        {"provider": provider, "logo_cid": None},
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert (
        '<a href="https://paiement.example.fr/checkout/abc?x=1&amp;y=2">'
        "https://paiement.example.fr/checkout/abc?x=1&amp;y=2</a>." in html
    )
    assert f"Payer en ligne{NBSP}: " in html
    assert "<img" not in html  # no logo configured
    assert "agrément n°" in html


def test_a_text_email_has_one_apostrophe_style_and_an_sms_keeps_its_alphabet() -> None:
    renderer = MessageRenderer()
    provider = Provider.model_validate(sample_provider(1) | {"id": 1})
    context = {
        "provider": provider,
        "dossier": {"reference": "D-000001"},
        "amount_due": "126,00 €",
        "deadline": "lundi 9 mars 2026",
        "days_left": 0,
        "payment_instructions": "Par virement à l'ordre de Lumière",
        "client": {"representative": {"first_name": "Camille", "last_name": "Durand"}},
    }
    email = renderer.render("payment_reminder", "email", **context)
    assert "Dernier jour : aujourd’hui, lundi 9 mars 2026." in email.body
    assert "à l’ordre de Lumière" in email.body
    assert "'" not in email.body
    assert email.html is not None
    assert f"Dernier jour{NBSP}: aujourd’hui" in email.html
    sms = renderer.render("payment_reminder", "sms", **context)
    assert "dernier jour aujourd'hui" in sms.body
