"""Settings from ``domicili.toml`` (``--config`` / ``DOMICILI_CONFIG``).

Every setting has a default, so no file is needed to start. Secrets never live in
the file: adapters read them from the environment.

Every setting can also be given as ``DOMICILI_<SECTION>_<KEY>``, which wins over the
file: ``DOMICILI_PAYMENT_DEADLINE_DAYS=10``, ``DOMICILI_NOTIFICATIONS_NOTIFIER=smtp``,
``DOMICILI_NOTIFICATIONS_OPTIONS_HOST=smtp.example.fr`` (a key of a table),
``DOMICILI_EMAIL_PROVIDERS_2_SENDER=bureau@lumiere.example`` (a provider's own).
A value is read as in TOML when it is one (``10``, ``true``, ``[3, 1]``), else as text.

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
    retry_seconds = 60         # the sweep tries a failed message again after 1, 2, 4… min
    retry_max_seconds = 3600

    [sms]
    adapter = "sms-http"       # SMS through a gateway; emails stay with [notifications]
    http_url = "https://sms.example.fr/send"   # DOMICILI_SMS_HTTP_AUTH: its auth header

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

    [einvoicing]               # each issued invoice handed to a Plateforme Agréée connector
    adapter = "drop-folder"    # entry point of the group domicili.einvoicing ("none": off)
    folder = "/srv/pa/depot"   # the folder the connector reads
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .i18n import _

__all__ = [
    "ENVIRONMENT_PREFIX",
    "SECRET_VARIABLES",
    "SMS_HTTP_AUTH",
    "SMTP_PASSWORD",
    "Settings",
    "environment_settings",
    "environment_variables",
    "load_settings",
]

#: ``DOMICILI_<SECTION>_<KEY>`` sets ``[section] key``.
ENVIRONMENT_PREFIX = "DOMICILI_"

#: Secrets the adapters read from the environment: never settings, never in the file.
SMTP_PASSWORD = "DOMICILI_SMTP_PASSWORD"
SMS_HTTP_AUTH = "DOMICILI_SMS_HTTP_AUTH"  # the SMS gateway's header value (``Bearer …``)
SECRET_VARIABLES = frozenset({SMTP_PASSWORD, SMS_HTTP_AUTH})


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
    #: Stripe's API, which charges the cards clients saved (the secret key comes from
    #: ``DOMICILI_STRIPE_API_KEY``); another address for a test server.
    stripe_api_url: str = "https://api.stripe.com"
    #: Days after the contract is sent when a party that has not signed is reminded.
    signature_reminder_days: list[int] = Field(default_factory=lambda: [2, 5])
    #: Who is told of a payment received that matches no provider (no dossier named, or
    #: a dossier that does not exist); without it such payments are only listed.
    operator_email: str | None = None

    @field_validator("operator_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return _email_setting(value, "operator_email")

    @field_validator("stripe_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        from pydantic_core import PydanticCustomError

        if not value.startswith(("http://", "https://")):
            raise PydanticCustomError("url", "must be an http:// or https:// address")
        return value


class MailboxSettings(_Section):
    #: A mailbox's number is this prefix and the next number of the provider's series.
    number_prefix: str = Field("B-", min_length=1, max_length=8, pattern=r"^[A-Za-z0-9-]+$")
    #: Days a destruction the client asked for waits, cancellable until then.
    destroy_delay_days: int = Field(7, ge=0, le=90)
    #: Days before free storage ends when the client is warned.
    storage_warning_days: int = Field(7, ge=0, le=90)
    #: The 3-month rule: the client warned after this many days of mail left waiting,
    #: the greffe told after that many (C. com. R123-168).
    warn_after_days: int = Field(60, ge=1, le=365)
    greffe_after_days: int = Field(90, ge=1, le=365)
    #: Whether a client viewing a scan counts as taking its mail (for the 3-month rule).
    scan_view_acknowledges: bool = True


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
    #: A failed message waits this long before the sweep tries it again, twice as long
    #: after each further failure, never more than :attr:`retry_max_seconds`.
    retry_seconds: float = Field(60, gt=0, le=86400)
    retry_max_seconds: float = Field(3600, gt=0, le=7 * 86400)
    options: dict[str, Any] = Field(default_factory=dict)

    def retry_after(self, attempts: int) -> float:
        """Seconds before the next try of a message that failed ``attempts`` times."""
        return float(min(self.retry_seconds * 2 ** max(attempts - 1, 0), self.retry_max_seconds))


class SmtpSettings(_Section):
    """The mail server of the ``smtp`` notifier (``[email] adapter = "smtp"``, or
    ``[notifications] notifier = "smtp"``, whose ``[notifications.options]`` win over
    these). The password comes from ``DOMICILI_SMTP_PASSWORD`` only, never a file."""

    host: str = "localhost"
    #: 25 (plain), 587 (with :attr:`starttls`) or 465 (with :attr:`ssl`).
    port: int = Field(25, ge=1, le=65535)
    #: The login, when the server asks for one.
    username: str | None = None
    #: Upgrade the connection to TLS (STARTTLS) before logging in.
    starttls: bool = False
    #: TLS from the first byte (SMTPS, port 465).
    ssl: bool = False
    #: The longest wait for each answer of the server, in seconds.
    timeout: float = Field(10, gt=0, le=300)

    @model_validator(mode="after")
    def _one_tls(self) -> SmtpSettings:
        from pydantic_core import PydanticCustomError

        if self.starttls and self.ssl:
            raise PydanticCustomError(
                "smtp_tls", "choose either starttls (port 587) or ssl (port 465), not both"
            )
        return self

    def options(self) -> dict[str, Any]:
        """What the ``smtp`` notifier is built from (``from_config``)."""
        return self.model_dump()


class SmsSettings(_Section):
    """Where SMS go. Without :attr:`adapter`, the ``[notifications]`` notifier sends them
    too (the outbox folder writes them as files)."""

    #: An entry point of ``domicili.notifiers`` for SMS alone: ``sms-http``, ``console``…
    adapter: str | None = None
    #: ``sms-http``: the gateway's address, POSTed one JSON object per SMS.
    http_url: str | None = None
    #: ``sms-http``: the header its ``DOMICILI_SMS_HTTP_AUTH`` value goes in.
    http_auth_header: str = "Authorization"
    #: ``sms-http``: the longest wait for the gateway's answer, in seconds.
    http_timeout: float = Field(10, gt=0, le=120)

    @field_validator("http_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        from pydantic_core import PydanticCustomError

        if value is not None and not value.startswith(("http://", "https://")):
            raise PydanticCustomError(
                "url", "{value} is not an http:// or https:// URL", {"value": repr(value)}
            )
        return value

    def options(self) -> dict[str, Any]:
        """What the adapter is built from (``from_config``)."""
        if self.adapter == "sms-http":
            return {
                "url": self.http_url,
                "auth_header": self.http_auth_header,
                "timeout": self.http_timeout,
            }
        return {}


class AnnuaireSettings(_Section):
    #: Extra service codes → French label, added to the built-in vocabulary.
    services: dict[str, str] = Field(default_factory=dict)


class InvoiceSettings(_Section):
    #: Number format: ``{year}`` starts a new series each year, ``{seq}`` is the number in it.
    number_format: str = "F{year}-{seq:06d}"
    #: Days between issue and due date for invoices not paid on issue.
    payment_days: int = Field(30, ge=0, le=60)
    penalty_rate_text: str = "trois fois le taux d'intérêt légal"


class ProviderBillingSettings(_Section):
    #: The direct-debit message this provider's bank takes.
    sepa_format: Literal["pain.008.001.08", "pain.008.001.02"] | None = None


class BillingSettings(_Section):
    """The running contract: how far ahead a debit is announced, the file written."""

    #: Days between the invoice (the debit's pre-notification) and the debit; the SEPA
    #: rulebook's 14 unless the contract agrees fewer (at least 2).
    prenotification_days: int = Field(14, ge=2, le=60)
    sepa_format: Literal["pain.008.001.08", "pain.008.001.02"] = "pain.008.001.08"
    #: Per provider id: ``[billing.providers.2] sepa_format = "pain.008.001.02"``.
    providers: dict[int, ProviderBillingSettings] = Field(default_factory=dict)

    def sepa_format_for(self, provider_id: int) -> str:
        own = self.providers.get(provider_id)
        return (own.sepa_format if own is not None else None) or self.sepa_format


class DunningSettings(_Section):
    """What happens to an invoice not paid, in days after its due date (a returned debit:
    after the day it was to be collected). Each step comes once, in order."""

    #: Reminders to the client (business clients are reminded of the late-payment
    #: penalties and the 40 € recovery indemnity, C. com. L441-10 and D441-5).
    reminder_days: list[int] = Field(default_factory=lambda: [3, 10])
    #: A returned debit is presented again before each step when the bank's reason
    #: allows it (insufficient funds…), never after MD01, MD06, MS02, AC04, MD07.
    retry_reasons: list[str] = Field(default_factory=lambda: ["AM04", "MS03"])
    #: A declined card charge is tried again before each step when the decline code
    #: allows it, never after a card lost, stolen, expired or refused for fraud.
    card_retry_reasons: list[str] = Field(
        default_factory=lambda: [
            "insufficient_funds",
            "try_again_later",
            "processing_error",
            "issuer_not_available",
            "card_velocity_exceeded",
            "withdrawal_count_limit_exceeded",
        ]
    )
    #: Days between a new presentation (or card charge) and its collection.
    retry_collection_days: int = Field(3, ge=1, le=30)
    #: Mail service suspended (unless the current period is paid); 0: never.
    suspend_days: int = Field(15, ge=0, le=365)
    #: The provider told that termination for non-payment is open; 0: never.
    termination_days: int = Field(30, ge=0, le=365)

    @field_validator("reminder_days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        from pydantic_core import PydanticCustomError

        if any(d < 1 or d > 365 for d in value):
            raise PydanticCustomError("days", "each day must be from 1 to 365")
        return sorted(set(value))

    @field_validator("retry_reasons")
    @classmethod
    def _reasons(cls, value: list[str]) -> list[str]:
        from pydantic_core import PydanticCustomError

        never = sorted({r.upper() for r in value} & NEVER_RETRIED)
        if never:
            raise PydanticCustomError(
                "never_retried",
                "{codes}: a debit returned for this reason is never presented again",
                {"codes": ", ".join(never)},
            )
        return [r.upper() for r in value]

    @field_validator("card_retry_reasons")
    @classmethod
    def _card_reasons(cls, value: list[str]) -> list[str]:
        from pydantic_core import PydanticCustomError

        never = sorted({r.lower() for r in value} & NEVER_CHARGED_AGAIN)
        if never:
            raise PydanticCustomError(
                "never_retried",
                "{codes}: a card declined for this reason is never charged again",
                {"codes": ", ".join(never)},
            )
        return [r.lower() for r in value]

    def retries(self, collection: str) -> list[str]:
        """The reasons a collection of this kind (``sepa``, ``card``) is tried again for."""
        return self.card_retry_reasons if collection == "card" else self.retry_reasons

    def steps(self) -> list[tuple[int, str]]:
        """(days after the due date, step) in order: ``reminder``, ``suspend``,
        ``termination``."""
        steps = [(d, "reminder") for d in self.reminder_days]
        if self.suspend_days:
            steps.append((self.suspend_days, "suspend"))
        if self.termination_days:
            steps.append((self.termination_days, "termination"))
        return sorted(steps)


#: Return reasons after which a debit is never presented again: no mandate, a refund
#: the debtor asked for, refused by the debtor, account closed, debtor deceased.
NEVER_RETRIED = frozenset({"MD01", "MD06", "MS02", "AC04", "MD07"})
#: Decline codes after which a card is never charged again: lost, stolen, expired,
#: refused for fraud, a wrong number, a card the bank wants back, authentication needed.
NEVER_CHARGED_AGAIN = frozenset(
    {
        "lost_card",
        "stolen_card",
        "expired_card",
        "fraudulent",
        "incorrect_number",
        "pickup_card",
        "authentication_required",
        "revocation_of_authorization",
    }
)


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

    #: An entry point of ``domicili.notifiers`` for emails alone (``smtp``, ``console``…);
    #: without it, the ``[notifications]`` notifier sends them.
    adapter: str | None = None
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


class EInvoicingSettings(_Section):
    """Where issued invoices and credit notes are handed, for a Plateforme Agréée."""

    #: An entry point of ``domicili.einvoicing`` (``drop-folder``), or ``none``.
    adapter: str = "none"
    #: ``drop-folder``: the folder the platform's connector reads.
    folder: Path | None = None


class Settings(_Section):
    payment: PaymentSettings = Field(default_factory=PaymentSettings.model_construct)
    mailbox: MailboxSettings = Field(default_factory=MailboxSettings.model_construct)
    pricing: PricingSettings = Field(default_factory=PricingSettings.model_construct)
    files: FileSettings = Field(default_factory=FileSettings.model_construct)
    notifications: NotificationSettings = Field(
        default_factory=NotificationSettings.model_construct
    )
    templates: TemplateSettings = Field(default_factory=TemplateSettings.model_construct)
    sms: SmsSettings = Field(default_factory=SmsSettings.model_construct)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings.model_construct)
    email: EmailSettings = Field(default_factory=EmailSettings.model_construct)
    annuaire: AnnuaireSettings = Field(default_factory=AnnuaireSettings.model_construct)
    invoices: InvoiceSettings = Field(default_factory=InvoiceSettings.model_construct)
    billing: BillingSettings = Field(default_factory=BillingSettings.model_construct)
    dunning: DunningSettings = Field(default_factory=DunningSettings.model_construct)
    signature: SignatureSettings = Field(default_factory=SignatureSettings.model_construct)
    einvoicing: EInvoicingSettings = Field(default_factory=EInvoicingSettings.model_construct)

    def service_vocabulary(self) -> dict[str, str]:
        from .annuaire import SERVICES

        return SERVICES | self.annuaire.services


def load_settings(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from ``path``, else ``DOMICILI_CONFIG``, else ``./domicili.toml`` if present,
    with the ``DOMICILI_<SECTION>_<KEY>`` variables of ``environ`` (``os.environ``) over it."""
    environ = os.environ if environ is None else environ
    explicit = path or environ.get("DOMICILI_CONFIG")
    file = Path(explicit) if explicit else Path("domicili.toml")
    overrides = environment_settings(environ)
    if not os.path.lexists(file):
        if explicit:
            raise ConfigError(_("Configuration file {file} does not exist.").format(file=file))
        if not overrides:
            return Settings.model_construct()
        raw: dict[str, Any] = {}
    else:
        raw = _read_file(file)
    variables: dict[tuple[str, ...], str] = {}
    for where, (variable, value) in overrides.items():
        _put(raw, where, value)
        variables[where] = variable
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(exc, file, variables) from None
    # A relative path is the file's folder's; a variable's, the working folder's.
    tdir = settings.templates.dir
    if tdir is not None and not tdir.is_absolute() and ("templates", "dir") not in variables:
        settings.templates.dir = file.parent / tdir
    logo = settings.email.logo
    if logo is not None and not logo.is_absolute() and ("email", "logo") not in variables:
        settings.email.logo = file.parent / logo
    return settings


