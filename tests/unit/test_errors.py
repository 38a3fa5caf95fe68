"""The error tree: drawn as it is, and sentences that read well wherever domicili is embedded."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pytest

import domicili.errors
from domicili.cli import cli
from domicili.errors import (
    DatabaseMissing,
    DomiciliError,
    InvalidInput,
    InvalidTransition,
    NewerRevision,
    NotFound,
    OutOfScope,
    PaymentRefused,
    PieceNotFound,
    SignatureRefused,
    UnknownCode,
)
from domicili.statuses import Status
from domicili.store.sqlite import SQLiteStore
from domicili.testing import make_app, sample_answers, sample_pdf, sample_provider

if TYPE_CHECKING:
    from conftest import World

BUILTINS = {"LookupError": LookupError, "ValueError": ValueError}


def drawn_tree() -> dict[str, tuple[str | None, str | None]]:
    """class name → (parent drawn above it, builtin named beside it) from the docstring."""
    doc = domicili.errors.__doc__ or ""
    drawn: dict[str, tuple[str | None, str | None]] = {}
    parents: list[str] = []
    for line in doc.split("::", 1)[1].splitlines():
        found = re.match(r"^    ([│ ├└─]*)(\w+)(?: \((\w+)\))?", line)
        if not found:
            continue
        depth = len(found.group(1)) // 4
        name = found.group(2)
        del parents[depth:]
        drawn[name] = (parents[-1] if parents else None, found.group(3))
        parents.append(name)
    return drawn


def test_the_docstring_draws_every_error_under_its_parent() -> None:
    drawn = drawn_tree()
    assert set(drawn) == set(domicili.errors.__all__)
    for name, (parent, builtin) in drawn.items():
        cls = getattr(domicili.errors, name)
        if parent is None:
            assert cls is DomiciliError
            continue
        assert cls.__bases__[0] is getattr(domicili.errors, parent), name
        if builtin is not None:
            assert issubclass(cls, BUILTINS[builtin]), name


def test_an_error_carries_no_exit_code_the_command_line_decides() -> None:
    for name in domicili.errors.__all__:
        assert not hasattr(getattr(domicili.errors, name), "exit_code"), name


def _scoped_add(world: World) -> None:
    world.provider()
    app, _clock, _notifier = make_app(
        world.app.store.location, files=world.app.data_dir, provider=1
    )
    try:
        app.add_provider(**sample_provider(9))
    finally:
        app.close()


def _newer_revision(world: World) -> None:
    (dossier,) = world.demande()
    for version in ("v1", "v2"):
        world.app.add_justificatif(dossier, "identite", sample_pdf(version), f"{version}.pdf")
    world.app.review(dossier, validate=["identite"], seen={"identite": 1})


def _locked_code(world: World) -> None:
    dossier = world.accepted()
    world.app.record_payment(dossier, method="transfer")
    for _ in range(6):
        try:
            world.app.sign(dossier, "client", "000000")
        except SignatureRefused as exc:
            last = exc
    raise last


#: Refusals the command line used to word with its options and commands.
REFUSALS: dict[str, tuple[type[DomiciliError], Callable[[World], Any]]] = {
    "unknown dossier": (NotFound, lambda w: w.app.get_dossier(99)),
    "unknown provider": (NotFound, lambda w: w.app.get_provider(99)),
    "unknown invoice": (NotFound, lambda w: w.app.invoice_pdf("F2026-000099")),
    "no such file": (
        PieceNotFound,
        lambda w: w.app.justificatif_file(w.demande()[0], "kbis"),
    ),
    "a month out of range": (
        InvalidInput,
        lambda w: w.app.list_invoices(year=2026, month=13),
    ),
    "a month without its year": (InvalidInput, lambda w: w.app.list_invoices(month=3)),
    "a request to nobody": (
        InvalidInput,
        lambda w: w.app.create_demande(sample_answers(), to=[]),
    ),
    "a dismissal without a reason": (InvalidInput, lambda w: w.app.dismiss(w.demande()[0], " ")),
    "an invalidation without a reason": (
        InvalidInput,
        lambda w: w.app.review(w.demande()[0], invalidate={"identite": " "}),
    ),
    "nothing to save": (InvalidInput, lambda w: w.app.review(w.demande()[0])),
    "a credit note without a reason": (InvalidInput, lambda w: w.app.credit_note("F1", " ")),
    "a price cap of zero": (InvalidInput, lambda w: w.app.search(max_price_ht_cents=0)),
    "an unknown région": (UnknownCode, lambda w: w.app.search(region="99")),
    "a provider already registered": (
        InvalidInput,
        lambda w: [w.app.add_provider(**sample_provider(1)) for _ in range(2)],
    ),
    "a scoped instance registering a provider": (OutOfScope, _scoped_add),
    "a revision newer than the one reviewed": (NewerRevision, _newer_revision),
    "a locked signature code": (SignatureRefused, _locked_code),
    "nobody listed in a département": (
        DomiciliError,
        lambda w: w.app.listed_provider_ids("13"),
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refusal_names_no_command_line_option_or_command(file_world: World, case: str) -> None:
    kind, operation = REFUSALS[case]
    with pytest.raises(kind) as caught:
        operation(file_world)
    text = str(caught.value)
    assert "--" not in text
    assert "`" not in text
    commands = cli.list_commands(click.Context(cli))  # loaded on demand: not all in cli.commands
    assert commands
    assert not re.search(rf"\bdomicili ({'|'.join(commands)})\b", text), text
    assert text.endswith("."), text


def test_a_missing_database_is_named_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(DatabaseMissing) as caught:
        SQLiteStore(path, create=False)
    assert str(caught.value) == f"No database at {path}."
    assert caught.value.path == str(path)


def test_a_refused_transition_carries_the_dossier_status_and_trigger(world: World) -> None:
    (dossier,) = world.demande()
    with pytest.raises(InvalidTransition) as caught:
        world.app.reactivate(dossier)
    err = caught.value
    assert (err.dossier_id, err.status, err.trigger) == (
        dossier,
        Status.PENDING_REVIEW,
        "reactivate",
    )
    assert err.allowed == ["accept", "dismiss"]


def test_a_wrong_amount_carries_both_figures(world: World) -> None:
    dossier = world.accepted()
    due = world.app.get_dossier(dossier).dossier.amount_due_cents
    with pytest.raises(PaymentRefused) as caught:
        world.app.record_payment(dossier, method="transfer", amount_cents=due - 1)
    assert (caught.value.dossier_id, caught.value.amount_cents, caught.value.due_cents) == (
        dossier,
        due - 1,
        due,
    )


def test_a_field_rule_of_an_answer_keeps_its_value_when_anchored_on_its_path(
    world: World,
) -> None:
    provider = world.provider()
    answers = sample_answers()
    answers["client"]["representative"]["phone"] = "12 34"
    with pytest.raises(InvalidInput) as caught:
        world.app.create_demande(answers, to=[provider])
    assert caught.value.field == "client.representative.phone"
    assert caught.value.value == "12 34"


def test_an_invoice_period_names_the_month_and_its_bounds(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.app.export_invoices(Path("x"), year=2026, month=0)
    assert (caught.value.field, caught.value.value, caught.value.limit) == ("month", 0, (1, 12))
