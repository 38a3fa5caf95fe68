"""``domicili courrier …``: the virtual mailbox — each piece of mail received for the
dossiers in force, scanned where the contract allows it, and what becomes of it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..i18n import N_, _, ngettext
from ._dates import MOMENT
from ._output import (
    DOSSIER,
    ID,
    emit,
    emit_rows,
    json_option,
    labelled,
    note,
    page_limit,
    page_options,
)

if TYPE_CHECKING:
    from ..mailbox import MailPiece
    from ..service.mailroom import MailPieceView, ReceiveOutcome
    from . import State

#: A file given on the command line: a regular file that exists.
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
#: The kinds of mail, as typed.
KIND = click.Choice(["lettre", "recommande", "colis", "administratif", "avis_de_passage"])


@click.group()
def courrier() -> None:
    """The virtual mailbox: mail received for the dossiers in force, scanned where the
    contract allows it, and obeyed to its end (forwarded, collected, destroyed).

    A mailbox is named by its number (B-0007) or its dossier (7, D-000007).
    Example: domicili courrier receive D-000007 --sender "URSSAF" --kind lettre
    """


def staff() -> str | None:
    """Who runs the command, as each step of a piece's history names them: the account
    of the person at the desk."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this account
        return None


def piece_dict(p: MailPiece) -> dict[str, Any]:
    return p.model_dump(mode="json")


def _state(p: MailPiece) -> str:
    from ..french import numeric_date_fr
    from ..service.mailroom import STATE_WORDS

    said = _(STATE_WORDS[p.state])
    if p.state == "to_destroy" and p.destroy_on:
        said += " " + _("on {day}").format(day=numeric_date_fr(p.destroy_on))
    if p.hold_reason == "suspended":
        said += " " + _("(service suspended)")
    return said


def _received(outcome: ReceiveOutcome) -> None:
    p = outcome.piece
    where = outcome.mailbox_number or _("to assign")
    if not outcome.created:
        note(_("Piece {id} was recorded already with this key; nothing new.").format(id=p.id))
        return
    note(
        _("Piece {id} received: {kind} from {sender}, mailbox {mailbox}.").format(
            id=p.id, kind=p.label.lower(), sender=p.sender, mailbox=where
        )
    )
    if outcome.note == "avis_de_passage":
        note(
            _(
                "No procuration postale on file: recorded as an avis de passage, for the "
                "client to collect at the post office."
            )
        )
    elif outcome.note == "suspended":
        note(_("The mail service is suspended for non-payment: the piece is held."))


def _show(view: MailPieceView) -> None:
    from ..clock import PARIS, paris_date
    from ..french import format_eur, numeric_date_fr, time_fr

    p = view.piece
    at = paris_date(p.received_at)
    labelled(
        [
            (N_("Piece"), p.id),
            (N_("Mailbox"), view.mailbox_number or _("to assign")),
            (N_("Dossier"), f"D-{p.dossier_id:06d}" if p.dossier_id else None),
            (N_("Kind"), p.label),
            (N_("Sender"), p.sender),
            (N_("Received"), f"{numeric_date_fr(at)} {time_fr(p.received_at.astimezone(PARIS))}"),
            (N_("State"), _state(p)),
            (N_("Envelope"), p.envelope_sha256[:12] if p.envelope_sha256 else None),
            (N_("Scan"), f"{p.scan_pages} p. ({p.scan_sha256[:12]})" if p.scan_sha256 else None),
            (N_("Forwarded to"), p.forward_to),
            (N_("Postage"), format_eur(p.postage_cents) if p.postage_cents else None),
            (N_("Collected by"), p.collected_by),
        ]
    )
    click.echo(_("History:"))
    for h in view.history:
        when = f"{numeric_date_fr(paris_date(h.at))} {time_fr(h.at.astimezone(PARIS))}"
        who = f" ({h.actor})" if h.actor else ""
        detail = ", ".join(f"{k}: {v}" for k, v in h.detail.items() if v is not None)
        click.echo(f"  {when}  {h.action}{who}" + (f" — {detail}" if detail else ""))


