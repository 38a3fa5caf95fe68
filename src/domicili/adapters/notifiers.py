"""Built-in notifiers: an outbox folder (the default), SMTP for email, and null."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import SMTP_PASSWORD
from ..errors import AdapterError
from ..files import write_atomic
from ..i18n import _
from ..models import Attachment, OutboxMessage

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

    from ..ports import NotifierFactory

__all__ = ["BUILTIN", "NullNotifier", "OutboxFolderNotifier", "SmtpNotifier"]

DEFAULT_SENDER = "domicili@localhost"


def message_id(message: OutboxMessage, sender: str) -> str:
    """``<outbox-12.3f9a0c1b2d4e@lumiere.example>``: the same at every delivery of the
    message, so that a receiving server recognises a copy sent again after a crash."""
    domain = sender.rsplit("@", 1)[-1].strip(" <>") or "localhost"
    return f"<{message.key or f'outbox-{message.id}'}@{domain}>"


def from_header(message: OutboxMessage, sender: str) -> str:
    """``"Lumière Domiciliation" <bureau@lumiere.example>``: the provider's name with the
    message's sending address (``sender``, the notifier's own, when it has none)."""
    from email.utils import formataddr

    address = message.from_address or sender
    return formataddr((message.from_name, address)) if message.from_name else address


def to_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The email of ``message``: text and HTML parts, inline images, attachments."""
    # The email package is imported when an email is written, not when a command starts.
    from email.message import EmailMessage
    from email.utils import format_datetime

    mail = EmailMessage()
    mail["From"] = from_header(message, sender)
    mail["To"] = message.to
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    mail["Subject"] = message.subject or ""
    if message.created_at is not None:
        mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message_id(message, message.from_address or sender)
    if message.dossier_id is not None:
        mail["X-Domicili-Dossier"] = str(message.dossier_id)
    mail.set_content(message.body)
    inline = [a for a in message.attachments if a.content_id]
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html")
        html_part = mail.get_payload()[-1]  # type: ignore[index]
        assert isinstance(html_part, EmailMessage)
        for attachment in inline:
            maintype, __, subtype = attachment.content_type.partition("/")
            html_part.add_related(
                _attachment_bytes(message, attachment),
                maintype=maintype,
                subtype=subtype,
                cid=f"<{attachment.content_id}>",
                filename=attachment.filename,
            )
    for attachment in message.attachments:
        if attachment.content_id:
            continue  # shown in the HTML part (or, without one, not at all)
        maintype, __, subtype = attachment.content_type.partition("/")
        mail.add_attachment(
            _attachment_bytes(message, attachment),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )
    _fixed_boundaries(mail, message.key or f"outbox-{message.id}")
    return mail


def _fixed_boundaries(mail: EmailMessage, key: str) -> None:
    """Boundaries named after the message, not drawn at random: a message delivered
    again is the same bytes (the outbox folder's file, a server's duplicate check)."""
    for number, part in enumerate(p for p in mail.walk() if p.is_multipart()):
        part.set_boundary(f"=_{key}.{number}")


def _attachment_bytes(message: OutboxMessage, attachment: Attachment) -> bytes:
    if attachment.path is None:
        raise AdapterError(
            _("Attachment {filename} of message {id} has no file to send.").format(
                filename=attachment.filename, id=message.id
            )
        )
    try:
        return Path(attachment.path).read_bytes()
    except OSError as exc:
        raise AdapterError(
            _("Cannot read attachment {filename}: {exc}.").format(
                filename=attachment.filename, exc=exc
            )
        ) from exc


class OutboxFolderNotifier:
    """Writes each message as a file: ``000012-email-client@example.fr.eml`` or ``….sms.txt``.

    Writing the same message again replaces its file, so a retried delivery never
    leaves two copies.
    """

    def __init__(self, folder: Path, sender: str = DEFAULT_SENDER) -> None:
        self.folder = Path(folder)
        self.sender = sender

    @classmethod
    def from_config(cls, options: dict[str, Any], *, outbox_dir: Path) -> OutboxFolderNotifier:
        return cls(Path(options.get("folder", outbox_dir)), options.get("sender", DEFAULT_SENDER))

    def path_for(self, message: OutboxMessage) -> Path:
        safe_to = re.sub(r"[^A-Za-z0-9@.+_-]", "_", message.to)
        suffix = "eml" if message.channel == "email" else "sms.txt"
        return self.folder / f"{message.id:06d}-{message.channel}-{safe_to}.{suffix}"

    def deliver(self, message: OutboxMessage) -> None:
        if message.channel == "email":
            data = to_email(message, self.sender).as_bytes()
        else:
            data = f"To: {message.to}\n\n{message.body}\n".encode()
        try:
            write_atomic(self.path_for(message), data)
        except OSError as exc:
            raise AdapterError(
                _("Cannot write to the outbox folder {folder}: {exc}.").format(
                    folder=self.folder, exc=exc
                )
            ) from exc