def environment_variables() -> list[str]:
    """Every ``DOMICILI_<SECTION>_<KEY>`` variable, in the order of the settings;
    ``<key>`` stands for a key of a table, ``<id>`` for a provider's number."""
    names = []
    for section, info in Settings.model_fields.items():
        model = info.annotation
        assert isinstance(model, type)
        assert issubclass(model, BaseModel)
        for name, field in model.model_fields.items():
            stem = f"{ENVIRONMENT_PREFIX}{section}_{name}".upper()
            if get_origin(field.annotation) is not dict:
                names.append(stem)
                continue
            inner = get_args(field.annotation)[1]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                names += [f"{stem}_<id>_{key.upper()}" for key in inner.model_fields]
            else:
                names.append(f"{stem}_<key>")
    return names


def _read_file(file: Path) -> dict[str, Any]:
    import tomllib

    from .inputs import CONFIG_MAX_BYTES, read_text

    text = read_text(file, limit=CONFIG_MAX_BYTES, what=_("a settings file"), error=ConfigError)
    try:
        return tomllib.loads(text)
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


def _invalid(
    exc: ValidationError, file: Path, variables: Mapping[tuple[str, ...], str]
) -> ConfigError:
    """The first problem of the settings, naming the variable or the file that set it."""
    from .service.errors import said

    err = exc.errors()[0]
    loc = tuple(str(p) for p in err["loc"])
    where = ".".join(loc)
    problem = said(err)
    for length in range(len(loc), 0, -1):
        variable = variables.get(loc[:length])
        if variable is not None:
            return ConfigError(
                _("{variable}: {where}: {problem}.").format(
                    variable=variable, where=where, problem=problem
                )
            )
    return ConfigError(
        _("{file}: {where}: {problem}.").format(file=file, where=where, problem=problem)
    )


