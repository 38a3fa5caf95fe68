"""Settings from ``domicili.toml`` (``--config`` / ``DOMICILI_CONFIG``).

Every setting has a default, so no file is needed to start. Secrets never live in
the file: adapters read them from the environment.

.. code-block:: toml

    [payment]
    gateway = "checkout"       # entry point of the group domicili.payments ("stripe"…)
    deadline_days = 7          # days to pay after acceptance
    reminder_days = [3, 1]     # reminders this many days before the deadline
    checkout_url = "https://paiement.example.fr/checkout/{token}"   # card-payment links
    signature_reminder_days = [2, 5]   # remind parties who have not signed
    operator_email = "paiements@exploitant.fr"   # told of payments matching no provider

    [signature]
    method = "otp"             # one-time codes by SMS
    code_minutes = 15
    max_attempts = 5

    [pricing]                  # used when a provider has published no offer
    monthly_price_ht = "35.00"
    commitment_months = 3

    [files]
    max_mb = 10                # largest justificatif accepted

    [notifications]
    notifier = "outbox"        # entry point of the group domicili.notifiers
    max_attempts = 5
    deadline_seconds = 10      # a command waits at most this long for delivery

    [email]
    sender = "contact@domicili.example"   # the sending address; From shows the provider's name
    logo = "logo.png"          # shown at the top of HTML emails (PNG or JPEG)

    [email.providers.2]        # provider 2 sends from its own address
    sender = "bureau@lumiere.example"

    [templates]
    dir = "mes-modeles"        # overrides message and document templates by file name

    [invoices]
    number_format = "F{year}-{seq:06d}"   # one unbroken series per provider (and year)
    payment_days = 30

    [annuaire.services]        # services added to the built-in vocabulary
    coworking = "Accès à un espace de coworking"
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .i18n import _

__all__ = ["Settings", "load_settings"]


class _Section(BaseModel):
    # Validators are built when a settings file is read; the built-in defaults are
    # taken as they are (model_construct), so a command without a file builds none.
    model_config = ConfigDict(extra="forbid", defer_build=True)


def _email_setting(value: str | None, field: str) -> str | None:
    """An email address of the settings, normalised; pydantic's error when it is not one."""
    from pydantic_core import PydanticCustomError

    from .errors import InvalidIdentifier
    from .identifiers import normalize_email

    if value is None:
        return None
    try:
        return normalize_email(value, field=field)
    except InvalidIdentifier:
        # pydantic's own wording would prefix "Value error, " to the sentence.
        raise PydanticCustomError(
            "email", "{value} is not an email address", {"value": repr(value)}
        ) from None


