"""Every error domicili raises on purpose.

Each branch also inherits the builtin it resembles, so callers that only know
Python's own exceptions still catch them sensibly. Each error carries its context as
attributes (``dossier_id``, ``status``, ``field``…) and ``str(error)`` is one sentence a
person can act on, readable on its own wherever domicili is embedded: it names no
command-line option or command. The ``domicili`` command adds those hints and chooses
the exit status (see :mod:`domicili.cli._errors`).

::

    DomiciliError                      message
    ├── NotFound (LookupError)
    │   ├── ProviderNotFound           provider_id
    │   ├── DossierNotFound            dossier_id
    │   ├── OfferNotFound              offer_id
    │   ├── InvoiceNotFound            number
    │   ├── PaymentNotFound            payment_id
    │   ├── MessageNotFound            message_id: no such message in the outbox
    │   ├── MandateNotFound            reference: no SEPA mandate by that reference or dossier
    │   ├── CardNotFound               dossier_id: no card saved for the dossier's invoices
    │   ├── MailPieceNotFound          piece_id: no such piece of mail
    │   └── PieceNotFound              dossier_id, kind, revision: no such file received
    ├── InvalidInput (ValueError)      field, value, limit
    │   ├── InvalidIdentifier          a SIREN, phone, email, IBAN… that is not one
    │   ├── UnknownCode                a région or département code that does not exist
    │   ├── AnswersError               a questionnaire answer missing or wrong
    │   ├── JustificatifRejected       a file that is not PDF/JPEG/PNG, or too big
    │   ├── ImportRowsError            rows: a bulk import with invalid rows
    │   ├── DirectDebitError           end_to_end_id: a SEPA debit file that cannot be made
    │   ├── ReturnsFileError           kind, message_id: not a bank's rejects/returns file
    │   └── ConfigError                domicili.toml or a reference data file is wrong
    ├── Refused                        dossier_id, status: understood, not allowed now
    │   ├── InvalidTransition          trigger, allowed: the status does not allow it
    │   ├── MissingJustificatifs       problems: accept while required pieces are not validated
    │   ├── NewerRevision              kind, revision, seen: a file arrived since the review
    │   ├── DuplicateRequest           reference, provider_id: the client has an open dossier
    │   ├── AgrementInvalid            provider_id, reason: agrément expired or suspended
    │   ├── NoWayToPay                 provider_id: no bank details and no card-payment link
    │   ├── OutOfScope                 provider_id: beyond the one provider in scope
    │   ├── PaymentRefused             amount_cents, due_cents, payment_id: cannot be applied
    │   ├── MandateRefused             reference: used already, revoked already, no contract
    │   └── SignatureRefused           party, needs_new_code: wrong or expired code, locked…
    ├── TemplateError                  a document or message template that cannot render
    ├── DatabaseError                  cannot be opened, or made by a newer domicili
    │   ├── DatabaseMissing            no database there yet
    │   ├── DatabaseUnavailable        the database server cannot be reached (try again)
    │   └── StoredFileAltered          sha256, path: a stored file no longer matches its hash
    └── AdapterError                   reason: a notifier, payment or signature adapter failed
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .i18n import _, ngettext

if TYPE_CHECKING:
    from .statuses import Status

__all__ = [
    "AdapterError",
    "AgrementInvalid",
    "AnswersError",
    "CardNotFound",
    "ConfigError",
    "DatabaseError",
    "DatabaseMissing",
    "DatabaseUnavailable",
    "DirectDebitError",
    "DomiciliError",
    "DossierNotFound",
    "DuplicateRequest",
    "ImportRowsError",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidTransition",
    "InvoiceNotFound",
    "JustificatifRejected",
    "MailPieceNotFound",
    "MandateNotFound",
    "MandateRefused",
    "MessageNotFound",
    "MissingJustificatifs",
    "NewerRevision",
    "NoWayToPay",
    "NotFound",
    "OfferNotFound",
    "OutOfScope",
    "PaymentNotFound",
    "PaymentRefused",
    "PieceNotFound",
    "ProviderNotFound",
    "Refused",
    "ReturnsFileError",
    "SignatureRefused",
    "StoredFileAltered",
    "TemplateError",
    "UnknownCode",
]


class DomiciliError(Exception):
    """Root of every error domicili raises on purpose; ``message`` is its sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(DomiciliError, LookupError):
    """Something looked up by its identifier does not exist (or is another provider's)."""


class ProviderNotFound(NotFound):
    def __init__(self, provider_id: object) -> None:
        super().__init__(_("Provider {provider_id} not found.").format(provider_id=provider_id))
        self.provider_id = provider_id


class DossierNotFound(NotFound):
    def __init__(self, dossier_id: object) -> None:
        super().__init__(_("Dossier {dossier_id} not found.").format(dossier_id=dossier_id))
        self.dossier_id = dossier_id


class OfferNotFound(NotFound):
    def __init__(self, offer_id: object) -> None:
        super().__init__(_("Offer {offer_id} not found.").format(offer_id=offer_id))
        self.offer_id = offer_id


