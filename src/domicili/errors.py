"""Every error domicili raises on purpose.

Each branch also inherits the builtin it resembles, so callers that only know
Python's own exceptions still catch them sensibly. Every message is one sentence
that a person can act on; the CLI prints it as is.

::

    DomiciliError
    ├── NotFound (LookupError)
    │   ├── ProviderNotFound
    │   ├── DossierNotFound
    │   ├── OfferNotFound
    │   └── InvoiceNotFound
    ├── InvalidInput (ValueError)
    │   ├── InvalidIdentifier          a SIREN, phone, email, IBAN… that is not one
    │   ├── AnswersError               a questionnaire answer missing or wrong
    │   ├── JustificatifRejected       a file that is not PDF/JPEG/PNG, or too big
    │   ├── ImportRowsError            a bulk import with invalid rows
    │   └── ConfigError                domicili.toml or a reference data file is wrong
    ├── Refused                        the operation is understood but not allowed now
    │   ├── InvalidTransition          the dossier's status does not allow the trigger
    │   ├── MissingJustificatifs       accept while required pieces are not validated
    │   ├── AgrementInvalid            the provider's agrément is expired or suspended
    │   ├── PaymentRefused             wrong amount, or a dossier that cannot be paid
    │   └── SignatureRefused           wrong or expired code, locked, document changed
    ├── TemplateError                  a document or message template that cannot render
    ├── DatabaseError                  the database cannot be opened or is too new
    └── AdapterError                   a notifier, payment or signature adapter failed (exit 3)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .statuses import Status

__all__ = [
    "AdapterError",
    "AgrementInvalid",
    "AnswersError",
    "ConfigError",
    "DatabaseError",
    "DomiciliError",
    "DossierNotFound",
    "ImportRowsError",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidTransition",
    "InvoiceNotFound",
    "JustificatifRejected",
    "MissingJustificatifs",
    "NotFound",
    "OfferNotFound",
    "PaymentRefused",
    "ProviderNotFound",
    "Refused",
    "SignatureRefused",
    "TemplateError",
]


class DomiciliError(Exception):
    """Root of every error domicili raises on purpose."""

    #: Exit status the CLI uses for this error: 1 refused or failed, 2 usage, 3 adapter.
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(DomiciliError, LookupError):
    """Something looked up by its identifier does not exist (or is another provider's)."""


class ProviderNotFound(NotFound):
    def __init__(self, provider_id: object) -> None:
        super().__init__(f"Provider {provider_id} not found; `domicili provider list` shows them.")
        self.provider_id = provider_id


class DossierNotFound(NotFound):
    def __init__(self, dossier_id: object) -> None:
        super().__init__(f"Dossier {dossier_id} not found; `domicili dossier list` shows them.")
        self.dossier_id = dossier_id


class OfferNotFound(NotFound):
    def __init__(self, offer_id: object) -> None:
        super().__init__(f"Offer {offer_id} not found; `domicili offer list` shows them.")
        self.offer_id = offer_id


class InvoiceNotFound(NotFound):
    def __init__(self, number: object) -> None:
        super().__init__(f"Invoice {number} not found; `domicili invoice list` shows them.")
        self.number = number


class InvalidInput(DomiciliError, ValueError):
    """A value given by a person or a file is not acceptable."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidIdentifier(InvalidInput):
    """A SIREN, SIRET, VAT number, IBAN, phone number or email address that is not one."""


class AnswersError(InvalidInput):
    """A questionnaire answer is missing or wrong; ``field`` names it."""


class JustificatifRejected(InvalidInput):
    """A supporting document refused before it is stored."""


class ConfigError(InvalidInput):
    """The configuration or a reference data file cannot be used."""


class ImportRowsError(InvalidInput):
    """A bulk import found invalid rows; ``rows`` lists ``(line, reason)``."""

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        self.rows = list(rows)
        first = "; ".join(f"line {line}: {reason}" for line, reason in self.rows[:5])
        more = f" (and {len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
        super().__init__(
            f"{len(self.rows)} invalid row(s), nothing imported — {first}{more}; "
            "fix them or pass --skip-invalid to import the rest."
        )


class Refused(DomiciliError):
    """The request is understood but the rules do not allow it now."""

    def __init__(
        self, message: str, *, dossier_id: int | None = None, status: Status | None = None
    ) -> None:
        super().__init__(message)
        self.dossier_id = dossier_id
        self.status = status


class InvalidTransition(Refused):
    """The dossier's current status does not allow the trigger."""

    def __init__(
        self, dossier_id: int, status: str, label: str, trigger: str, allowed: list[str]
    ) -> None:
        from .statuses import Status

        allowed_text = ", ".join(allowed) if allowed else "nothing (final status)"
        super().__init__(
            f"Dossier {dossier_id} is {status} ({label}): {trigger} is not allowed; "
            f"allowed from here: {allowed_text}.",
            dossier_id=dossier_id,
            status=Status(status),
        )
        self.trigger = trigger
        self.allowed = allowed


class MissingJustificatifs(Refused):
    """Acceptance refused while required pieces are not validated."""

    def __init__(self, dossier_id: int, problems: dict[str, str]) -> None:
        listed = ", ".join(f"{kind} ({state})" for kind, state in problems.items())
        super().__init__(
            f"Dossier {dossier_id} cannot be accepted: these required pieces are not "
            f"validated: {listed}."
        )
        self.dossier_id = dossier_id
        self.problems = problems


class AgrementInvalid(Refused):
    """The provider's agrément is expired or suspended on the day of the operation."""

    def __init__(self, provider_id: int, reason: str) -> None:
        super().__init__(f"Provider {provider_id} cannot take new contracts: {reason}.")
        self.provider_id = provider_id


class PaymentRefused(Refused):
    """A payment that cannot be applied (wrong amount, dossier not awaiting payment…)."""


class SignatureRefused(Refused):
    """A signature that cannot be recorded (wrong code, locked, document changed…)."""


class TemplateError(DomiciliError):
    """A template that cannot be loaded or rendered; the message names file and line."""


class DatabaseError(DomiciliError):
    """The database cannot be opened, is locked, or was made by a newer domicili."""


class AdapterError(DomiciliError):
    """An external adapter (notifier, payment, signature) failed; try again later."""

    exit_code = 3
