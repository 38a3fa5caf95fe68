"""The files of a piece of mail: the photo of its envelope and the scan of its content,
stored content-addressed; a content scanned only when the contract lets the provider open
the client's mail (Code pénal 226-15: the offer's scanning service)."""

from __future__ import annotations

from pathlib import Path

from ..errors import Refused
from ..i18n import _
from ..mailbox import MailPiece
from ..models import Dossier
from .context import Context
from .mail_notify import tell_client
from .mailroom import STATE_WORDS, find_piece, history

__all__ = ["FileGiven", "given", "may_open", "page_count", "scan", "scanned", "stored"]


#: A file given with a piece of mail: its path, or its bytes and name.
FileGiven = str | Path | tuple[bytes, str]


def given(ctx: Context, file: FileGiven, field: str) -> tuple[bytes, str]:
    """The bytes and name of a file given: read from a regular file within the size limit."""
    if isinstance(file, tuple):
        return file
    from .pieces import read_piece_file

    return read_piece_file(ctx, file, field=field), Path(file).name


def stored(ctx: Context, data: bytes, filename: str, types: dict[str, str] | None = None) -> str:
    """Store a file content-addressed (its type noted in ``types``); its SHA-256."""
    kept = ctx.files.put(data, filename=filename)
    ctx.store.record_blob(kept.sha256, kept.size, kept.content_type, ctx.now())
    if types is not None:
        types[kept.sha256] = kept.content_type
    return kept.sha256


# -- scanning ----------------------------------------------------------------------
def scan(ctx: Context, piece_id: int, file: FileGiven, *, actor: str | None = None) -> MailPiece:
    """Store the scan of a piece's content, with its page count: only when the contract
    lets the provider open the client's mail; the client is told."""
    with ctx.store.transaction():
        piece = find_piece(ctx, piece_id)
        scanned(ctx, piece, *given(ctx, file, "scan"), actor=actor)
        if piece.dossier_id is not None and piece.state not in ("unassigned",):
            tell_client(ctx, piece, ctx.dossier(piece.dossier_id), scan_only=True)
        return piece


def scanned(
    ctx: Context, piece: MailPiece, data: bytes, filename: str, *, actor: str | None
) -> None:
    """The scan of ``piece`` stored (inside the caller's transaction)."""
    assert piece.id is not None
    if piece.final:
        raise Refused(
            _("Piece {id} is {state} already: it can no longer be scanned.").format(
                id=piece.id, state=_(STATE_WORDS[piece.state])
            )
        )
    if piece.dossier_id is None:
        raise Refused(
            _("Piece {id} has no mailbox yet: assign it before scanning its content.").format(
                id=piece.id
            )
        )
    dossier = ctx.dossier(piece.dossier_id)
    if not may_open(ctx, dossier):
        raise Refused(
            _(
                "The contract of {where} does not allow opening its mail (no scanning "
                "service): only the envelope may be photographed; nothing was changed."
            ).format(where=dossier.where),
            dossier_id=dossier.id,
        )
    sha = stored(ctx, data, filename)
    pages = page_count(data)
    ctx.store.update_piece(piece.id, scan_sha256=sha, scan_pages=pages)
    piece.scan_sha256, piece.scan_pages = sha, pages
    history(ctx, piece, "scanned", actor, pages=pages, sha256=sha)


def may_open(ctx: Context, dossier: Dossier) -> bool:
    """The client's written permission to open its mail: the contract's scanning service."""
    from ..documents.data import SCANNING
    from .paperwork import dossier_offer

    offer = dossier_offer(ctx, dossier, ctx.provider(dossier.provider_id))
    return SCANNING in offer.services


def page_count(data: bytes) -> int:
    """A PDF's pages; an image is one page."""
    if not data.startswith(b"%PDF"):
        return 1
    from io import BytesIO

    from pypdf import PdfReader

    try:
        return max(1, len(PdfReader(BytesIO(data)).pages))
    except Exception:  # a PDF pypdf cannot read still counts for one page
        return 1