@courrier.command("receive")
@click.argument("mailbox", metavar="MAILBOX|DOSSIER")
@click.option("--sender", required=True, help="Who sent it, as the envelope says.")
@click.option("--kind", type=KIND, required=True, help="What it is.")
@click.option("--envelope", type=FILE, help="Photo of the envelope (JPEG, PNG or PDF).")
@click.option("--scan", type=FILE, help="Scan of the content (needs the permission to open).")
@click.option("--received-at", type=MOMENT, help="When it arrived (default: now).")
@click.option("--key", help="A key of your own: the same key again records nothing new.")
@json_option
@click.pass_obj
def courrier_receive(
    state: State,
    mailbox: str,
    sender: str,
    kind: str,
    envelope: Path | None,
    scan: Path | None,
    received_at: datetime | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Record a piece of mail for a mailbox; the client is told by its chosen channels.

    Mail for a dossier not in force is refused (return it to its sender). Registered
    mail and parcels need a procuration postale on file, else they are recorded as an
    avis de passage. Example: domicili courrier receive B-0001 --sender "Impots"
    --kind lettre --envelope enveloppe.jpg --key 2026-12-02-001
    """
    outcome = state.app().receive_mail(
        mailbox,
        sender=sender,
        kind=kind,
        envelope=envelope,
        scan=scan,
        received_at=received_at,
        key=key,
        actor=staff(),
    )
    emit(outcome.as_dict(), as_json, lambda: None)
    _received(outcome)


@courrier.command("assign")
@click.argument("piece_id", type=ID)
@click.argument("mailbox", metavar="MAILBOX|DOSSIER")
@json_option
@click.pass_obj
def courrier_assign(state: State, piece_id: int, mailbox: str, as_json: bool) -> None:
    """Give a piece waiting « à attribuer » its mailbox; its client is told then.

    Example: domicili courrier assign 12 B-0003
    """
    outcome = state.app().assign_mail(piece_id, mailbox, actor=staff())
    emit(outcome.as_dict(), as_json, lambda: None)
    _received(outcome)


@courrier.command("scan")
@click.argument("piece_id", type=ID)
@click.argument("file", type=FILE)
@json_option
@click.pass_obj
def courrier_scan(state: State, piece_id: int, file: Path, as_json: bool) -> None:
    """Store the scan of a piece's content (PDF, JPEG or PNG), with its page count; the
    client is told. Only when the contract allows opening the client's mail.

    Example: domicili courrier scan 12 scan-12.pdf
    """
    piece = state.app().scan_mail(piece_id, file, actor=staff())
    emit(piece_dict(piece), as_json, lambda: None)
    pages = piece.scan_pages or 1
    note(
        ngettext(
            "Piece {id} scanned: {pages} page.", "Piece {id} scanned: {pages} pages.", pages
        ).format(id=piece.id, pages=pages)
    )


@courrier.command("instruct")
@click.argument("piece_id", type=ID)
@click.argument("action", type=click.Choice(["forward", "hold", "scan", "destroy", "collect"]))
@click.option("--to", "to", help="forward: the address (default: the mailbox's).")
@click.option("--by", "by", help="collect: who takes it (someone on file for the client).")
@json_option
@click.pass_obj
def courrier_instruct(
    state: State, piece_id: int, action: str, to: str | None, by: str | None, as_json: bool
) -> None:
    """Do what the client asks with a piece: forward, hold, scan, destroy (after a
    delay it may cancel) or collect (by someone on file).

    Example: domicili courrier instruct 12 collect --by "Camille Durand"
    """
    piece = state.app().instruct_mail(piece_id, action, to=to, by=by, actor=staff())
    emit(piece_dict(piece), as_json, lambda: None)
    note(_("Piece {id}: {state}.").format(id=piece.id, state=_state(piece)))


@courrier.command("cancel")
@click.argument("piece_id", type=ID)
@json_option
@click.pass_obj
def courrier_cancel(state: State, piece_id: int, as_json: bool) -> None:
    """Cancel a destruction still to come: the piece is back in its mailbox.

    Example: domicili courrier cancel 12
    """
    piece = state.app().cancel_mail_destruction(piece_id, actor=staff())
    emit(piece_dict(piece), as_json, lambda: None)
    note(_("Piece {id}: destruction cancelled.").format(id=piece.id))


@courrier.command("forward-batch")
@click.option("--postage", required=True, help="Postage of each envelope, in euros (e.g. 2,50).")
@json_option
@click.pass_obj
def courrier_forward_batch(state: State, postage: str, as_json: bool) -> None:
    """Send every piece waiting to be forwarded: one envelope per address, its postage
    recorded for the client's next invoice.

    Example: domicili courrier forward-batch --postage 2,50
    """
    from ..french import format_eur
    from ..money import parse_euros

    batch = state.app().forward_mail(
        postage_cents=parse_euros(postage, field="postage"), actor=staff()
    )

    def human() -> None:
        if not batch.pieces:
            click.echo(_("No piece is waiting to be forwarded."))
            return
        click.echo(
            ngettext(
                "Batch {id}: {pieces} piece in {envelopes} envelope(s), postage {total}.",
                "Batch {id}: {pieces} pieces in {envelopes} envelope(s), postage {total}.",
                len(batch.pieces),
            ).format(
                id=batch.batch_id,
                pieces=len(batch.pieces),
                envelopes=len(batch.envelopes),
                total=format_eur(batch.postage_cents),
            )
        )
        for address, pieces in batch.envelopes.items():
            click.echo(f"  {address}: " + ", ".join(str(p) for p in pieces))

    emit(batch.as_dict(), as_json, human)


@courrier.command("list")
@click.option("--dossier", "dossier_id", type=DOSSIER, help="Only this dossier's mail.")
@click.option("--uncollected", is_flag=True, help="Only the mail still in your hands.")
@click.option("--older-than", type=ID, metavar="DAYS", help="Only mail received before then.")
@click.option("--kind", type=KIND, help="Only this kind of mail.")
@page_options("pieces")
@json_option
@click.pass_obj
def courrier_list(
    state: State,
    dossier_id: int | None,
    uncollected: bool,
    older_than: int | None,
    kind: str | None,
    limit: int | None,
    show_all: bool,
    before: int | None,
    as_json: bool,
) -> None:
    """List the pieces of mail, newest first, and where each one is.

    Example: domicili courrier list --uncollected --older-than 30
    """
    from ..clock import paris_date
    from ..french import numeric_date_fr

    shown, read = page_limit(limit, show_all)
    rows = state.app().iter_mail(
        dossier_id=dossier_id,
        uncollected=uncollected,
        older_than_days=older_than,
        kind=kind,
        limit=read,
        before=before,
    )
    emit_rows(
        rows,
        limit=shown,
        as_json=as_json,
        data=piece_dict,
        columns=[_("ID"), _("Received"), _("Dossier"), _("Kind"), _("Sender"), _("State")],
        cells=lambda p: (
            p.id,
            numeric_date_fr(paris_date(p.received_at)),
            f"D-{p.dossier_id:06d}" if p.dossier_id else _("to assign"),
            p.label,
            p.sender,
            _state(p),
        ),
        noun="pieces",
    )


@courrier.command("show")
@click.argument("piece_id", type=ID)
@json_option
@click.pass_obj
def courrier_show(state: State, piece_id: int, as_json: bool) -> None:
    """Show a piece of mail with its whole history, from its arrival to its end.

    Example: domicili courrier show 12
    """
    view = state.app().mail_piece(piece_id)
    emit(view.as_dict(), as_json, lambda: _show(view))


def _rule(value: str) -> tuple[str, str | None]:
    kind, sep, action = value.partition("=")
    if not sep:
        raise click.BadParameter(
            _("{value!r} is not KIND=ACTION, such as colis=forward or lettre=none.").format(
                value=value
            )
        )
    action = action.strip()
    return kind.strip(), None if action == "none" else action


@courrier.command("rules")
@click.argument("mailbox", metavar="MAILBOX|DOSSIER")
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="KIND=ACTION",
    help="What to do with each new piece of a kind: forward, hold, scan, destroy, none.",
)
@click.option("--notify", help="How the client is told: email, sms, digest (comma-separated).")
@click.option("--forward-to", help="The address forwarded mail goes to.")
@json_option
@click.pass_obj
def courrier_rules(
    state: State,
    mailbox: str,
    rules: tuple[str, ...],
    notify: str | None,
    forward_to: str | None,
    as_json: bool,
) -> None:
    """Set a mailbox's standing rules, how its client is told, and where its mail is
    forwarded; without options, show them.

    Example: domicili courrier rules B-0001 --rule colis=forward --rule lettre=scan
    --forward-to "12 rue des Lilas, 69003 Lyon" --notify email,sms
    """
    parsed = dict(_rule(r) for r in rules)
    channels = [c.strip() for c in notify.split(",")] if notify is not None else None
    box = state.app().set_mailbox_rules(
        mailbox, rules=parsed or None, notify=channels, forward_address=forward_to
    )

    def human() -> None:
        labelled(
            [
                (N_("Mailbox"), box.number),
                (N_("Dossier"), f"D-{box.dossier_id:06d}"),
                (N_("Rules"), ", ".join(f"{k}: {v}" for k, v in box.rules.items()) or "—"),
                (N_("Told by"), ", ".join(box.notify)),
                (N_("Forwarded to"), box.forward_address),
            ]
        )

    emit(box.model_dump(mode="json"), as_json, human)


COMMANDS = [courrier]

# The notices to the greffe (3-month rule), the morning intake and the sheet of labels,
# attached to the group above.
from . import _courrier_intake, _courrier_notices  # noqa: E402, F401
