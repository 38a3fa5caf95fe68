"""domicili: the back office of French business-domiciliation providers.

The public API is the :class:`Domicili` facade. Every name an application needs is
importable from here: the facade, the models it returns, the statuses, the result
records of its calls, the ports an adapter implements and the whole
:mod:`domicili.errors` tree. Fakes for tests and embedding apps are in
:mod:`domicili.testing`.

The package is typed (PEP 561). ``import domicili`` stays cheap: each name loads its
module on first use, so ``domicili --help`` does not pay for pydantic or the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .annuaire import SearchResult
    from .answers import DemandeAnswers
    from .app import Domicili
    from .cards import Card, CardDetails
    from .clock import Clock, FixedClock, SystemClock
    from .config import Settings
    from .documents.data import InvoiceLine
    from .einvoicing import EInvoicing, EInvoicingFactory, IssuedDocument
    from .errors import (
        AdapterError,
        AgrementInvalid,
        AnswersError,
        CardNotFound,
        ConfigError,
        DatabaseError,
        DatabaseMissing,
        DatabaseUnavailable,
        DirectDebitError,
        DomiciliError,
        DossierNotFound,
        DuplicateRequest,
        ImportRowsError,
        InvalidIdentifier,
        InvalidInput,
        InvalidTransition,
        InvoiceNotFound,
        JustificatifRejected,
        MailPieceNotFound,
        MandateNotFound,
        MandateRefused,
        MessageNotFound,
        MissingJustificatifs,
        NewerRevision,
        NotFound,
        NoWayToPay,
        OfferNotFound,
        OutOfScope,
        PaymentNotFound,
        PaymentRefused,
        PieceNotFound,
        ProviderNotFound,
        Refused,
        ReturnsFileError,
        SignatureRefused,
        StoredFileAltered,
        TemplateError,
        UnknownCode,
    )
    from .geography import Departement, Region
    from .mailbox import Mailbox, MailHistory, MailPiece
    from .mandates import Mandate, MandateAmendment
    from .models import (
        Agrement,
        Attachment,
        BeneficialOwner,
        Client,
        Dossier,
        Event,
        Invoice,
        JustificatifRevision,
        MailTerms,
        Offer,
        OutboxMessage,
        Payment,
        Person,
        Provider,
        Receivable,
        Signature,
    )
    from .ports import (
        BatchNotifier,
        CardGateway,
        LineItems,
        Notifier,
        NotifierFactory,
        PaymentEvent,
        PaymentGateway,
        PaymentGatewayFactory,
        SignatureMethod,
        SignatureMethodFactory,
    )
    from .service.audit import AuditReport
    from .service.billing import BillingReport
    from .service.cards import ChargeReport
    from .service.collection import DebitExport, ReturnsReport
    from .service.imports import ImportReport
    from .service.invoices import ExportReport
    from .service.mail_fees import MailFees
    from .service.mail_instructions import ForwardBatch
    from .service.mail_intake import IntakeLine, IntakeReport
    from .service.mail_notices import GreffeNotice
    from .service.mailroom import MailPieceView, ReceiveOutcome
    from .service.outbox import DeliveryReport, Undelivered
    from .service.payments import PaymentOutcome
    from .service.pieces import PieceView
    from .service.providers import Quote
    from .service.receipts import Receipt
    from .service.sweep import SweepReport
    from .service.views import DatabaseInfo, DossierDetails, DossierEntry
    from .statuses import TRANSITIONS, Status, Transition, parse_status

#: public name → the module (relative to this package) that defines it
_HOMES: dict[str, str] = {
    # the facade and what it is built with
    "Domicili": "app",
    "DatabaseInfo": "service.views",
    "Settings": "config",
    "Clock": "clock",
    "FixedClock": "clock",
    "SystemClock": "clock",
    # ports an adapter implements
    "BatchNotifier": "ports",
    "CardGateway": "ports",
    "Card": "cards",
    "CardDetails": "cards",
    "Notifier": "ports",
    "NotifierFactory": "ports",
    "PaymentEvent": "ports",
    "PaymentGateway": "ports",
    "PaymentGatewayFactory": "ports",
    "SignatureMethod": "ports",
    "LineItems": "ports",
    "SignatureMethodFactory": "ports",
    "EInvoicing": "einvoicing",
    "EInvoicingFactory": "einvoicing",
    "IssuedDocument": "einvoicing",
    # models
    "Attachment": "models",
    "BeneficialOwner": "models",
    "Client": "models",
    "Dossier": "models",
    "Event": "models",
    "Invoice": "models",
    "JustificatifRevision": "models",
    "Mandate": "mandates",
    "Mailbox": "mailbox",
    "MailHistory": "mailbox",
    "MailPiece": "mailbox",
    "MailTerms": "models",
    "ForwardBatch": "service.mail_instructions",
    "GreffeNotice": "service.mail_notices",
    "IntakeLine": "service.mail_intake",
    "IntakeReport": "service.mail_intake",
    "MailFees": "service.mail_fees",
    "MailPieceView": "service.mailroom",
    "ReceiveOutcome": "service.mailroom",
    "MandateAmendment": "mandates",
    "Offer": "models",
    "OutboxMessage": "models",
    "Payment": "models",
    "Receivable": "models",
    "Person": "models",
    "Provider": "models",
    "Agrement": "models",
    "Signature": "models",
    "DemandeAnswers": "answers",
    "InvoiceLine": "documents.data",
    # statuses
    "Status": "statuses",
    "Transition": "statuses",
    "TRANSITIONS": "statuses",
    "parse_status": "statuses",
    # results of the facade's calls
    "AuditReport": "service.audit",
    "DeliveryReport": "service.outbox",
    "Undelivered": "service.outbox",
    "Departement": "geography",
    "DossierDetails": "service.views",
    "DossierEntry": "service.views",
    "ExportReport": "service.invoices",
    "ImportReport": "service.imports",
    "PaymentOutcome": "service.payments",
    "PieceView": "service.pieces",
    "Quote": "service.providers",
    "Receipt": "service.receipts",
    "Region": "geography",
    "SearchResult": "annuaire",
    "SweepReport": "service.sweep",
    "BillingReport": "service.billing",
    "ChargeReport": "service.cards",
    "DebitExport": "service.collection",
    "ReturnsReport": "service.collection",
    # errors
    "AdapterError": "errors",
    "AgrementInvalid": "errors",
    "AnswersError": "errors",
    "CardNotFound": "errors",
    "ConfigError": "errors",
    "DatabaseError": "errors",
    "DatabaseUnavailable": "errors",
    "DirectDebitError": "errors",
    "DomiciliError": "errors",
    "DossierNotFound": "errors",
    "DuplicateRequest": "errors",
    "ImportRowsError": "errors",
    "InvalidIdentifier": "errors",
    "InvalidInput": "errors",
    "InvalidTransition": "errors",
    "InvoiceNotFound": "errors",
    "JustificatifRejected": "errors",
    "MailPieceNotFound": "errors",
    "MandateNotFound": "errors",
    "MandateRefused": "errors",
    "MissingJustificatifs": "errors",
    "NotFound": "errors",
    "OfferNotFound": "errors",
    "MessageNotFound": "errors",
    "PaymentNotFound": "errors",
    "PaymentRefused": "errors",
    "ProviderNotFound": "errors",
    "Refused": "errors",
    "ReturnsFileError": "errors",
    "SignatureRefused": "errors",
    "StoredFileAltered": "errors",
    "DatabaseMissing": "errors",
    "NewerRevision": "errors",
    "NoWayToPay": "errors",
    "OutOfScope": "errors",
    "PieceNotFound": "errors",
    "UnknownCode": "errors",
    "TemplateError": "errors",
}

__all__ = [
    "TRANSITIONS",
    "AdapterError",
    "Agrement",
    "AgrementInvalid",
    "AnswersError",
    "Attachment",
    "AuditReport",
    "BatchNotifier",
    "BeneficialOwner",
    "BillingReport",
    "Card",
    "CardDetails",
    "CardGateway",
    "CardNotFound",
    "ChargeReport",
    "Client",
    "Clock",
    "ConfigError",
    "DatabaseError",
    "DatabaseInfo",
    "DatabaseMissing",
    "DatabaseUnavailable",
    "DebitExport",
    "DeliveryReport",
    "DemandeAnswers",
    "Departement",
    "DirectDebitError",
    "Domicili",
    "DomiciliError",
    "Dossier",
    "DossierDetails",
    "DossierEntry",
    "DossierNotFound",
    "DuplicateRequest",
    "EInvoicing",
    "EInvoicingFactory",
    "Event",
    "ExportReport",
    "FixedClock",
    "ForwardBatch",
    "GreffeNotice",
    "ImportReport",
    "ImportRowsError",
    "IntakeLine",
    "IntakeReport",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidTransition",
    "Invoice",
    "InvoiceLine",
    "InvoiceNotFound",
    "IssuedDocument",
    "JustificatifRejected",
    "JustificatifRevision",
    "LineItems",
    "MailFees",
    "MailHistory",
    "MailPiece",
    "MailPieceNotFound",
    "MailPieceView",
    "MailTerms",
    "Mailbox",
    "Mandate",
    "MandateAmendment",
    "MandateNotFound",
    "MandateRefused",
    "MessageNotFound",
    "MissingJustificatifs",
    "NewerRevision",
    "NoWayToPay",
    "NotFound",
    "Notifier",
    "NotifierFactory",
    "Offer",
    "OfferNotFound",
    "OutOfScope",
    "OutboxMessage",
    "Payment",
    "PaymentEvent",
    "PaymentGateway",
    "PaymentGatewayFactory",
    "PaymentNotFound",
    "PaymentOutcome",
    "PaymentRefused",
    "Person",
    "PieceNotFound",
    "PieceView",
    "Provider",
    "ProviderNotFound",
    "Quote",
    "Receipt",
    "Receivable",
    "ReceiveOutcome",
    "Refused",
    "Region",
    "ReturnsFileError",
    "ReturnsReport",
    "SearchResult",
    "Settings",
    "Signature",
    "SignatureMethod",
    "SignatureMethodFactory",
    "SignatureRefused",
    "Status",
    "StoredFileAltered",
    "SweepReport",
    "SystemClock",
    "TemplateError",
    "Transition",
    "Undelivered",
    "UnknownCode",
    "__version__",
    "parse_status",
]


def __getattr__(name: str) -> Any:
    # Lazy: `domicili --help` must not pay for pydantic models and the store.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'domicili' has no attribute {name!r}")
    # __import__ rather than importlib.import_module: importlib alone costs milliseconds.
    value = getattr(__import__(f"{__name__}.{home}", fromlist=[name]), name)
    globals()[name] = value  # the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
