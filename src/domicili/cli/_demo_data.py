"""The records ``domicili demo`` registers: three providers, their offers, one client."""

from __future__ import annotations

from typing import Any

__all__ = ["COMPANY_ANSWERS", "OFFERS", "PROVIDERS"]


COMPANY_ANSWERS = {
    "client": {
        "kind": "company",
        "name": "Atelier Lumière",
        "legal_form": "SAS",
        "en_formation": True,
        "activity": "Conception d'éclairages sur mesure",
        "email": "contact@atelier-lumiere.fr",
        "phone": "06 12 34 56 78",
        "representative": {
            "first_name": "Camille",
            "last_name": "Durand",
            "email": "camille.durand@example.fr",
            "phone": "06 12 34 56 78",
            "address": "12 rue des Lilas",
            "postcode": "69003",
            "city": "Lyon",
        },
        "beneficial_owners": [
            {"first_name": "Camille", "last_name": "Durand", "share_percent": 60},
            {"first_name": "Louis", "last_name": "Martin", "share_percent": 40},
        ],
    },
}

PROVIDERS: list[dict[str, Any]] = [
    dict(
        name="Lumière Domiciliation",
        legal_form="SAS",
        representative="Claire Martin",
        siren="732829320",
        agrement_numero="2024-075-0042",
        agrement_prefecture="Préfecture de police de Paris",
        agrement_date="2024-01-15",
        address="10 rue de Rivoli",
        postcode="75004",
        city="Paris",
        email="contact@lumiere-domiciliation.fr",
        phone="01 42 00 00 00",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    ),
    dict(
        name="Seine Sièges",
        legal_form="SARL",
        representative="Hugo Bernard",
        siren="552100554",
        agrement_numero="92-2023-117",
        agrement_prefecture="Préfecture des Hauts-de-Seine",
        agrement_date="2023-06-01",
        address="45 avenue du Général Leclerc",
        postcode="92100",
        city="Boulogne-Billancourt",
        email="bonjour@seine-sieges.fr",
        phone="06 70 00 00 00",
        departements=["92", "75"],
        services=["domiciliation", "numerisation", "reexpedition", "salle_reunion"],
    ),
    dict(
        name="Rhône Sièges",
        legal_form="SAS",
        siren="404833048",
        agrement_numero="69-2019-044",
        agrement_prefecture="Préfecture du Rhône",
        agrement_date="2019-03-01",
        address="8 quai Victor Augagneur",
        postcode="69003",
        city="Lyon",
        email="contact@rhone-sieges.fr",
        phone="04 72 00 00 00",
    ),
]

#: provider index → offers it publishes
OFFERS: dict[int, list[dict[str, Any]]] = {
    0: [
        dict(
            name="Essentiel",
            price_ht_cents=2900,
            period="month",
            commitment_months=3,
            services=["domiciliation"],
            setup_fee_cents=0,
        ),
        dict(
            name="Courrier scanné",
            price_ht_cents=11700,
            period="quarter",
            commitment_months=3,
            services=["domiciliation", "numerisation"],
            setup_fee_cents=5000,
        ),
    ],
    1: [
        dict(
            name="Sérénité",
            price_ht_cents=3250,
            period="month",
            commitment_months=12,
            services=["domiciliation", "numerisation", "reexpedition"],
            setup_fee_cents=0,
        )
    ],
    2: [
        dict(
            name="Lyon Centre",
            price_ht_cents=2500,
            period="month",
            commitment_months=6,
            services=["domiciliation"],
            setup_fee_cents=0,
        )
    ],
}
