"""Built-in notifiers: an outbox folder (the default), SMTP for email, and null."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AdapterError
from ..files import write_atomic
from ..models import OutboxMessage

if TYPE_CHECKING:
    from email.message import EmailMessage

    from ..ports import NotifierFactory

__all__ = ["BUILTIN", "NullNotifier", "OutboxFolderNotifier", "SmtpNotifier"]

DEFAULT_SENDER = "domicili@localhost"


def to_email(message: OutboxMessage, sender: str) -> EmailMessage:
    # The email package is imported when an email is written, not when a command starts.
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject or ""
    if message.created_at is not None:
        mail["Date"] = format_datetime(message.created_at)
    domain = sender.rsplit("@", 1)[-1]
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=domain)
    if message.dossier_id is not None:
        mail["X-Domicili-Dossier"] = str(message.dossier_id)
    mail.set_content(message.body)
    for attachment in message.attachments:
        if attachment.path is None:
            raise AdapterError(
                f"Attachment {attachment.filename} of message {message.id} has no file to send."
            )
        try:
            data = Path(attachment.path).read_bytes()
        except OSError as exc:
            raise AdapterError(f"Cannot read attachment {attachment.filename}: {exc}.") from exc
        maintype, _, subtype = attachment.content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return mail


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
            raise AdapterError(f"Cannot write to the outbox folder {self.folder}: {exc}.") from exc


class SmtpNotifier:
    """Sends emails through an SMTP server; SMS are written to the outbox folder.

    Options: ``host``, ``port`` (25), ``sender``, ``starttls`` (false); the password,
    if any, comes from ``DOMICILI_SMTP_PASSWORD`` with ``username`` from the options.
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = DEFAULT_SENDER,
        *,
        username: str | None = None,
        starttls: bool = False,
        sms_folder: Path | None = None,
        timeout: float = 10,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.starttls, self.timeout = username, starttls, timeout
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
        if message.channel != "email":
            self.sms.deliver(message)
            return
        import smtplib  # with ssl: only when an email goes out this way

        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, os.environ.get("DOMICILI_SMTP_PASSWORD", ""))
                smtp.send_message(to_email(message, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            raise AdapterError(
                f"The SMTP server {self.host}:{self.port} did not take message {message.id}: "
                f"{exc}; it stays queued."
            ) from exc


class NullNotifier:
    """Delivers nothing (the outbox table still keeps every message)."""

    @classmethod
    def from_config(cls, options: dict[str, Any], *, outbox_dir: Path) -> NullNotifier:
        return cls()

    def deliver(self, message: OutboxMessage) -> None:
        return None


BUILTIN: dict[str, NotifierFactory] = {
    "outbox": OutboxFolderNotifier,
    "smtp": SmtpNotifier,
    "null": NullNotifier,
}
