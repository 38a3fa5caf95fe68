"""The composition root of :class:`~domicili.Domicili`: the store, the folder of its
files and the adapters, resolved once into the :class:`~domicili.service.context.Context`
that every use case receives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .clock import Clock, clock_from_env
from .config import Settings
from .errors import ConfigError
from .files import FileStore
from .i18n import _
from .keys import HeadAnchor, SecretKey
from .messages import MessageRenderer
from .ports import Notifier, PaymentGateway, SignatureMethod
from .service.context import Context
from .store import is_url, open_store

__all__ = ["Composition", "compose"]


@dataclass
class Composition:
    ctx: Context
    #: Where the stored files are (``<db>-files``, ``files``, or a throw-away folder).
    data_dir: Path
    #: The folder the throw-away database of ``":memory:"`` keeps its files in.
    scratch: Path | None

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


def compose(
    db: str | Path,
    *,
    files: str | Path | None,
    settings: Settings,
    clock: Clock | None,
    notifier: Notifier | None,
    payments: PaymentGateway | None,
    signature_method: SignatureMethod | None,
    provider: int | None,
    create: bool,
    auto_deliver: bool,
) -> Composition:
    """Everything a facade over ``db`` needs; the adapters not given are those the
    settings name. Nothing is left open when this raises."""
    if files is None and is_url(db):
        raise ConfigError(
            _(
                "A database server needs a folder for the stored files, shared by every "
                "application server: name one (files)."
            ),
            field="files",
        )
    scratch: Path | None = None
    if files is not None:
        data_dir = Path(files)
    elif str(db) == ":memory:":
        import tempfile

        # A throw-away database keeps its files in a throw-away folder, not in the cwd.
        scratch = data_dir = Path(tempfile.mkdtemp(prefix="domicili-memory-"))
    else:
        data_dir = Path(db).parent / f"{Path(db).name}-files"
    _check_folder(data_dir)
    try:
        notifier, payments, signature_method = _adapters(
            settings, data_dir / "outbox", notifier, payments, signature_method
        )
        from .adapters import load_einvoicing

        einvoicing = load_einvoicing(settings.einvoicing)
        clock = clock or clock_from_env()  # a wrong DOMICILI_NOW is refused before connecting
        renderer = MessageRenderer(settings.templates.dir)
        store = open_store(db, create=create)
    except BaseException:
        remove_scratch(scratch)
        raise
    anchor = HeadAnchor(data_dir)
    store.on_events_committed = anchor.advance
    ctx = Context(
        store=store,
        files=FileStore(
            data_dir / "justificatifs", max_bytes=int(settings.files.max_mb * 1024 * 1024)
        ),
        notifier=notifier,
        payments=payments,
        signatures=signature_method,
        clock=clock,
        settings=settings,
        secret=SecretKey(data_dir),
        head_anchor=anchor,
        catalog=Catalog(),
        renderer=renderer,
        provider_scope=provider,
        deliver_after_commit=auto_deliver,
        einvoicing=einvoicing,
    )
    from .service.mail_fees import MailFees

    # The mailbox's fees are on each invoice of the running contract, as the offer says.
    ctx.line_items.append(MailFees(ctx))
    return Composition(ctx, data_dir, scratch)


def _check_folder(data_dir: Path) -> None:
    """The stored files' folder may not exist yet; if something is there, it is a folder."""
    import stat

    try:
        mode = data_dir.stat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        from .inputs import file_kind

        kind = file_kind(mode) or "a file"
        raise ConfigError(
            _("{data_dir} is {kind}, not a folder: the stored files need a folder.").format(
                data_dir=data_dir, kind=kind
            ),
            field="files_folder",
            value=str(data_dir),
        )


def remove_scratch(scratch: Path | None) -> None:
    if scratch is not None:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)


def _options(settings: Settings, adapter: str) -> dict[str, Any]:
    """What an email notifier is built from: the ``smtp`` one from ``[smtp]``, overlaid
    by ``[notifications.options]`` when it is also the ``[notifications]`` notifier."""
    own = settings.notifications.options if adapter == settings.notifications.notifier else {}
    if adapter != "smtp":
        return own
    return {**settings.smtp.options(), **own}


def _adapters(
    settings: Settings,
    outbox_dir: Path,
    notifier: Notifier | None,
    payments: PaymentGateway | None,
    signature_method: SignatureMethod | None,
) -> tuple[Notifier, PaymentGateway, SignatureMethod]:
    """The adapters given, else those the settings name."""
    from . import adapters

    if notifier is None:
        name = settings.notifications.notifier
        notifier = adapters.load_notifier(name, _options(settings, name), outbox_dir=outbox_dir)
    email, sms = settings.email.adapter, settings.sms.adapter
    if email is not None or sms is not None:
        from .adapters.sms import ChannelNotifier

        notifier = ChannelNotifier(
            notifier
            if email is None
            else adapters.load_notifier(email, _options(settings, email), outbox_dir=outbox_dir),
            notifier
            if sms is None
            else adapters.load_notifier(sms, settings.sms.options(), outbox_dir=outbox_dir),
        )
    if payments is None:
        payments = adapters.load_payment_gateway(settings.payment)
    if signature_method is None:
        signature_method = adapters.load_signature_method(settings.signature)
    return notifier, payments, signature_method
