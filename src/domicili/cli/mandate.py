"""``domicili mandate …``: the SEPA direct-debit mandates of the dossiers' clients."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import click

from ..i18n import N_, _
from ._dates import DATE
from ._output import DOSSIER, emit, json_option, labelled, note

if TYPE_CHECKING:
    from ..mandates import Mandate
    from . import State


@click.group()
def mandate() -> None:
    """SEPA direct-debit mandates (référence unique du mandat, RUM) of the dossiers.

    Example: domicili mandate show D-000007
    """


def mandate_dict(m: Mandate) -> dict[str, Any]:
    data = m.model_dump(mode="json")
    data["active"] = m.active
    data["sequence"] = m.sequence
    return data


def _iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _show(m: Mandate) -> None:
    from ..clock import paris_date
    from ..french import numeric_date_fr

    if m.revoked_at is not None:
        state = _("revoked on {date}").format(date=numeric_date_fr(paris_date(m.revoked_at)))
    elif m.one_off and m.first_collected_on is not None:
        state = _("used on {date} (one-off): collects nothing more").format(
            date=numeric_date_fr(m.first_collected_on)
        )
    elif m.one_off:
        state = _("in force, collects the next invoice only (OOFF)")
    elif m.first_collected_on is None:
        state = _("in force, next collection FRST (first)")
    else:
        state = _("in force, first collection on {date}, next collection RCUR").format(
            date=numeric_date_fr(m.first_collected_on)
        )
    labelled(
        [
            (N_("Reference (RUM)"), m.reference),
            (N_("Dossier"), f"D-{m.dossier_id:06d}"),
            (N_("Debtor"), m.debtor_name),
            (N_("IBAN"), _iban(m.iban)),
            (N_("BIC"), m.bic),
            (N_("Bank"), m.bank_name),
            (N_("Signed on"), numeric_date_fr(m.signed_on)),
            (N_("Kind"), _("one-off") if m.one_off else _("recurring")),
            (N_("State"), state),
        ]
    )
    if m.amendments:
        click.echo(_("Amendments (values before each):"))
        for a in m.amendments:
            click.echo(
                "  "
                + _(
                    "{date}: {changed} — was {reference}, {iban}, {debtor}, signed on {signed}"
                ).format(
                    date=numeric_date_fr(paris_date(a.amended_at)),
                    changed=", ".join(a.changed),
                    reference=a.reference,
                    iban=_iban(a.iban),
                    debtor=a.debtor_name,
                    signed=numeric_date_fr(a.signed_on),
                )
            )


@mandate.command("add")
@click.argument("dossier_id", type=DOSSIER)
@click.option("--iban", required=True, help="IBAN of the account to debit.")
@click.option(
    "--reference",
    required=True,
    help="The mandate's unique reference (RUM), at most 35 characters.",
)
@click.option("--signed-on", type=DATE, required=True, help="Day the client signed the mandate.")
@click.option("--bic", help="BIC of the account (default: found from the IBAN).")
@click.option("--debtor-name", help="Account holder, when not the client (as on the mandate).")
@click.option(
    "--one-off",
    is_flag=True,
    help="A one-off mandate (OOFF): it collects the next invoice only.",
)
@json_option
@click.pass_obj
def mandate_add(
    state: State,
    dossier_id: int,
    iban: str,
    reference: str,
    signed_on: date,
    bic: str | None,
    debtor_name: str | None,
    one_off: bool,
    as_json: bool,
) -> None:
    """Record the SEPA mandate a dossier's client signed; on a dossier that has one, amend
    it (the values replaced are kept, with the date).

    A recurring mandate collects every invoice (FRST, then RCUR); a one-off mandate
    (--one-off) collects the next invoice only (OOFF), the following ones are paid by
    transfer.

    The dossier must be in force. The BIC and the bank follow from the IBAN. A
    reference (RUM) identifies one mandate of the provider for good.
    Example: domicili mandate add D-000007 --iban "FR76 3000 6000 0112 3456 7890 189"
    --reference RUM-D-000007 --signed-on 02/03/2026
    """
    app = state.app()
    before = app.active_mandate(dossier_id)
    m = app.add_mandate(
        dossier_id,
        iban=iban,
        reference=reference,
        signed_on=signed_on,
        bic=bic,
        debtor_name=debtor_name,
        one_off=one_off,
    )
    emit(mandate_dict(m), as_json, lambda: _show(m))
    if before is None:
        note(
            _("Mandate {reference} recorded for dossier {dossier_id}.").format(
                reference=m.reference, dossier_id=dossier_id
            )
        )
    elif len(m.amendments) > len(before.amendments):
        note(
            _("Mandate {reference} amended; the values it replaced are kept.").format(
                reference=m.reference
            )
        )
    else:
        note(
            _("Mandate {reference} already says this; nothing was changed.").format(
                reference=m.reference
            )
        )


@mandate.command("show")
@click.argument("key", metavar="DOSSIER|REFERENCE")
@json_option
@click.pass_obj
def mandate_show(state: State, key: str, as_json: bool) -> None:
    """Show a mandate by its reference (RUM), or the mandate of a dossier (the one in
    force, else its latest), with its amendments.

    Example: domicili mandate show RUM-D-000007
    """
    m = state.app().find_mandate(key)
    emit(mandate_dict(m), as_json, lambda: _show(m))


@mandate.command("revoke")
@click.argument("reference")
@json_option
@click.pass_obj
def mandate_revoke(state: State, reference: str, as_json: bool) -> None:
    """Revoke a mandate (withdrawn by the client, or the contract ended): it is no longer
    collected. Its reference stays the provider's.

    Example: domicili mandate revoke RUM-D-000007
    """
    m = state.app().revoke_mandate(reference)
    emit(mandate_dict(m), as_json, lambda: _show(m))
    note(_("Mandate {reference} revoked.").format(reference=m.reference))


COMMANDS = [mandate]
