"""The virtual mailbox side of the :class:`~domicili.Domicili` facade.

Each method is one call into :mod:`domicili.service.mailroom` or
:mod:`domicili.service.mail_instructions`. The class is a base of ``Domicili`` and is
not used on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mailbox import Mailbox, MailPiece
    from .service import (
        mail_instructions,
        mail_intake,
        mail_notices,
        mail_scans,
        mail_sweep,
        mailroom,
    )
    from .service.context import Context
    from .service.mail_instructions import ForwardBatch
    from .service.mail_intake import IntakeReport
    from .service.mail_notices import GreffeNotice
    from .service.mailroom import MailPieceView, ReceiveOutcome
else:
    # Imported on the first call (see benchmarks/bench_startup.py).
    from ._deferred import DeferredModule

    mailroom = DeferredModule("domicili.service.mailroom")
    mail_instructions = DeferredModule("domicili.service.mail_instructions")
    mail_notices = DeferredModule("domicili.service.mail_notices")
    mail_sweep = DeferredModule("domicili.service.mail_sweep")
    mail_intake = DeferredModule("domicili.service.mail_intake")
    mail_scans = DeferredModule("domicili.service.mail_scans")

__all__ = ["Mailroom"]

#: A file given with a piece of mail: its path, or its bytes and name.
FileGiven = str | Path | tuple[bytes, str]


class Mailroom:
    """Pieces of mail received for the dossiers in force, and what becomes of them."""

    ctx: Context
    #: Domicili's: run a use case, then deliver what it queued.
    _changing: Callable[..., Any]

    def receive_mail(
        self,
        mailbox: str | int | None,
        *,
        sender: str,
        kind: str,
        envelope: FileGiven | None = None,
        scan: FileGiven | None = None,
        received_at: datetime | None = None,
        key: str | None = None,
        actor: str | None = None,
    ) -> ReceiveOutcome:
        """Record a piece of mail for the mailbox a dossier (``7``, ``D-000007``) or a
        mailbox number (``B-0007``) names, None to assign it later; the client is told.
        ``key``: the same key again creates nothing new."""
        result: ReceiveOutcome = self._changing(
            mailroom.receive,
            self.ctx,
            None if mailbox is None else str(mailbox),
            sender=sender,
            kind=kind,
            envelope=envelope,
            scan_file=scan,
            received_at=received_at,
            key=key,
            actor=actor,
        )
        return result

    def assign_mail(
        self, piece_id: int, mailbox: str | int, *, actor: str | None = None
    ) -> ReceiveOutcome:
        """Give a piece waiting *à attribuer* its mailbox; its client is told then."""
        result: ReceiveOutcome = self._changing(
            mailroom.assign, self.ctx, piece_id, str(mailbox), actor=actor
        )
        return result

    def scan_mail(self, piece_id: int, file: FileGiven, *, actor: str | None = None) -> MailPiece:
        """Store the scan of a piece's content (the contract must allow opening mail)."""
        piece: MailPiece = self._changing(mail_scans.scan, self.ctx, piece_id, file, actor=actor)
        return piece

    def instruct_mail(
        self,
        piece_id: int,
        action: str,
        *,
        to: str | None = None,
        by: str | None = None,
        actor: str | None = None,
    ) -> MailPiece:
        """``forward`` (``to``: the address), ``hold``, ``scan``, ``destroy`` (after a
        cancellable delay) or ``collect`` (``by``: someone on file) a piece of mail."""
        return mail_instructions.instruct(self.ctx, piece_id, action, to=to, by=by, actor=actor)

    def cancel_mail_destruction(self, piece_id: int, *, actor: str | None = None) -> MailPiece:
        """Cancel a destruction still to come: the piece is back in its mailbox."""
        return mail_instructions.cancel(self.ctx, piece_id, actor=actor)

    def forward_mail(self, *, postage_cents: int, actor: str | None = None) -> ForwardBatch:
        """Send every piece waiting to be forwarded, one envelope per address, each
        costing ``postage_cents`` on the dossier's next invoice."""
        return mail_instructions.forward_batch(self.ctx, postage_cents=postage_cents, actor=actor)

    def set_mailbox_rules(
        self,
        mailbox: str | int,
        *,
        rules: dict[str, str | None] | None = None,
        notify: list[str] | None = None,
        forward_address: str | None = None,
    ) -> Mailbox:
        """A mailbox's standing rules by kind of mail (``{"colis": "forward"}``; None
        removes one), how its client is told (``email``, ``sms``, ``digest``) and where
        its forwarded mail goes."""
        return mail_instructions.set_rules(
            self.ctx, str(mailbox), rules=rules, notify=notify, forward_address=forward_address
        )

    def mail_piece(self, piece_id: int) -> MailPieceView:
        """A piece of mail with its mailbox and its whole history."""
        return mailroom.show_piece(self.ctx, piece_id)

    def mailbox(self, key: str | int) -> tuple[Mailbox | None, int]:
        """The mailbox a number or a dossier names (None: not opened yet), and its dossier."""
        mailbox, dossier = mailroom.find_mailbox(self.ctx, str(key))
        assert dossier.id is not None
        return mailbox, dossier.id

    def iter_mail(
        self,
        *,
        dossier_id: int | None = None,
        uncollected: bool = False,
        older_than_days: int | None = None,
        kind: str | None = None,
        limit: int | None = None,
        before: int | None = None,
    ) -> Iterator[MailPiece]:
        """Pieces of mail, newest first; ``uncollected``: still in the provider's hands."""
        return mailroom.list_pieces(
            self.ctx,
            dossier_id=dossier_id,
            uncollected=uncollected,
            older_than_days=older_than_days,
            kind=kind,
            limit=limit,
            before=before,
        )

    def mail_scan_viewed(self, piece_id: int, *, actor: str | None = None) -> MailPiece:
        """The client viewed a piece's scan (its web page calls this): in the piece's
        history and, when ``[mailbox] scan_view_acknowledges``, it counts as taking its
        mail for the 3-month rule."""
        return mail_sweep.scan_viewed(self.ctx, piece_id, actor=actor)

    def mail_greffe_notices(self) -> list[GreffeNotice]:
        """The notices to the greffe of clients leaving their mail uncollected (3-month
        rule), latest first."""
        return mail_notices.greffe_notices(self.ctx)

    def mail_greffe_notice(self, dossier_id: int) -> GreffeNotice | None:
        """The dossier's latest notice to the greffe (None: its client was not reported)."""
        return mail_notices.notice_of(self.ctx, dossier_id)

    def mail_greffe_notice_pdf(self, dossier_id: int) -> bytes:
        """The PDF of the dossier's latest notice to the greffe."""
        return mail_notices.greffe_notice_pdf(self.ctx, dossier_id)

    def intake_mail(
        self,
        folder: str | Path,
        *,
        sheet: str | Path | None = None,
        received_at: datetime | None = None,
        actor: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IntakeReport:
        """Record every envelope photo of ``folder`` as a piece of mail: its mailbox from
        its file name (``B-0007_…``, ``D-000007-…``), else from ``sheet`` (a CSV
        ``file,mailbox,sender,kind``), else to assign later. Taking the same photos again
        records nothing twice. ``progress`` is called with 1 per entry of the folder."""
        result: IntakeReport = self._changing(
            mail_intake.intake,
            self.ctx,
            folder,
            sheet=sheet,
            received_at=received_at,
            actor=actor,
            progress=progress,
        )
        return result

    def mail_labels(
        self, piece_ids: Sequence[int] = (), *, day: date | None = None, start_at: int = 1
    ) -> bytes:
        """A PDF sheet of labels (mailbox number, piece id, day, kind, client, QR code)
        for the pieces named, else for every piece received on ``day`` (default today)
        that has its mailbox; ``start_at``: the place of the first label on the sheet."""
        return mail_intake.labels(self.ctx, piece_ids, day=day, start_at=start_at)
