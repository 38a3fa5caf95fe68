"""The library's sentences in French: a refusal of each family, and every error class."""

from __future__ import annotations

import inspect
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili import errors
from domicili.errors import (
    DatabaseError,
    DomiciliError,
    DossierNotFound,
    InvalidInput,
    InvalidTransition,
    PaymentRefused,
    Refused,
    SignatureRefused,
    StoredFileAltered,
)
from domicili.french import format_eur
from domicili.i18n import _, speaking
from domicili.store.migrations import MIGRATIONS
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import World

#: Words that give an English sentence away (none of them is French).
ENGLISH = {"not", "the", "found", "cannot", "is"}


def english_words(sentence: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", sentence)} & ENGLISH


def refusal(kind: type[DomiciliError], action: Any, *args: Any, **kwargs: Any) -> str:
    with speaking("fr"), pytest.raises(kind) as refused:
        action(*args, **kwargs)
    return str(refused.value)


def test_a_refusal_of_each_family_reads_in_french(world: World) -> None:
    app = world.app
    assert refusal(DossierNotFound, app.get_dossier, 99) == "Dossier 99 introuvable."

    (dossier_id,) = world.demande()
    assert refusal(InvalidInput, app.dismiss, dossier_id, "  ") == (
        "Le client n’en connaît jamais la raison, mais un classement sans suite a besoin "
        "d’un motif interne."
    )
    assert refusal(InvalidInput, app.review, dossier_id) == (
        "Rien à enregistrer : validez ou invalidez au moins une pièce."
    )

    paid = world.accepted()
    due = format_eur(app.get_dossier(paid).dossier.amount_due_cents)
    assert refusal(PaymentRefused, app.record_payment, paid, method="transfer", amount_cents=1) == (
        f"Dossier {paid} : {format_eur(1)} ne correspond pas aux {due} dus ; "
        "rien n’a été enregistré."
    )
    app.record_payment(paid, method="transfer")
    assert refusal(SignatureRefused, app.sign, paid, "client", "000000").startswith(
        f"Code erroné pour le client du dossier {paid} ; il reste "
    )
    assert refusal(InvalidTransition, app.accept, paid) == (
        f"Le dossier {paid} est au statut S3 (Payé – contrat en attente de "
        "signature) : accept n’est pas permis ; permis à partir d’ici : sign."
    )

    app.dismiss(dossier_id, "Capacité d’accueil atteinte")
    sent = refusal(Refused, app.add_justificatif, dossier_id, "kbis", sample_pdf("kbis"), "k.pdf")
    assert sent == (
        f"Le dossier {dossier_id} est au statut S7 (Classé sans suite) : "
        "il ne prend plus de pièces."
    )


def test_database_and_stored_file_refusals_read_in_french(tmp_path: Path) -> None:
    db = tmp_path / "domicili.db"
    app, _clock, _notifier = make_app(db)
    with app:
        provider = app.add_provider(**sample_provider(1))
        _client, (dossier,) = app.create_demande(sample_answers(), to=[provider.id or 0])
        app.add_justificatif(dossier.id or 0, "identite", sample_pdf("identite"), "id.pdf")
        view = next(p for p in app.justificatifs(dossier.id or 0) if p.sha256)
        assert view.sha256 is not None
        app.ctx.files.path(view.sha256).write_bytes(b"%PDF-1.4 altered")
        altered = refusal(StoredFileAltered, app.justificatif_file, dossier.id or 0, view.kind)
        assert altered.startswith("Le fichier conservé ")
        assert altered.endswith("a été modifié après sa conservation ; il n’est pas servi.")

    future = MIGRATIONS[-1].number + 1
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO migrations (id, name, applied_at) VALUES (?, 'x', 'x')", (future,)
        )
    conn.close()
    newer = refusal(DatabaseError, make_app, db)
    assert newer == (
        f"{db} a été écrite par un domicili plus récent (schéma {future}, celui-ci connaît "
        f"{MIGRATIONS[-1].number}) ; mettez domicili à jour pour l’utiliser."
    )


def test_a_pydantic_check_reads_in_french(world: World) -> None:
    provider = world.provider()
    answers = sample_answers()
    del answers["client"]["email"]
    with speaking("fr"), pytest.raises(InvalidInput) as missing:
        world.app.create_demande(answers, to=[provider])
    assert str(missing.value) == "answers : client.email : ce champ est requis."
    answers = sample_answers(name="x" * 501)
    with speaking("fr"), pytest.raises(InvalidInput) as too_long:
        world.app.create_demande(answers, to=[provider])
    assert str(too_long.value) == "answers : client.name : doit avoir au plus 500 caractères."


