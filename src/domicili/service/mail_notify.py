"""Telling a client of a piece of mail, by the channels its mailbox chose."""

from __future__ import annotations

from typing import Any

from ..mailbox import KINDS, Mailbox, MailPiece
from ..models import Attachment, Dossier
from .context import Context

__all__ = ["attachment", "tell_client"]


# -- telling the client ------------------------------------------------------------
def tell_client(
    ctx: Context,
    piece: MailPiece,
    dossier: Dossier,
    *,
    scan_only: bool = False,
    mailbox: Mailbox | None = None,
    types: dict[str, str] | None = None,
) -> None:
    """Tell the client of a piece by its mailbox's channels: an email with the envelope
    (and the scan), an SMS; a client who chose the daily digest hears of it then.
    ``mailbox``: the dossier's, when the caller has it; ``types``: the content type of
    files just stored, by SHA-256 (else read back from the file)."""
    from ..clock import paris_date
    from ..french import numeric_date_fr
    from ..identifiers import is_mobile

    assert piece.id is not None
    mailbox = mailbox or ctx.store.get_mailbox(dossier_id=dossier.id or 0)
    channels = mailbox.notify if mailbox is not None else ["email"]
    if "digest" in channels and piece.hold_reason != "suspended":
        return  # the sweep's digest tells of it
    client = ctx.client(dossier.client_id)
    attachments = []
    if piece.envelope_sha256 and not scan_only:
        attachments.append(attachment(ctx, f"enveloppe-{piece.id}", piece.envelope_sha256, types))
    if piece.scan_sha256:
        attachments.append(attachment(ctx, f"courrier-{piece.id}", piece.scan_sha256, types))
    context: dict[str, Any] = {
        "client": client,
        "provider": ctx.provider(dossier.provider_id),
        "piece": piece,
        "kind": KINDS[piece.kind].lower(),
        "mailbox": mailbox.number if mailbox else "",
        "received_on": numeric_date_fr(paris_date(piece.received_at)),
        "scan_only": scan_only,
        "suspended": piece.hold_reason == "suspended",
    }
    ctx.notify(
        "mail_received", "email", client.email, dossier=dossier, attachments=attachments, **context
    )
    if "sms" in channels and not scan_only and is_mobile(client.phone):
        ctx.notify("mail_received", "sms", client.phone, dossier=dossier, **context)
    now = ctx.now()
    ctx.store.update_piece(piece.id, notified_at=now)
    piece.notified_at = now


def attachment(
    ctx: Context, stem: str, sha256: str, types: dict[str, str] | None = None
) -> Attachment:
    """A stored file as an attachment named by its kind (``.pdf``, ``.png``, ``.jpg``)."""
    from ..files import sniff_content_type

    kind = (types or {}).get(sha256) or sniff_content_type(ctx.files.read(sha256))
    suffix = {"application/pdf": ".pdf", "image/png": ".png"}.get(kind or "", ".jpg")
    return Attachment(filename=stem + suffix, sha256=sha256)