class PaymentSettings(_Section):
    #: Entry point of the group ``domicili.payments``: ``checkout`` (a simulated card
    #: checkout) or ``stripe`` (Stripe webhooks); staff-recorded payments work with any.
    gateway: str = "checkout"
    deadline_days: int = Field(7, ge=1, le=90)
    reminder_days: list[int] = Field(default_factory=lambda: [3, 1])
    #: When set, acceptance messages carry a card-payment link (``{token}`` is replaced).
    checkout_url: str | None = None
    #: Days after the contract is sent when a party that has not signed is reminded.
    signature_reminder_days: list[int] = Field(default_factory=lambda: [2, 5])
    #: Who is told of a payment received that matches no provider (no dossier named, or
    #: a dossier that does not exist); without it such payments are only listed.
    operator_email: str | None = None

    @field_validator("operator_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return _email_setting(value, "operator_email")


class SignatureSettings(_Section):
    #: Entry point of the group ``domicili.signatures``.
    method: str = "otp"
    code_minutes: int = Field(15, ge=1, le=60)
    max_attempts: int = Field(5, ge=1, le=10)


class PricingSettings(_Section):
    monthly_price_ht: str = "35.00"
    commitment_months: int = Field(3, ge=3)


class FileSettings(_Section):
    max_mb: float = Field(10, gt=0, le=200)


class NotificationSettings(_Section):
    notifier: str = "outbox"
    max_attempts: int = Field(5, ge=1)
    #: The longest a command spends delivering its messages (over every message); what
    #: is not sent by then stays queued for the next delivery run.
    deadline_seconds: float = Field(10, gt=0, le=3600)
    options: dict[str, Any] = Field(default_factory=dict)


class AnnuaireSettings(_Section):
    #: Extra service codes → French label, added to the built-in vocabulary.
    services: dict[str, str] = Field(default_factory=dict)


class InvoiceSettings(_Section):
    #: Number format: ``{year}`` starts a new series each year, ``{seq}`` is the number in it.
    number_format: str = "F{year}-{seq:06d}"
    #: Days between issue and due date for invoices not paid on issue.
    payment_days: int = Field(30, ge=0, le=60)
    penalty_rate_text: str = "trois fois le taux d'intérêt légal"


class ProviderEmailSettings(_Section):
    #: The address this provider's emails are sent from, instead of ``[email] sender``.
    sender: str | None = None

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return _email_setting(value, "sender")


class EmailSettings(ProviderEmailSettings):
    """How emails are sent: From is the provider's name with :attr:`sender`, Reply-To the
    provider's own address (replies reach the provider, not the sending address).

    :attr:`sender` is the sending address (one the mail server may send from); without
    it, the notifier's own (``[notifications.options] sender``).
    """

    #: An image shown at the top of HTML emails, embedded in each email.
    logo: Path | None = None
    #: Per provider id: ``[email.providers.2] sender = "…"``.
    providers: dict[int, ProviderEmailSettings] = Field(default_factory=dict)

    def sender_for(self, provider_id: int | None) -> str | None:
        """The sending address of ``provider_id``'s emails (None: the notifier's own)."""
        own = self.providers.get(provider_id) if provider_id is not None else None
        return (own.sender if own is not None else None) or self.sender


class TemplateSettings(_Section):
    dir: Path | None = None


class Settings(_Section):
    payment: PaymentSettings = Field(default_factory=PaymentSettings.model_construct)
    pricing: PricingSettings = Field(default_factory=PricingSettings.model_construct)
    files: FileSettings = Field(default_factory=FileSettings.model_construct)
    notifications: NotificationSettings = Field(
        default_factory=NotificationSettings.model_construct
    )
    templates: TemplateSettings = Field(default_factory=TemplateSettings.model_construct)
    email: EmailSettings = Field(default_factory=EmailSettings.model_construct)
    annuaire: AnnuaireSettings = Field(default_factory=AnnuaireSettings.model_construct)
    invoices: InvoiceSettings = Field(default_factory=InvoiceSettings.model_construct)
    signature: SignatureSettings = Field(default_factory=SignatureSettings.model_construct)

    def service_vocabulary(self) -> dict[str, str]:
        from .annuaire import SERVICES

        return SERVICES | self.annuaire.services


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from ``path``, else ``DOMICILI_CONFIG``, else ``./domicili.toml`` if present."""
    explicit = path or os.environ.get("DOMICILI_CONFIG")
    file = Path(explicit) if explicit else Path("domicili.toml")
    if not os.path.lexists(file):
        if explicit:
            raise ConfigError(_("Configuration file {file} does not exist.").format(file=file))
        return Settings.model_construct()
    import tomllib

    from .inputs import CONFIG_MAX_BYTES, read_text

    text = read_text(file, limit=CONFIG_MAX_BYTES, what=_("a settings file"), error=ConfigError)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("{file} is not valid TOML: {exc}.").format(file=file, exc=exc)
        ) from None
    except RecursionError:  # tomllib nests by recursion
        raise ConfigError(
            _("{file} is not valid TOML: it is nested too deeply.").format(file=file)
        ) from None
    except ValueError as exc:  # an integer too long to convert
        raise ConfigError(
            _("{file} is not valid TOML: {exc}.").format(file=file, exc=exc)
        ) from None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{file}: {where}: {err['msg']}.") from None
    tdir = settings.templates.dir
    if tdir is not None and not tdir.is_absolute():
        settings.templates.dir = file.parent / tdir
    logo = settings.email.logo
    if logo is not None and not logo.is_absolute():
        settings.email.logo = file.parent / logo
    return settings
