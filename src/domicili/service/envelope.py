"""Who an email is from and where its replies go: the provider, as it sends them.

From shows the provider's name with the sending address of the settings (``[email]
sender``, or ``[email.providers.ID] sender`` for one provider); Reply-To is the
provider's own address, so that a client's reply reaches the provider. A message to
the provider itself takes the Reply-To its caller gives (the client of a new request).
The logo of ``[email] logo`` travels with each email as an inline image.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, JustificatifRejected
from ..i18n import _
from ..models import Attachment, Provider

if TYPE_CHECKING:
    from ..ports import FileStore
    from .context import Context

__all__ = ["LOGO_CID", "LOGO_MAX_BYTES", "Envelope", "envelope"]

#: The Content-ID of the logo in every email (``<img src="cid:logo@domicili">``).
LOGO_CID = "logo@domicili"
#: A logo travels with every email: kept small.
LOGO_MAX_BYTES = 512 * 1024

#: The logo stored in each file store, per (path, modification time, size) of its file.
_LOGOS: weakref.WeakKeyDictionary[FileStore, dict[tuple[str, int, int], Attachment]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class Envelope:
    from_name: str | None
    #: None: the notifier's own sending address.
    from_address: str | None
    reply_to: str | None
    logo: Attachment | None


def provider_addresses(provider: Provider) -> set[str]:
    """The addresses at which the provider itself receives messages."""
    addresses = {provider.email}
    if provider.representative_email:
        addresses.add(provider.representative_email)
    return addresses


def envelope(
    ctx: Context, provider: Provider | None, to: str, reply_to: str | None = None
) -> Envelope:
    """The From, Reply-To and logo of an email to ``to`` about ``provider``'s business.

    Without ``reply_to``, replies go to the provider, unless the email is to the
    provider itself (then none is set).
    """
    settings = ctx.settings.email
    if provider is None:
        return Envelope(None, settings.sender, reply_to, _logo(ctx))
    if reply_to is None and to not in provider_addresses(provider):
        reply_to = provider.email
    return Envelope(provider.name, settings.sender_for(provider.id), reply_to, _logo(ctx))


def _logo(ctx: Context) -> Attachment | None:
    """The logo as an inline attachment, stored once per file store and file version."""
    path = ctx.settings.email.logo
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(
            _("The logo {path} ([email] logo) cannot be read: {reason}.").format(
                path=path, reason=(exc.strerror or str(exc)).lower()
            )
        ) from None
    key = (str(path), info.st_mtime_ns, info.st_size)
    stored = _LOGOS.setdefault(ctx.files, {})
    if key not in stored:
        stored[key] = _store_logo(ctx, path)
    return stored[key]


def _store_logo(ctx: Context, path: Path) -> Attachment:
    from ..inputs import read_file

    data = read_file(path, limit=LOGO_MAX_BYTES, what="a logo", error=ConfigError)
    try:
        kept = ctx.files.put(data, filename=path.name)
    except JustificatifRejected:
        raise ConfigError(
            _("The logo {path} ([email] logo) is not a PNG or JPEG image.").format(path=path)
        ) from None
    if not kept.content_type.startswith("image/"):
        raise ConfigError(
            _("The logo {path} ([email] logo) is not a PNG or JPEG image.").format(path=path)
        )
    ctx.store.record_blob(kept.sha256, kept.size, kept.content_type, ctx.now())
    extension = "png" if kept.content_type == "image/png" else "jpg"
    return Attachment(
        filename=f"logo.{extension}",
        content_type=kept.content_type,
        sha256=kept.sha256,
        content_id=LOGO_CID,
    )