class InvoiceNotFound(NotFound):
    def __init__(self, number: object) -> None:
        super().__init__(_("Invoice {number} not found.").format(number=number))
        self.number = number


class PaymentNotFound(NotFound):
    def __init__(self, payment_id: object) -> None:
        super().__init__(_("Payment {payment_id} not found.").format(payment_id=payment_id))
        self.payment_id = payment_id


class MessageNotFound(NotFound):
    def __init__(self, message_id: object) -> None:
        super().__init__(_("Message {message_id} not found.").format(message_id=message_id))
        self.message_id = message_id


class MandateNotFound(NotFound):
    """No SEPA mandate has this reference (RUM), or the dossier has none in force."""

    def __init__(self, reference: object, *, dossier_id: int | None = None) -> None:
        if dossier_id is not None:
            text = _("Dossier {dossier_id} has no SEPA mandate.")
        else:
            text = _("SEPA mandate {reference} not found.")
        super().__init__(text.format(reference=reference, dossier_id=dossier_id))
        self.reference = reference
        self.dossier_id = dossier_id


class CardNotFound(NotFound):
    """A dossier has no card saved for its invoices."""

    def __init__(self, dossier_id: int) -> None:
        super().__init__(
            _("Dossier {dossier_id} has no card saved for its invoices.").format(
                dossier_id=dossier_id
            )
        )
        self.dossier_id = dossier_id


class MailPieceNotFound(NotFound):
    """No piece of mail has this id (or it is another provider's)."""

    def __init__(self, piece_id: object) -> None:
        super().__init__(_("Piece of mail {piece_id} not found.").format(piece_id=piece_id))
        self.piece_id = piece_id


class PieceNotFound(NotFound):
    """A dossier has no file for this kind of piece (or not this revision of it)."""

    def __init__(self, dossier_id: int, kind: str, revision: int | None = None) -> None:
        if revision is None:
            text = _("Dossier {dossier_id} has no file for {kind}.")
        else:
            text = _("Dossier {dossier_id} has no file for revision {revision} of {kind}.")
        super().__init__(text.format(dossier_id=dossier_id, kind=kind, revision=revision))
        self.dossier_id = dossier_id
        self.kind = kind
        self.revision = revision


class InvalidInput(DomiciliError, ValueError):
    """A value given by a person or a file is not acceptable.

    ``field`` names what was given (an argument of the call, or the path of an answer:
    ``client.siren``), ``value`` what it was and ``limit`` the bound it crossed, when any.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        limit: object = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.limit = limit


class InvalidIdentifier(InvalidInput):
    """A SIREN, SIRET, VAT number, IBAN, phone number or email address that is not one."""


class UnknownCode(InvalidInput):
    """A région or département code that the official geography does not have."""


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
        first = "; ".join(
            _("line {line}: {reason}").format(line=line, reason=reason)
            for line, reason in self.rows[:5]
        )
        count = len(self.rows)
        if count > 5:
            text = ngettext(
                "{count} invalid row, nothing imported — {first} (and {more} more).",
                "{count} invalid rows, nothing imported — {first} (and {more} more).",
                count,
            )
        else:
            text = ngettext(
                "{count} invalid row, nothing imported — {first}.",
                "{count} invalid rows, nothing imported — {first}.",
                count,
            )
        super().__init__(text.format(count=count, first=first, more=count - 5))


class DirectDebitError(InvalidInput):
    """A SEPA direct-debit file that cannot be made from what was given: no debit, an
    amount that is not positive, an unknown format…; ``end_to_end_id`` names the debit."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        end_to_end_id: str | None = None,
    ) -> None:
        super().__init__(message, field=field, value=value)
        self.end_to_end_id = end_to_end_id


class ReturnsFileError(InvalidInput):
    """A file that is not a bank's report of rejected (pain.002) or returned (camt.054)
    direct debits, or one that names none; ``kind`` and ``message_id`` say what it was."""

    def __init__(
        self, message: str, *, kind: str | None = None, message_id: str | None = None
    ) -> None:
        super().__init__(message, field="file")
        self.kind = kind
        self.message_id = message_id


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

        if allowed:
            text = _(
                "Dossier {dossier_id} is {status} ({label}): {trigger} is not allowed; "
                "allowed from here: {allowed}."
            )
        else:
            text = _(
                "Dossier {dossier_id} is {status} ({label}): {trigger} is not allowed; "
                "nothing is allowed from here (final status)."
            )
        super().__init__(
            text.format(
                dossier_id=dossier_id,
                status=Status(status).code,
                label=label,
                trigger=trigger,
                allowed=", ".join(allowed),
            ),
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
            _(
                "Dossier {dossier_id} cannot be accepted: these required pieces are not "
                "validated: {listed}."
            ).format(dossier_id=dossier_id, listed=listed),
            dossier_id=dossier_id,
        )
        self.problems = problems


class NewerRevision(Refused):
    """A review names a revision older than the latest file of that piece."""

    def __init__(self, dossier_id: int, kind: str, revision: int, seen: int) -> None:
        super().__init__(
            _(
                "{kind}: revision {revision} arrived after the revision {seen} you reviewed, "
                "so nothing was saved; open it first."
            ).format(kind=kind, revision=revision, seen=seen),
            dossier_id=dossier_id,
        )
        self.kind = kind
        self.revision = revision
        self.seen = seen


