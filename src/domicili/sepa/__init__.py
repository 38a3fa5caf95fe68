"""SEPA direct debit: the pain.008 file a provider's bank collects, the rejects and
returns it sends back, the creditor identifier and the bank of an IBAN.

sepaxml, lxml and schwifty load only when a function here needs them: commands that do
not collect by direct debit do not pay for them.
"""

from __future__ import annotations

from ..identifiers import normalize_creditor_identifier, normalize_iban
from .codes import FINAL, REASONS, RETRYABLE, reason_label
from .debits import (
    DEFAULT_FORMAT,
    FORMATS,
    Amendment,
    Creditor,
    Debit,
    check_text_id,
    debit_file,
)
from .returns import Return, ReturnsFile, read_returns

__all__ = [
    "DEFAULT_FORMAT",
    "FINAL",
    "FORMATS",
    "REASONS",
    "RETRYABLE",
    "Amendment",
    "Creditor",
    "Debit",
    "Return",
    "ReturnsFile",
    "bank_of",
    "check_creditor_identifier",
    "check_text_id",
    "debit_file",
    "read_returns",
    "reason_label",
]


def check_creditor_identifier(value: str) -> str:
    """The compact form of a French creditor identifier (ICS), checked with its key;
    :class:`~domicili.errors.InvalidIdentifier` with a sentence otherwise."""
    return normalize_creditor_identifier(value)


def bank_of(iban: str) -> tuple[str | None, str | None]:
    """The BIC and the name of the bank that holds ``iban`` (``None`` when unknown).

    The IBAN is checked first (:class:`~domicili.errors.InvalidIdentifier`).
    """
    from schwifty import IBAN

    compact = normalize_iban(iban)
    try:
        checked = IBAN(compact, validate_bban=False)
        bic = checked.bic
    except ValueError:  # a country's layout schwifty does not know: no bank to name
        return (None, None)
    return (str(bic) if bic is not None else None, checked.bank_name or None)
