"""``init``, ``sweep``, ``outbox``, ``audit`` and ``demo``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..i18n import N_, _, ngettext
from ._output import (
    DOSSIER,
    ID,
    delivered,
    emit,
    emit_rows,
    json_option,
    note,
    page_limit,
    page_options,
)

if TYPE_CHECKING:
    from ..models import OutboxMessage
    from . import State


@click.command("init")
@json_option
@click.pass_obj
def init(state: State, as_json: bool) -> None:
    """Create the database (or bring an older one up to date).

    Example: domicili --db cabinet.db init
    """
    info = state.app(create=True).info()
    emit(
        info,
        as_json,
        lambda: click.echo(
            _("Database {database} ready (schema {version}); files in {files}.").format(
                database=info["database"], version=info["schema_version"], files=info["files"]
            )
        ),
    )


@click.command("sweep")
@json_option
@click.pass_obj
def sweep(state: State, as_json: bool) -> None:
    """Send due payment reminders and expire overdue dossiers; safe to run again.

    With --provider, only that provider's dossiers and messages. Run it daily (cron).
    Example: DOMICILI_NOW=2026-03-08T09:00:00+01:00 domicili sweep
    """
    report = state.app().sweep()
    counts = {
        "reminders": len(report.reminders),
        "expired": len(report.expired),
        "signatures": len(report.signature_reminders),
    }
    if delivered():
        said = _(
            "Payment reminders sent: {reminders}; dossiers expired: {expired}; "
            "signature reminders sent: {signatures}."
        )
    else:
        said = _(
            "Payment reminders queued: {reminders}; dossiers expired: {expired}; "
            "signature reminders queued: {signatures}."
        )

    def human() -> None:
        click.echo(said.format(**counts))
        if report.invoices:
            click.echo(
                ngettext(
                    "Invoice issued for a period that opened: {count}.",
                    "Invoices issued for the periods that opened: {count}.",
                    len(report.invoices),
                ).format(count=len(report.invoices))
            )
        if report.collected:
            click.echo(
                ngettext(
                    "Direct debit collected on its day: {numbers}.",
                    "Direct debits collected on their day: {numbers}.",
                    len(report.collected),
                ).format(numbers=", ".join(report.collected))
            )
        if report.cards is not None:
            from .billing import charge_lines

            charge_lines(report.cards, quiet=True)
            if report.cards.stopped:
                click.echo(report.cards.stopped)
        _done_lines(
            report.dunning,
            [
                ("reminded", _("Unpaid invoices reminded: {items}.")),
                ("presented_again", _("Returned debits presented again: {items}.")),
                ("suspended", _("Mail service suspended for non-payment: dossier {items}.")),
                ("termination_open", _("Provider told termination is open: dossier {items}.")),
            ],
        )
        _done_lines(report.mail, _mail_lines())

    emit(report.as_dict(), as_json, human)


def _done_lines(done: dict[str, list[Any]], lines: list[tuple[str, str]]) -> None:
    """One line per step of the sweep that did something, with what it did it to."""
    for key, line in lines:
        if done.get(key):
            click.echo(line.format(items=", ".join(str(i) for i in done[key])))


def _mail_lines() -> list[tuple[str, str]]:
    """What the sweep did to the mail, as said."""
    return [
        (
            "destroyed",
            _("Mail destroyed (asked for, or scanned and kept past its retention): piece {items}."),
        ),
        ("returned", _("Mail returned to its sender past its retention: piece {items}.")),
        ("storage_warned", _("Clients warned their free storage ends: piece {items}.")),
        ("uncollected_warned", _("Clients warned of mail left uncollected: dossier {items}.")),
        ("greffe_notices", _("Notices to the greffe drawn up (3-month rule): dossier {items}.")),
        ("digests", _("Daily mail digests: dossier {items}.")),
    ]


@click.group()
def outbox() -> None:
    """Notifications (email, SMS) queued and delivered.

    Example: domicili outbox list --status pending
    """


@outbox.command("list")
@click.option("--dossier", "dossier_id", type=DOSSIER, help="Only messages about this dossier.")
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), help="Only this state.")
@click.option(
    "--failed",
    "given_up",
    is_flag=True,
    help="Only the messages given up: no delivery tries them again (see `outbox retry`).",
)
@click.option("--full", is_flag=True, help="Print each message body.")
@page_options("messages")
@json_option
@click.pass_obj
def outbox_list(
    state: State,
    dossier_id: int | None,
    status: str | None,
    given_up: bool,
    full: bool,
    limit: int | None,
    show_all: bool,
    before: int | None,
    as_json: bool,
) -> None:
    """List queued and delivered messages, newest first (50 unless --limit or --all).

    Example: domicili outbox list --dossier 1 --full
    """
    if given_up and status is not None:
        raise click.UsageError(_("Use either --failed or --status, not both."))
    shown, read = page_limit(limit, show_all)
    messages = state.app().iter_outbox(
        dossier_id=dossier_id, status=status, given_up=given_up, limit=read, before=before
    )
    emit_rows(
        messages,
        limit=shown,
        as_json=as_json,
        data=lambda m: m.model_dump(mode="json", include=_MESSAGE_FIELDS),
        columns=[_("ID"), _("Channel"), _("To"), _("Subject / text"), _("Dossier"), _("State")],
        cells=lambda m: (
            m.id,
            CHANNELS[m.channel],
            m.to,
            m.subject or m.body[:60],
            m.dossier_id,
            _(MESSAGE_STATES[m.status]),
        ),
        noun="messages",
        human=_print_bodies if full else None,
    )


#: How a person names a channel and a message's state.
CHANNELS = {"email": "e-mail", "sms": "SMS"}
MESSAGE_STATES = {"pending": N_("queued"), "sent": N_("sent"), "failed": N_("failed")}

_MESSAGE_FIELDS = {
    "id",
    "channel",
    "to",
    "subject",
    "body",
    "template",
    "dossier_id",
    "status",
    "attempts",
    "created_at",
    "sent_at",
}


def _print_bodies(messages: Iterator[OutboxMessage]) -> None:
    for m in messages:
        head = _("--- #{id} {channel} to {to} [{state}] ({template})").format(
            id=m.id,
            channel=CHANNELS[m.channel],
            to=m.to,
            state=_(MESSAGE_STATES[m.status]),
            template=m.template,
        )
        click.echo(head)
        if m.subject:
            click.echo(_("Subject: {subject}").format(subject=m.subject) + "\n")
        click.echo(m.body)


@outbox.command("deliver")
@json_option
@click.pass_obj
def outbox_deliver(state: State, as_json: bool) -> None:
    """Retry delivery of messages not sent yet (within [notifications] deadline_seconds).

    With --provider, only that provider's messages. What is not sent in time stays
    queued for the next run. Example: domicili outbox deliver
    """
    report = state.app().deliver()
    emit(
        {"sent": report.sent, "failed": report.failed},
        as_json,
        lambda: click.echo(
            _("Sent: {sent}; failed: {failed}.").format(sent=report.sent, failed=report.failed)
        ),
    )
    if report.failed:
        from ._errors import ADAPTER_FAILED

        raise click.exceptions.Exit(ADAPTER_FAILED)


@outbox.command("retry")
@click.argument("message_id", type=ID)
@json_option
@click.pass_obj
def outbox_retry(state: State, message_id: int, as_json: bool) -> None:
    """Send a failed message again now, its attempts counted from zero.

    For a message given up (`outbox list --failed`) once its cause is fixed: the mail
    server or the SMS gateway is back, the address corrected. Example: domicili outbox retry 12
    """
    app = state.app()
    message = app.retry_message(message_id)
    report = app.last_delivery
    sent = report is not None and report.sent > 0
    emit(
        {"id": message.id, "channel": message.channel, "to": message.to, "sent": sent},
        as_json,
        lambda: click.echo(
            (
                _("Message {id} ({channel} to {to}) sent.")
                if sent
                else _("Message {id} ({channel} to {to}) queued again.")
            ).format(id=message.id, channel=CHANNELS[message.channel], to=message.to)
        ),
    )
    if not sent:
        from ._errors import ADAPTER_FAILED

        raise click.exceptions.Exit(ADAPTER_FAILED)


@click.group()
def audit() -> None:
    """The hash-chained log of every state change.

    Example: domicili audit verify
    """


@audit.command("verify")
@click.option(
    "--head",
    "expected_head",
    metavar="ID:HASH",
    help="A head printed earlier by `audit head`: the log must still hold it.",
)
@json_option
@click.pass_obj
def audit_verify(state: State, expected_head: str | None, as_json: bool) -> None:
    """Check the event chain and every record against it; one line per finding. Exit 1 if any.

    The chain is checked against its secret key and the head anchored beside the
    database's files (deleted, edited, inserted, reordered events, a truncated tail, a
    re-hashed chain); then every invoice against its issuing event and its series,
    every dossier's status, every signature, and every stored file against its SHA-256.

    Example: domicili audit verify
    """
    report = state.app().verify_audit(expected_head=expected_head)

    def lines() -> None:
        for finding in report.findings:
            click.echo(finding.message)
        if report.more:
            click.echo(
                ngettext("… and {n} more finding.", "… and {n} more findings.", report.more).format(
                    n=report.more
                )
            )
        if report.ok:
            click.echo(
                ngettext(
                    "Audit log intact: {n} event and its records verified.",
                    "Audit log intact: {n} events and their records verified.",
                    report.events,
                ).format(n=report.events)
            )

    emit(report.as_dict(), as_json, lines)
    if not report.ok:
        from ._errors import REFUSED

        found = len(report.findings) + report.more
        note(
            ngettext(
                "Error: the audit found {n} problem; restore what was altered from a backup.",
                "Error: the audit found {n} problems; restore what was altered from a backup.",
                found,
            ).format(n=found)
        )
        raise click.exceptions.Exit(REFUSED)


@audit.command("head")
@json_option
@click.pass_obj
def audit_head(state: State, as_json: bool) -> None:
    """Print the head of the log (last event id and hash) to keep outside the database.

    Give it back to `audit verify --head ID:HASH` to prove no event was deleted since.

    Example: domicili audit head
    """
    head = state.app().audit_head()

    def line() -> None:
        if head["event_id"] is None:
            click.echo(_("The log is empty."))
        else:
            click.echo(f"{head['event_id']}:{head['hash']}")

    emit(head, as_json, line)


@click.command("demo")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Fresh folder for the demo database (default: a new ./domicili-demo-*).",
)
def demo(folder: Path | None) -> None:
    """Run the whole story on a fresh SQLite database, printing each step.

    Example: domicili demo
    """
    from .demo import run_demo

    run_demo(folder)


COMMANDS = [init, sweep, outbox, audit, demo]