class DuplicateRequest(Refused):
    """A request from a client who already has an open dossier with that provider.

    ``dossier_id`` and ``reference`` name the open dossier; sending the request anyway is
    the caller's choice (``force``).
    """

    def __init__(
        self, *, dossier_id: int, reference: str, provider_id: int, provider: str, client: str
    ) -> None:
        super().__init__(
            _(
                "{client} already has dossier {reference} open with {provider}; nothing was sent."
            ).format(client=client, reference=reference, provider=provider),
            dossier_id=dossier_id,
        )
        self.reference = reference
        self.provider_id = provider_id


class AgrementInvalid(Refused):
    """The provider's agrément is expired or suspended on the day of the operation."""

    def __init__(self, provider_id: int, reason: str) -> None:
        super().__init__(
            _("Provider {provider_id} cannot take new contracts: {reason}.").format(
                provider_id=provider_id, reason=reason
            )
        )
        self.provider_id = provider_id
        self.reason = reason


class NoWayToPay(Refused):
    """Asking the client to pay (acceptance, reactivation) while the client could not: the
    provider has no bank details and the payment gateway opens no card-payment link."""

    def __init__(self, dossier_id: int, provider_id: int, status: Status | None = None) -> None:
        super().__init__(
            _(
                "Dossier {dossier_id} would leave the client no way to pay: provider "
                "{provider_id} has no bank details and card-payment links are not enabled. "
                "Give the provider its IBAN (and BIC), or set checkout_url in the [payment] "
                "settings."
            ).format(dossier_id=dossier_id, provider_id=provider_id),
            dossier_id=dossier_id,
            status=status,
        )
        self.provider_id = provider_id


class OutOfScope(Refused):
    """An operation beyond the one provider the instance is scoped to (``provider_id``)."""

    def __init__(self, message: str, *, provider_id: int) -> None:
        super().__init__(message)
        self.provider_id = provider_id


class PaymentRefused(Refused):
    """A payment that cannot be applied (wrong amount, dossier not awaiting payment…), or
    a held payment that cannot be resolved (``payment_id``: already applied or refunded…)."""

    def __init__(
        self,
        message: str,
        *,
        dossier_id: int | None = None,
        amount_cents: int | None = None,
        due_cents: int | None = None,
        payment_id: int | None = None,
    ) -> None:
        super().__init__(message, dossier_id=dossier_id)
        self.amount_cents = amount_cents
        self.due_cents = due_cents
        self.payment_id = payment_id


class MandateRefused(Refused):
    """A SEPA mandate that cannot be recorded or changed: its reference (RUM) is already
    one of the provider's, it is revoked already, or the dossier has no contract in force."""

    def __init__(
        self, message: str, *, reference: str | None = None, dossier_id: int | None = None
    ) -> None:
        super().__init__(message, dossier_id=dossier_id)
        self.reference = reference


class SignatureRefused(Refused):
    """A signature that cannot be recorded (wrong code, locked, document changed…).

    ``needs_new_code`` is true when only a new code lets ``party`` sign.
    """

    def __init__(
        self,
        message: str,
        *,
        dossier_id: int | None = None,
        status: Status | None = None,
        party: str | None = None,
        needs_new_code: bool = False,
    ) -> None:
        super().__init__(message, dossier_id=dossier_id, status=status)
        self.party = party
        self.needs_new_code = needs_new_code


class TemplateError(DomiciliError):
    """A template that cannot be loaded or rendered; the message names file and line."""


class DatabaseError(DomiciliError):
    """The database cannot be opened, is locked, or was made by a newer domicili."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class DatabaseMissing(DatabaseError):
    """No database at ``path`` yet (and creating one was not asked for)."""

    def __init__(self, path: str) -> None:
        super().__init__(_("No database at {path}.").format(path=path), path=path)


class DatabaseUnavailable(DatabaseError):
    """The database server cannot be reached now; trying again later may work."""


class StoredFileAltered(DatabaseError):
    """A stored file (justificatif, invoice, contract, attestation) is missing or its bytes
    no longer match the SHA-256 it was stored under: it is refused, never served."""

    def __init__(self, sha256: str, path: str, *, missing: bool = False) -> None:
        if missing:
            text = _("The stored file {path} (SHA-256 {sha256}…) is missing; it is not served.")
        else:
            text = _(
                "The stored file {path} (SHA-256 {sha256}…) was changed after it was stored; "
                "it is not served."
            )
        super().__init__(text.format(path=path, sha256=sha256[:12]), path=path)
        self.sha256 = sha256
        self.missing = missing


class AdapterError(DomiciliError):
    """An external adapter (notifier, payment, signature) failed; try again later.

    ``reason`` is the cause in a few words (``"the mail server smtp.example.fr:587 did not
    answer"``), for a report that names what it concerns: *the email to … is queued:
    the mail server … did not answer.*
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
