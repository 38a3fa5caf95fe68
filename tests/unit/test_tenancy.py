"""Tenancy: a facade scoped to one provider sees another provider's dossier as not found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domicili.app import Domicili
from domicili.errors import DossierNotFound, ProviderNotFound
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import StoreChoice

#: A database and its files folder.
Target = tuple[str, Path | None]


@pytest.fixture
def two_providers(store: StoreChoice) -> Iterator[tuple[Target, dict[int, int]]]:
    """A database with two providers, one dossier each; yields ((db, files), provider → dossier)."""
    db, files = store.shared("cabinets.db")
    app, _clock, _notifier = make_app(db, files=files)
    with app:
        mine = app.add_provider(**sample_provider(1))
        theirs = app.add_provider(**sample_provider(2))
        _client, dossiers = app.create_demande(sample_answers(), to=[mine.id or 0, theirs.id or 0])
        yield (db, files), {d.provider_id: d.id or 0 for d in dossiers}


def scoped(target: Target, provider: int) -> Domicili:
    app, _clock, _notifier = make_app(target[0], files=target[1], provider=provider)
    return app


OPERATIONS = {
    "show": lambda app, d: app.get_dossier(d),
    "accept": lambda app, d: app.accept(d),
    "dismiss": lambda app, d: app.dismiss(d, "Doublon"),
    "reactivate": lambda app, d: app.reactivate(d),
    "add piece": lambda app, d: app.add_justificatif(d, "identite", sample_pdf("x"), "x.pdf"),
    "list pieces": lambda app, d: app.justificatifs(d),
    "review": lambda app, d: app.review(d, validate=["identite"]),
    "outbox": lambda app, d: app.outbox(dossier_id=d),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_another_providers_dossier_is_not_found(
    two_providers: tuple[Target, dict[int, int]], operation: str
) -> None:
    target, dossiers = two_providers
    with scoped(target, 1) as app:
        with pytest.raises(DossierNotFound, match=f"Dossier {dossiers[2]} not found"):
            OPERATIONS[operation](app, dossiers[2])
        assert app.store.events(dossiers[2])[-1].type == "dossier.submit"


def test_a_scoped_facade_lists_only_its_own_records(
    two_providers: tuple[Target, dict[int, int]],
) -> None:
    target, dossiers = two_providers
    with scoped(target, 2) as app:
        assert [d.id for d in app.list_dossiers()] == [dossiers[2]]
        assert [p.id for p in app.list_providers()] == [2]
        assert {m.dossier_id for m in app.outbox()} == {dossiers[2]}
        assert app.get_dossier(dossiers[2]).dossier.provider_id == 2


def test_a_scoped_facade_cannot_send_a_request_to_another_provider(
    two_providers: tuple[Target, dict[int, int]],
) -> None:
    target, _dossiers = two_providers
    with scoped(target, 1) as app:
        with pytest.raises(ProviderNotFound):
            app.create_demande(sample_answers(), to=[2])
        with pytest.raises(ProviderNotFound):
            app.get_provider(2)
        assert len(app.list_dossiers()) == 1


def test_scoping_to_an_unknown_provider_is_refused_at_once(
    two_providers: tuple[Target, dict[int, int]],
) -> None:
    target, _dossiers = two_providers
    with pytest.raises(ProviderNotFound, match="Provider 7 not found"):
        scoped(target, 7)