def environment_settings(environ: Mapping[str, str]) -> dict[tuple[str, ...], tuple[str, Any]]:
    """The settings ``DOMICILI_<SECTION>_<KEY>`` variables give: where each goes in the
    settings (``("payment", "deadline_days")``) → (the variable, its value).

    A variable naming a section but none of its settings is refused, naming them."""
    found: dict[tuple[str, ...], tuple[str, Any]] = {}
    sections = Settings.model_fields
    for variable in sorted(environ):
        if not variable.startswith(ENVIRONMENT_PREFIX) or variable in SECRET_VARIABLES:
            continue
        rest = variable[len(ENVIRONMENT_PREFIX) :].lower()
        section = next((name for name in sections if rest.startswith(f"{name}_")), None)
        if section is None:
            continue
        model = sections[section].annotation
        assert isinstance(model, type)
        assert issubclass(model, BaseModel)
        where = _setting(model, rest[len(section) + 1 :])
        if where is None:
            known = ", ".join(sorted(model.model_fields))
            raise ConfigError(
                _("{variable}: [{section}] has no such setting; its settings: {known}.").format(
                    variable=variable, section=section, known=known
                )
            )
        found[(section, *where)] = (variable, _value(environ[variable]))
    return found


def _setting(model: type[BaseModel], key: str) -> tuple[str, ...] | None:
    """Where ``key`` (``deadline_days``, ``options_host``, ``providers_2_sender``) goes in
    ``model``: a field, a key of a table field, or a field of a table of sections."""
    fields = model.model_fields
    if key in fields:
        return (key,)
    for name, info in fields.items():
        if not key.startswith(f"{name}_") or get_origin(info.annotation) is not dict:
            continue
        rest = key[len(name) + 1 :]
        inner = get_args(info.annotation)[1]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            entry, sep, field = rest.partition("_")
            if sep and entry and field in inner.model_fields:
                return (name, entry, field)
            return None
        return (name, rest) if rest else None
    return None


def _value(text: str) -> Any:
    """A variable's value as TOML reads it (``10``, ``true``, ``[3, 1]``), else the text."""
    import tomllib

    try:
        return tomllib.loads(f"value = {text}")["value"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return text


def _put(raw: dict[str, Any], where: tuple[str, ...], value: Any) -> None:
    """``raw[where[0]][where[1]]… = value``, making the tables on the way."""
    table = raw
    for key in where[:-1]:
        inner = table.get(key)
        if not isinstance(inner, dict):
            inner = table[key] = {}
        table = inner
    table[where[-1]] = value