class SmtpNotifier:
    """Sends emails through an SMTP server; SMS are written to the outbox folder.

    Options: ``host``, ``port`` (25), ``sender``, ``starttls`` (false: upgrade to TLS
    before logging in), ``ssl`` (false: TLS from the first byte, port 465), ``timeout``
    (10 s, each wait for the server); the server's certificate is checked against the
    system's authorities (``SSL_CERT_FILE`` names others). The password, if any, comes from
    ``DOMICILI_SMTP_PASSWORD`` with ``username`` from the options. A delivery run
    sends all its emails over one connection (:meth:`batch`).
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = DEFAULT_SENDER,
        *,
        username: str | None = None,
        starttls: bool = False,
        ssl: bool = False,
        sms_folder: Path | None = None,
        timeout: float = 10,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.starttls, self.timeout = username, starttls, float(timeout)
        self.ssl = ssl
        self.sms = OutboxFolderNotifier(sms_folder or Path("outbox"), sender)

    @classmethod
    def from_config(cls, options: dict[str, Any], *, outbox_dir: Path) -> SmtpNotifier:
        opts = dict(options)
        return cls(
            opts.pop("host", "localhost"),
            int(opts.pop("port", 25)),
            opts.pop("sender", DEFAULT_SENDER),
            sms_folder=outbox_dir,
            **opts,
        )

    def deliver(self, message: OutboxMessage) -> None:
        """One message over a connection of its own."""
        with self.batch(deadline=time.monotonic() + 6 * self.timeout) as session:
            session.deliver(message)

    @contextmanager
    def batch(self, *, deadline: float) -> Iterator[_SmtpSession]:
        """One connection for a run of messages, opened on the first email."""
        session = _SmtpSession(self, deadline)
        try:
            yield session
        finally:
            session.close()


class _SmtpSession:
    """The connection of one delivery run; no wait lasts past the run's deadline."""

    def __init__(self, notifier: SmtpNotifier, deadline: float) -> None:
        self.notifier, self.deadline = notifier, deadline
        self.where = f"{notifier.host}:{notifier.port}"
        self.smtp: smtplib.SMTP | None = None
        #: Once the server could not be reached, the run's other emails are not tried.
        self.down: tuple[BaseException, str] | None = None

    def _timeout(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(_("the delivery time ran out"))
        return min(self.notifier.timeout, left)

    def _connect(self) -> smtplib.SMTP:
        import smtplib  # with ssl: only when an email goes out this way
        import ssl

        notifier = self.notifier
        if notifier.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                notifier.host,
                notifier.port,
                timeout=self._timeout(),
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(notifier.host, notifier.port, timeout=self._timeout())
        try:
            if notifier.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.notifier.username:
                smtp.login(self.notifier.username, os.environ.get(SMTP_PASSWORD, ""))
        except BaseException:
            smtp.close()
            raise
        return smtp

    def deliver(self, message: OutboxMessage) -> None:
        if message.channel != "email":
            self.notifier.sms.deliver(message)
            return
        if self.down is not None:
            raise self._error(message, *self.down)
        import smtplib

        mail = to_email(message, self.notifier.sender)
        try:
            self._send(mail)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise self._error(message, exc, _("the mail server refused the address")) from exc
        except smtplib.SMTPResponseException as exc:
            reason = _("the mail server answered {smtp_code} {smtp_error}").format(
                smtp_code=exc.smtp_code, smtp_error=_text(exc.smtp_error)
            )
            if exc.smtp_code >= 500 or isinstance(exc, smtplib.SMTPAuthenticationError):
                self._drop()
            raise self._error(message, exc, reason) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            self.down = (exc, self._unreachable(exc))
            raise self._error(message, *self.down) from exc

    def _send(self, mail: EmailMessage) -> None:
        import smtplib

        if self.smtp is not None and self.smtp.sock is not None:
            self.smtp.sock.settimeout(self._timeout())
            try:
                self.smtp.send_message(mail)
                return
            except smtplib.SMTPServerDisconnected:
                self._drop()  # the server hung up between two emails: once more, anew
        self.smtp = self._connect()
        self.smtp.send_message(mail)

    def _unreachable(self, exc: BaseException) -> str:
        import socket

        # smtplib turns a timeout while reading an answer into "Connection unexpectedly closed".
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            return _("the mail server {where} did not answer").format(where=self.where)
        if isinstance(exc, ConnectionRefusedError):
            return _("the mail server {where} refused the connection").format(where=self.where)
        if isinstance(exc, socket.gaierror):
            return _("the mail server {host} cannot be found").format(host=self.notifier.host)
        import ssl

        if isinstance(exc, ssl.SSLCertVerificationError):
            return _("the certificate of the mail server {where} is not trusted ({why})").format(
                where=self.where, why=exc.verify_message
            )
        return _("the connection to the mail server {where} failed ({exc})").format(
            where=self.where, exc=exc
        )

    def _error(self, message: OutboxMessage, exc: BaseException, reason: str) -> AdapterError:
        return AdapterError(
            _("The SMTP server {where} did not take message {id}: {exc}; it stays queued.").format(
                where=self.where, id=message.id, exc=exc
            ),
            reason=reason,
        )

    def _drop(self) -> None:
        if self.smtp is not None:
            with suppress(Exception):
                self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        """Say goodbye (briefly: every email has had its answer already) and hang up."""
        if self.smtp is None:
            return
        with suppress(Exception):
            if self.smtp.sock is not None:
                self.smtp.sock.settimeout(min(1.0, self.notifier.timeout))
            self.smtp.quit()
        self._drop()


def _text(error: bytes | str) -> str:
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)


class NullNotifier:
    """Delivers nothing (the outbox table still keeps every message)."""

    @classmethod
    def from_config(cls, options: dict[str, Any], *, outbox_dir: Path) -> NullNotifier:
        return cls()

    def deliver(self, message: OutboxMessage) -> None:
        return None


def _builtin() -> dict[str, NotifierFactory]:
    from .sms import ConsoleNotifier, SmsHttpNotifier

    return {
        "outbox": OutboxFolderNotifier,
        "smtp": SmtpNotifier,
        "null": NullNotifier,
        "sms-http": SmsHttpNotifier,
        "console": ConsoleNotifier,
    }


BUILTIN: dict[str, NotifierFactory] = _builtin()
