"""How the command line words domicili's errors: the core's sentence, its options, its commands."""

from __future__ import annotations

import pytest

import domicili.errors
from domicili.cli._errors import ADAPTER_FAILED, REFUSED, exit_code, hint, sentence
from domicili.errors import (
    AdapterError,
    DatabaseMissing,
    DatabaseUnavailable,
    DomiciliError,
    DossierNotFound,
    ImportRowsError,
    InvalidIdentifier,
    InvalidInput,
    NewerRevision,
    OutOfScope,
    PieceNotFound,
    Refused,
    SignatureRefused,
    UnknownCode,
)

pytestmark = pytest.mark.one_store  # no database


def test_an_adapter_or_a_server_that_failed_exits_3_and_every_other_error_1() -> None:
    for name in domicili.errors.__all__:
        cls = getattr(domicili.errors, name)
        failed = issubclass(cls, AdapterError | DatabaseUnavailable)
        expected = ADAPTER_FAILED if failed else REFUSED
        error = cls.__new__(cls)  # the class alone decides: no context needed
        assert exit_code(error) == expected, name


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            InvalidInput("month 13: a month is 1 to 12.", field="month", value=13),
            "--month 13: a month is 1 to 12.",
        ),
        (
            InvalidInput("year: a month is given without its year.", field="year"),
            "--year: a month is given without its year.",
        ),
        (
            InvalidInput("A credit note needs a reason.", field="reason"),
            "A credit note needs a reason (--reason TEXT).",
        ),
        (
            InvalidInput(
                "Several providers have an invoice F1; choose the provider.", field="provider"
            ),
            "Several providers have an invoice F1; choose the provider (--provider ID).",
        ),
    ],
    ids=["value of an option", "missing option", "reason", "global option"],
)
def test_a_field_a_person_sets_with_an_option_is_named_by_it(
    error: InvalidInput, said: str
) -> None:
    assert sentence(error) == said


def test_a_field_no_option_sets_keeps_the_core_sentence() -> None:
    error = InvalidIdentifier("client.siren: '1' is not a valid SIREN.", field="client.siren")
    assert sentence(error) == "client.siren: '1' is not a valid SIREN."


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (DossierNotFound(9), "Dossier 9 not found; `domicili dossier list` shows them."),
        (
            PieceNotFound(3, "kbis", 2),
            "Dossier 3 has no file for revision 2 of kbis; "
            "`domicili justificatif list 3` shows what was received.",
        ),
        (
            NewerRevision(3, "statuts", 2, 1),
            "statuts: revision 2 arrived after the revision 1 you reviewed, so nothing was "
            "saved; open it first (`domicili justificatif get 3 statuts`).",
        ),
        (
            SignatureRefused(
                "The code of the client has expired (15 minutes); ask for a new code.",
                dossier_id=3,
                party="client",
                needs_new_code=True,
            ),
            "The code of the client has expired (15 minutes); ask for a new code "
            "(`domicili contract resend-code 3 --party client`).",
        ),
        (
            UnknownCode("Département '99' does not exist.", field="client.departement"),
            "Département '99' does not exist; `domicili annuaire departements` lists the "
            "valid codes.",
        ),
        (
            ImportRowsError([(2, "siren: not a valid SIREN")]),
            "1 invalid row, nothing imported — line 2: siren: not a valid SIREN; fix them "
            "or pass --skip-invalid to import the rest.",
        ),
        (
            OutOfScope("Scoped to provider 1, domicili cannot register providers.", provider_id=1),
            "Scoped to provider 1, domicili cannot register providers; run this without "
            "--provider.",
        ),
        (
            DatabaseMissing("x.db"),
            "No database at x.db; run `domicili init` (or pass --db PATH).",
        ),
    ],
    ids=[
        "not found",
        "no such file",
        "newer revision",
        "new code",
        "unknown code",
        "import rows",
        "scope",
        "no database",
    ],
)
def test_the_command_that_helps_is_added_from_the_errors_attributes(
    error: DomiciliError, said: str
) -> None:
    assert sentence(error) == said


def test_a_signature_refusal_that_a_new_code_would_not_solve_names_no_command() -> None:
    error = SignatureRefused("Wrong code for the client of dossier 3; 4 attempt(s) left.")
    assert sentence(error) == "Wrong code for the client of dossier 3; 4 attempt(s) left."


def test_a_command_adds_its_own_hint_to_the_errors_it_names_only() -> None:
    with pytest.raises(Refused) as caught, hint("`domicili annuaire search` helps", Refused):
        raise Refused("No provider is listed in département 13.")
    assert sentence(caught.value) == (
        "No provider is listed in département 13; `domicili annuaire search` helps."
    )
    with pytest.raises(InvalidInput) as other, hint("`domicili annuaire search` helps", Refused):
        raise InvalidInput("Something else.")
    assert sentence(other.value) == "Something else."
