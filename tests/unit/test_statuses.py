"""The status table of a dossier: the data of DESIGN.md §2 and the machine built from it."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from domicili.errors import InvalidTransition
from domicili.statuses import (
    FLAGS,
    INITIAL,
    STATUSES,
    TRANSITIONS,
    Status,
    allowed_triggers,
    build_machine,
    fire,
    mermaid,
    parse_status,
)

if TYPE_CHECKING:
    from conftest import World

#: DESIGN.md §2, copied by hand: the code must agree with the page people read.
DESIGN_STATUSES = [
    ("S0", "draft", "Brouillon"),
    ("S1", "pending_review", "En attente d'acceptation ou de classement"),
    ("S2", "awaiting_payment", "Accepté – en attente du premier paiement"),
    ("S3", "awaiting_signature", "Payé – contrat en attente de signature"),
    ("S4", "active", "Domiciliation en cours"),
    ("S5", "termination_scheduled", "Résiliation programmée"),
    ("S6", "terminated", "Terminé"),
    ("S7", "dismissed", "Classé sans suite"),
    ("S8", "expired", "Expiré"),
]

DESIGN_EDGES = {
    ("submit", "S0", "S1"),
    ("accept", "S1", "S2"),
    ("dismiss", "S1", "S7"),
    ("dismiss", "S2", "S7"),
    ("pay", "S2", "S3"),
    ("expire", "S2", "S8"),
    ("reactivate", "S8", "S2"),
    ("sign", "S3", "S4"),
    ("schedule_termination", "S4", "S5"),
    ("cancel_termination", "S5", "S4"),
    ("terminate", "S5", "S6"),
    ("terminate", "S4", "S6"),
}

TRIGGERS = sorted({t for t, _, _ in DESIGN_EDGES})

#: What each status means (DESIGN.md §1–§3), copied by hand: flag → the statuses that have it.
DESIGN_FLAGS = {
    # pieces are sent and reviewed from the request until the end of the contract
    "open_for_review": {"S1", "S2", "S3", "S4", "S5"},
    # the 7-day window: reminders, expiry, card link
    "first_payment_due": {"S2"},
    # paid: awaiting signature, active, ending or ended
    "first_payment_received": {"S3", "S4", "S5", "S6"},
    # the first invoice is issued as the payment is applied (S2), then the contract's
    "may_be_invoiced": {"S2", "S3", "S4", "S5"},
    # every status but a draft and a dossier closed sans suite has terms to draw up
    "contract_may_be_drawn": {"S1", "S2", "S3", "S4", "S5", "S6", "S8"},
    "open_for_signature": {"S3"},
    # both parties signed, not ended yet: the attestation can be issued
    "in_force": {"S4", "S5"},
    # terminate: "mail no longer accepted"
    "accepts_mail": {"S4", "S5"},
    "terminal": {"S6", "S7"},
}


def _by_code(code: str) -> Status:
    return next(s for s in Status if s.code == code)


@pytest.mark.parametrize(("code", "name", "label"), DESIGN_STATUSES)
def test_each_status_has_the_code_name_and_label_of_the_design(
    code: str, name: str, label: str
) -> None:
    status = Status(name)
    assert status.code == code
    assert status.label == label
    assert (STATUSES[status].code, STATUSES[status].label) == (code, label)


def test_there_are_exactly_the_nine_statuses_of_the_design() -> None:
    assert [(s.code, s.value) for s in Status] == [(c, n) for c, n, _ in DESIGN_STATUSES]


def test_transition_table_is_exactly_the_design_table() -> None:
    edges = {(t.trigger, src.code, t.dest.code) for t in TRANSITIONS for src in t.sources}
    assert edges == DESIGN_EDGES


@pytest.mark.parametrize(("trigger", "source", "dest"), sorted(DESIGN_EDGES))
def test_fire_follows_each_edge_of_the_table(trigger: str, source: str, dest: str) -> None:
    assert fire(_by_code(source), trigger) is _by_code(dest)


def test_fire_refuses_every_pair_the_table_does_not_have() -> None:
    allowed = {(t, s) for t, s, _ in DESIGN_EDGES}
    refused = 0
    for status, trigger in itertools.product(Status, TRIGGERS):
        if (trigger, status.code) in allowed:
            continue
        with pytest.raises(LookupError):
            fire(status, trigger)
        refused += 1
    assert refused == len(Status) * len(TRIGGERS) - len(DESIGN_EDGES)


@pytest.mark.parametrize("trigger", ["to_active", "to_awaiting_payment", "set_state", "nope"])
def test_fire_offers_no_way_around_the_table(trigger: str) -> None:
    with pytest.raises(LookupError):
        fire(Status.PENDING_REVIEW, trigger)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.DRAFT, ["submit"]),
        (Status.PENDING_REVIEW, ["accept", "dismiss"]),
        (Status.AWAITING_PAYMENT, ["dismiss", "pay", "expire"]),
        (Status.EXPIRED, ["reactivate"]),
        (Status.DISMISSED, []),
        (Status.TERMINATED, []),
    ],
)
def test_allowed_triggers_lists_what_the_table_allows(status: Status, expected: list[str]) -> None:
    assert allowed_triggers(status) == expected


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("S1", Status.PENDING_REVIEW),
        ("s8", Status.EXPIRED),
        (" pending_review ", Status.PENDING_REVIEW),
        ("AWAITING_PAYMENT", Status.AWAITING_PAYMENT),
    ],
)
def test_parse_status_takes_the_code_or_the_name(text: str, status: Status) -> None:
    assert parse_status(text) is status


@pytest.mark.parametrize("text", ["S9", "", "accepté", "S 1"])
def test_parse_status_refuses_unknown_names_listing_the_choices(text: str) -> None:
    with pytest.raises(ValueError, match=r"S1\|pending_review"):
        parse_status(text)


def test_mermaid_diagram_draws_every_edge_of_the_table() -> None:
    diagram = mermaid()
    assert diagram.startswith("stateDiagram-v2")
    for trigger, source, dest in DESIGN_EDGES:
        line = f"{_by_code(source).value} --> {_by_code(dest).value}: {trigger}"
        assert line in diagram


def test_refused_trigger_names_the_status_and_the_allowed_triggers(world: World) -> None:
    (dossier_id,) = world.demande()
    with pytest.raises(InvalidTransition) as caught:
        world.app.reactivate(dossier_id)
    err = caught.value
    assert err.status == "pending_review"
    assert err.trigger == "reactivate"
    assert err.allowed == ["accept", "dismiss"]
    assert "is S1 (En attente" in str(err)
    assert "accept, dismiss" in str(err)


def test_refused_trigger_from_a_final_status_says_nothing_is_allowed(world: World) -> None:
    (dossier_id,) = world.demande()
    world.app.dismiss(dossier_id, "Doublon")
    with pytest.raises(InvalidTransition, match=r"is S7 \(Classé sans suite.*final status"):
        world.app.accept(dossier_id)


def test_every_flag_of_the_table_is_checked_here() -> None:
    assert set(FLAGS) == set(DESIGN_FLAGS)


@pytest.mark.parametrize("flag", sorted(DESIGN_FLAGS))
def test_each_flag_holds_for_the_statuses_the_design_says(flag: str) -> None:
    having = {status.code for status in Status if getattr(status, flag)}
    assert having == DESIGN_FLAGS[flag]
    assert all(getattr(STATUSES[s], flag) == getattr(s, flag) for s in Status)


def test_a_terminal_status_is_one_no_trigger_leaves() -> None:
    for status in Status:
        assert status.terminal == (allowed_triggers(status) == []), status


def test_the_first_payment_is_due_exactly_where_pay_is_allowed() -> None:
    for status in Status:
        assert status.first_payment_due == ("pay" in allowed_triggers(status)), status


def test_a_domiciliation_in_force_was_paid_and_accepts_mail() -> None:
    for status in (s for s in Status if s.in_force):
        assert status.first_payment_received, status
        assert status.accepts_mail, status
        assert status.may_be_invoiced, status


def test_the_machine_built_from_the_table_agrees_with_fire_on_every_pair() -> None:
    from transitions import MachineError

    machine = build_machine()
    assert machine.state == INITIAL.value
    for status, trigger in itertools.product(Status, TRIGGERS):
        machine.set_state(status.value)
        try:
            machine.trigger(trigger)
        except MachineError:
            with pytest.raises(LookupError):
                fire(status, trigger)
        else:
            assert fire(status, trigger).value == machine.state, (status, trigger)


def test_the_machine_has_no_way_around_the_table() -> None:
    machine = build_machine()
    assert not any(name.startswith("to_") for name in machine.events)
    assert set(machine.events) == set(TRIGGERS)


def test_the_diagram_ends_at_the_terminal_statuses() -> None:
    ends = {line.split()[0] for line in mermaid().splitlines() if line.endswith("--> [*]")}
    assert ends == {s.value for s in Status if s.terminal}
