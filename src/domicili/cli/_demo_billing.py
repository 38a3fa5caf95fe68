"""The demo's month of the running contract: the next period invoiced and debited, the
debit sent back by the bank, the reminder, and the late payment that clears it; then
the next month charged to the card the client saved."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import PARIS, FixedClock
from ..errors import DomiciliError
from ..files import write_atomic
from ..french import format_eur
from ..i18n import _
from ._demo_talk import day, refused, say, step

if TYPE_CHECKING:
    from datetime import date

    from ..app import Domicili
    from ..models import Dossier

__all__ = ["running_month"]

#: The provider's SEPA creditor identifier and account, and the client's account.
ICS = "FR72ZZZ123456"
PROVIDER_IBAN = "FR76 3000 4000 0312 3456 7890 143"
CLIENT_IBAN = "DE89 3704 0044 0532 0130 00"

#: What the bank sends back (camt.054): the debit returned for insufficient funds.
RETURNED = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>RET-{on:%Y%m%d}-01</MsgId><CreDtTm>{on:%Y-%m-%d}T06:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-{on:%Y%m%d}</Id>
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{on:%Y-%m-%d}</Dt></BookgDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{e2e}</EndToEndId></Refs>
          <RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""


def _morning(clock: FixedClock, on: date) -> None:
    clock.set(datetime.combine(on, time(9, 0), tzinfo=PARIS))


def running_month(app: Domicili, clock: FixedClock, folder: Path, mine: Dossier) -> None:
    """From the mandate to the late payment, as the provider's staff live it."""
    from ..documents.contract import add_months

    assert mine.id is not None
    dossier = app.get_dossier(mine.id).dossier
    assert dossier.start_date is not None
    step(
        _("The provider records its SEPA creditor identifier and the client's mandate"),
        f"provider update {mine.provider_id} --creditor-identifier {ICS} --iban '{PROVIDER_IBAN}'; "
        f"mandate add {mine.id} --iban '{CLIENT_IBAN}' --reference RUM-{mine.reference} "
        f"--signed-on {day(dossier.start_date)}",
    )
    app.update_provider(mine.provider_id, creditor_identifier=ICS, iban=PROVIDER_IBAN)
    mandate = app.add_mandate(
        mine.id, iban=CLIENT_IBAN, reference=f"RUM-{mine.reference}", signed_on=dossier.start_date
    )
    say(
        _("mandate {reference}: {bank} ({bic}), its first debit FRST").format(
            reference=mandate.reference, bank=mandate.bank_name, bic=mandate.bic
        )
    )

    _morning(clock, add_months(dossier.start_date, 1))
    step(
        _("A month later ({day}), the billing run invoices the new period").format(
            day=day(clock.now())
        ),
        "billing run",
    )
    (number,) = app.bill().issued
    owed = app.receivable(number)
    assert owed.collection_date is not None
    say(
        _(
            "invoice {number} for {start} – {end}: {amount}, to be debited on {debit}; "
            "sent to the client with its PDF (it is the debit's notice)"
        ).format(
            number=number,
            start=day(owed.period_start),
            end=day(owed.period_end),
            amount=format_eur(owed.amount_cents),
            debit=day(owed.collection_date),
        )
    )
    step(_("Running it again issues nothing twice"), "billing run")
    say(_("invoices issued: {count}").format(count=len(app.bill().issued)))

    period = f"{owed.collection_date:%Y-%m}"
    target = folder / f"prelevements-{period}.xml"
    step(
        _("The month's direct debits, as one file for the bank"),
        f"billing sepa-export --period {period} -o {target.name}",
    )
    done = app.export_direct_debits(period, lambda data: write_atomic(target, data))
    say(
        _("{file}: {count} debit, {total} ({format}, checked against its schema)").format(
            file=target.name,
            count=done.debits,
            total=format_eur(done.total_cents),
            format=done.format,
        )
    )
    _returned_and_chased(app, clock, folder, number)
    _by_card(app, clock, mine)


def _returned_and_chased(app: Domicili, clock: FixedClock, folder: Path, number: str) -> None:
    owed = app.receivable(number)
    assert owed.collection_date is not None
    _morning(clock, owed.collection_date)
    step(
        _("On the debit's day ({day}), the sweep counts it paid").format(day=day(clock.now())),
        "sweep",
    )
    say(_("collected: {numbers}").format(numbers=", ".join(app.sweep().collected) or "—"))

    clock.advance(days=3)
    returns = folder / "retour-banque.xml"
    amount = f"{owed.amount_cents // 100}.{owed.amount_cents % 100:02d}"
    returns.write_text(
        RETURNED.format(on=clock.now().astimezone(PARIS), amount=amount, e2e=number),
        encoding="utf-8",
    )
    step(
        _("Three days later the bank sends it back: insufficient funds"),
        f"billing sepa-returns {returns.name}",
    )
    for returned, reason in app.apply_sepa_returns(returns.read_bytes()).returned:
        say(_("{number}: unpaid ({reason})").format(number=returned, reason=reason))
    step(_("The same file again is refused"), f"billing sepa-returns {returns.name}")
    try:
        app.apply_sepa_returns(returns.read_bytes())
    except DomiciliError as exc:
        refused(exc)

    clock.advance(days=3)
    step(
        _(
            "Three days on ({day}), the sweep reminds the client and presents the debit again"
        ).format(day=day(clock.now())),
        "sweep",
    )
    dunning = app.sweep().dunning
    again = app.receivable(number)
    assert again.collection_date is not None
    say(
        _("reminded: {reminded}; presented again on {day}").format(
            reminded=", ".join(dunning["reminded"]), day=day(again.collection_date)
        )
    )
    transfer = f"VIR-{clock.now():%Y}-0107"
    step(
        _("The client pays by transfer instead: the late payment clears it"),
        f"billing paid {number} --reference {transfer}",
    )
    paid = app.record_invoice_paid(number, reference=transfer)
    left = list(app.iter_receivables(unpaid=True))
    say(
        _("{number}: paid; invoices still owed: {count}").format(
            number=paid.number, count=len(left)
        )
    )


def _by_card(app: Domicili, clock: FixedClock, mine: Dossier) -> None:
    """The client moves from the mandate to its card: the next month not billed yet is
    charged to it."""
    from datetime import timedelta

    assert mine.id is not None
    billed = max(r.period_end for r in app.iter_receivables(dossier_id=mine.id, limit=1))
    opens = billed + timedelta(days=1)
    step(
        _("The client would rather pay by card: the mandate is revoked, its card saved"),
        f"mandate revoke RUM-{mine.reference}; card add {mine.id} --token pm_card_visa "
        "--brand visa --last4 4242 --expires 12/2030",
    )
    app.revoke_mandate(f"RUM-{mine.reference}")
    card = app.add_card(
        mine.id, token="pm_card_visa", brand="visa", last4="4242", expires=(12, 2030)
    )
    say(_("card {card}: the next invoices are charged to it").format(card=card.label(_("card"))))
    _morning(clock, opens)
    step(
        _("The next month ({day}): its invoice announces the card, the card is charged").format(
            day=day(clock.now())
        ),
        "billing run; billing charge",
    )
    (number,) = app.bill().issued
    report = app.charge_cards()
    say(
        _("{number}: {amount} charged to {card}; paid: {paid}").format(
            number=number,
            amount=format_eur(app.receivable(number).amount_cents),
            card=card.label(_("card")),
            paid=", ".join(report.paid) or "—",
        )
    )