#: Sample arguments by parameter name, for the classes that make their own sentence.
SAMPLES: dict[str, Any] = {
    "provider_id": 3,
    "dossier_id": 7,
    "offer_id": 2,
    "number": "F2026-000001",
    "payment_id": 5,
    "piece_id": 12,
    "message_id": 12,
    "kind": "kbis",
    "revision": 2,
    "seen": 1,
    "status": "awaiting_payment",
    "label": "Accepté – en attente du premier paiement",
    "trigger": "pay",
    "allowed": ["dismiss", "expire"],
    "problems": {"identite": "missing"},
    "path": "/srv/domicili/domicili.db",
    "sha256": "ab" * 32,
    "reference": "D-000001",
    "provider": "Domiciliation Lumière",
    "client": "Atelier Lumière",
}


def own_sentence_classes() -> list[type[DomiciliError]]:
    """The error classes whose constructor writes the sentence (no ``message`` argument)."""
    found = []
    for name in errors.__all__:
        cls = getattr(errors, name)
        params = inspect.signature(cls.__init__).parameters
        if "message" not in params:
            found.append(cls)
    return found


def construct(cls: type[DomiciliError]) -> list[DomiciliError]:
    params = inspect.signature(cls.__init__).parameters
    kwargs: dict[str, Any] = {}
    for name, param in params.items():
        if name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        if name == "rows":
            kwargs[name] = [(2, "siren : '123' n’est pas un SIREN valide")] * 6
        elif name == "reason":
            kwargs[name] = _("its agrément is suspended")
        elif name in SAMPLES:
            kwargs[name] = SAMPLES[name]
        elif param.default is inspect.Parameter.empty:
            raise AssertionError(f"no sample for {cls.__name__}({name})")
    made = [cls(**kwargs)]
    for flag in ("missing",):  # each wording of a class with a choice of sentences
        if flag in params:
            made.append(cls(**kwargs, **{flag: True}))
    if "revision" in params:
        made.append(cls(**{**kwargs, "revision": None}))
    if "allowed" in params:
        made.append(cls(**{**kwargs, "allowed": []}))
    return made


def test_every_error_that_writes_its_own_sentence_writes_it_in_french() -> None:
    classes = own_sentence_classes()
    names = {c.__name__ for c in classes}
    # Every family is walked (a class given a ``message`` argument is the caller's words).
    assert {
        "ProviderNotFound",
        "DossierNotFound",
        "PieceNotFound",
        "ImportRowsError",
        "InvalidTransition",
        "MissingJustificatifs",
        "NewerRevision",
        "DuplicateRequest",
        "AgrementInvalid",
        "DatabaseMissing",
        "StoredFileAltered",
    } <= names
    with speaking("fr"):
        for cls in classes:
            for error in construct(cls):
                sentence = str(error)
                assert not english_words(sentence), (cls.__name__, sentence)
    with speaking("en"):  # and the words the check looks for are there in English
        found = {w for cls in classes for e in construct(cls) for w in english_words(str(e))}
    assert {"not", "found", "cannot", "is"} <= found


def test_a_plugin_that_does_not_fit_is_refused_in_french() -> None:
    from domicili.adapters import load_adapter, load_payment_gateway
    from domicili.config import PaymentSettings
    from domicili.errors import ConfigError

    assert refusal(ConfigError, load_adapter, "domicili.signatures", "qualifiee") == (
        "'qualifiee' n’est pas installé comme méthode de signature ; méthodes de signature "
        "disponibles : otp."
    )
    unknown = refusal(ConfigError, load_payment_gateway, PaymentSettings(gateway="bitcoin"))
    assert unknown.startswith("'bitcoin' n’est pas installé comme prestataire de paiement ; ")
    assert english_words(unknown) == set()


def test_a_day_the_calendar_does_not_have_reads_in_french() -> None:
    from pydantic import BaseModel, ValidationError

    from domicili.service.errors import from_validation

    class Start(BaseModel):
        start_date: date

    with pytest.raises(ValidationError) as invalid:
        Start.model_validate({"start_date": "2022-02-30"})
    with speaking("fr"):
        said = str(from_validation(invalid.value))
    assert said == "start_date : '2022-02-30' n’est pas un jour du calendrier."
